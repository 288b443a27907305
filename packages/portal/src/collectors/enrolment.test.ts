import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { checkinRequestSchema, deriveEnrolmentKey, sealEnvelope } from "@device-portal/protocol";
import { PortalError } from "../../../collector/src/upload/errors.ts";
import { call, seedTenantTree, sessionFor, type TenantTree, type TestSession } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { collectorClient, createToken, health, identity, postEnvelope } from "./test-support.ts";

describe("collector enrolment and management", () => {
  let portal: TestPortal;
  let tree: TenantTree;
  const s: Record<string, TestSession> = {};
  const clients: { close(): Promise<void> }[] = [];
  const client = () => {
    const c = collectorClient(portal.url);
    clients.push(c);
    return c;
  };
  const sql = <T>(text: string, params: unknown[] = []) =>
    portal.ctx.db.system(async (q) => (await q.query(text, params)).rows as T[]);

  before(async () => {
    portal = await startTestPortal();
    tree = await seedTenantTree(portal.ctx.db);
    for (const [name, user] of Object.entries(tree.users)) s[name] = await sessionFor(portal.ctx.db, user);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await portal.close();
  });

  it("answers a new token once, with the install command, and keeps only its derived key, sealed", async () => {
    const created = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    assert.match(created.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(created.id, deriveEnrolmentKey(created.token).keyId);
    assert.equal(created.installCommand, `npx ice run --portal ${portal.url} --token ${created.token}`);
    assert.equal(
      (created as unknown as { bundleCommand: string }).bundleCommand,
      `node ice.mjs run --portal ${portal.url} --token ${created.token}`,
    );
    const expires = Date.parse((created as unknown as { expiresAt: string }).expiresAt) - Date.now();
    assert.ok(expires > 6.9 * 86_400_000 && expires <= 7 * 86_400_000, "expires in 7 days by default");

    const listed = await call(
      portal.url,
      s.accountAdmin,
      "GET",
      `/api/v1/enrolment-tokens?siteId=${tree.a.a1North}`,
    );
    assert.equal(listed.status, 200);
    const item = listed.body.items.find((t: { id: string }) => t.id === created.id);
    assert.equal(item.state, "active");
    assert.equal(item.siteId, tree.a.a1North);
    assert.equal(item.customerId, tree.a.a1);
    assert.ok(!JSON.stringify(listed.body).includes(created.token), "the list never shows the token");

    const [row] = await sql<{ key_enc: Buffer }>("select key_enc from enrolment_tokens where key_id = $1", [
      created.id,
    ]);
    const { key } = deriveEnrolmentKey(created.token);
    assert.ok(row && !row.key_enc.includes(key), "the enrolment key is sealed at rest");
    assert.deepEqual(portal.ctx.secrets.open(row.key_enc), key);
    const all = JSON.stringify(await sql("select * from enrolment_tokens"));
    assert.ok(!all.includes(created.token));
    assert.deepEqual(
      await sql("select kind, account_id from collector_keys where key_id = $1", [created.id]),
      [{ kind: "enrolment", account_id: tree.a.accountId }],
    );

    const shorter = await createToken(portal.url, s.technician as TestSession, tree.a.a1North, {
      expiresInDays: 1,
    });
    const left = Date.parse((shorter as unknown as { expiresAt: string }).expiresAt) - Date.now();
    assert.ok(left <= 86_400_000 && left > 0.9 * 86_400_000);
    const noBody = await call(
      portal.url,
      s.accountAdmin,
      "POST",
      `/api/v1/sites/${tree.a.a1North}/enrolment-tokens`,
    );
    assert.equal(noBody.status, 201, JSON.stringify(noBody.body));
    for (const bad of [{ expiresInDays: 0 }, { expiresInDays: 31 }, { expiresInDays: "7" }, { other: 1 }]) {
      const refused = await call(
        portal.url,
        s.accountAdmin,
        "POST",
        `/api/v1/sites/${tree.a.a1North}/enrolment-tokens`,
        bad,
      );
      assert.equal(refused.status, 400, JSON.stringify(bad));
    }
  });

  it("enrols the real collector client, takes its check-in and lists the collector with its health", async () => {
    const { token, id: tokenId } = await createToken(
      portal.url,
      s.accountAdmin as TestSession,
      tree.a.a1South,
    );
    const ice = client();
    const enrolment = await ice.enrol(token, identity);
    assert.match(enrolment.collectorId, /^[0-9a-f-]{36}$/);
    assert.equal(enrolment.key.length, 32);
    assert.equal(enrolment.settings.refreshIntervalMinutes, 20);
    assert.deepEqual(enrolment.settings.communities, ["public"]);

    const settings = await ice.checkin(
      health({
        queuedScans: 2,
        errors: ["upload failed: ECONNRESET"],
        lastDiscoveryAt: "2026-11-30T09:00:00.000Z",
      }),
    );
    assert.equal(settings.discoveryIntervalMinutes, 720);

    const one = await call(portal.url, s.accountAdmin, "GET", `/api/v1/collectors/${enrolment.collectorId}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, enrolment.collectorId);
    assert.equal(one.body.siteId, tree.a.a1South);
    assert.equal(one.body.customerId, tree.a.a1);
    assert.equal(one.body.name, identity.hostname);
    assert.equal(one.body.hostname, identity.hostname);
    assert.equal(one.body.os, identity.os);
    assert.equal(one.body.version, identity.version);
    assert.equal(one.body.online, true);
    assert.equal(one.body.queuedScans, 2);
    assert.deepEqual(one.body.errors, ["upload failed: ECONNRESET"]);
    assert.equal(one.body.lastDiscoveryAt, "2026-11-30T09:00:00.000Z");
    assert.equal(one.body.refreshIntervalMinutes, 20);
    assert.equal(one.body.revokedAt, null);
    assert.ok(one.body.lastContactAt);

    const tokens = await call(portal.url, s.accountAdmin, "GET", `/api/v1/enrolment-tokens?state=used`);
    const used = tokens.body.items.find((t: { id: string }) => t.id === tokenId);
    assert.equal(used.collectorId, enrolment.collectorId);
    assert.ok(used.usedAt);

    const [row] = await sql<{ key_id: string; key_enc: Buffer }>(
      "select key_id, key_enc from collectors where collector_id = $1",
      [enrolment.collectorId],
    );
    assert.equal(row?.key_id, enrolment.keyId);
    assert.ok(row && !row.key_enc.includes(enrolment.key), "the collector key is sealed at rest");

    const audit = await sql<{ action: string }>("select action from audit_log where target_id = $1", [
      enrolment.collectorId,
    ]);
    assert.deepEqual(
      audit.map((a) => a.action),
      ["collector.enrol"],
    );
  });

  it("enrols the same collector again with its token (a restart): a new key, and the old one stops working", async () => {
    const { token } = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    const first = await client().enrol(token, identity);
    const second = await client().enrol(token, { ...identity, version: "0.9.2" });
    assert.equal(second.collectorId, first.collectorId);
    assert.notEqual(second.keyId, first.keyId);

    const checkinWith = (key: Buffer, keyId: string) =>
      postEnvelope(
        portal.url,
        "checkin",
        sealEnvelope(
          key,
          { type: "checkin", collectorId: first.collectorId, keyId, messageId: randomUUID() },
          JSON.stringify(checkinRequestSchema.parse({ health: health({ version: "0.9.2" }) })),
        ),
      );
    const old = await checkinWith(first.key, first.keyId);
    assert.equal(old.status, 401);
    assert.equal(old.json?.error, "unknown-key");
    assert.equal((await checkinWith(second.key, second.keyId)).status, 200);

    const collector = await call(
      portal.url,
      s.accountAdmin,
      "GET",
      `/api/v1/collectors/${first.collectorId}`,
    );
    assert.equal(collector.body.version, "0.9.2");
    const count = await sql<{ n: number }>("select count(*)::int as n from collectors where site_id = $1", [
      tree.a.a1North,
    ]);
    assert.equal(count[0]?.n, 1);
  });

  it("renames a collector, audited", async () => {
    const { token } = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a2Main);
    const { collectorId } = await client().enrol(token, identity);
    const renamed = await call(portal.url, s.technician, "PATCH", `/api/v1/collectors/${collectorId}`, {
      name: "Print room ICE",
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, "Print room ICE");
    assert.equal(
      (await call(portal.url, s.technician, "PATCH", `/api/v1/collectors/${collectorId}`, { name: "" }))
        .status,
      400,
    );
    const audit = await sql<{ details: { before: string; after: string } }>(
      "select details from audit_log where action = 'collector.rename' and target_id = $1",
      [collectorId],
    );
    assert.deepEqual(audit[0]?.details, { before: identity.hostname, after: "Print room ICE" });
  });

  it("revokes a collector: its next call gets 401 unknown-key and its token cannot enrol again", async () => {
    const { token, id: tokenId } = await createToken(
      portal.url,
      s.accountAdmin as TestSession,
      tree.a.a1North,
    );
    const ice = client();
    const enrolment = await ice.enrol(token, identity);
    const revoked = await call(
      portal.url,
      s.accountAdmin,
      "POST",
      `/api/v1/collectors/${enrolment.collectorId}/revoke`,
    );
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    assert.equal(revoked.body.online, false);

    const raw = await postEnvelope(
      portal.url,
      "checkin",
      sealEnvelope(
        enrolment.key,
        {
          type: "checkin",
          collectorId: enrolment.collectorId,
          keyId: enrolment.keyId,
          messageId: randomUUID(),
        },
        JSON.stringify({ health: health() }),
      ),
    );
    assert.equal(raw.status, 401);
    assert.equal(raw.json?.error, "unknown-key");

    // The real client enrols again on a 401; the revoked token refuses it.
    await assert.rejects(
      ice.checkin(health()),
      (e: unknown) => e instanceof PortalError && e.code === "unauthorized",
    );
    await assert.rejects(
      client().enrol(token, identity),
      (e: unknown) => e instanceof PortalError && e.code === "unauthorized",
    );
    const tokens = await call(portal.url, s.accountAdmin, "GET", `/api/v1/enrolment-tokens?state=revoked`);
    assert.ok(tokens.body.items.some((t: { id: string }) => t.id === tokenId));
    assert.deepEqual(
      await sql("select * from collector_keys where collector_id = $1", [enrolment.collectorId]),
      [],
    );
  });

  it("revokes an enrolment token: an unused one cannot enrol, a used one takes its collector with it", async () => {
    const unused = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    const deleted = await call(portal.url, s.accountAdmin, "DELETE", `/api/v1/enrolment-tokens/${unused.id}`);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.state, "revoked");
    await assert.rejects(
      client().enrol(unused.token, identity),
      (e: unknown) => e instanceof PortalError && e.reason === "unknown-token",
    );

    const used = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    const ice = client();
    const enrolment = await ice.enrol(used.token, identity);
    assert.equal(
      (await call(portal.url, s.accountAdmin, "DELETE", `/api/v1/enrolment-tokens/${used.id}`)).status,
      200,
    );
    await assert.rejects(
      ice.checkin(health()),
      (e: unknown) => e instanceof PortalError && e.code === "unauthorized",
    );
    const collector = await call(
      portal.url,
      s.accountAdmin,
      "GET",
      `/api/v1/collectors/${enrolment.collectorId}`,
    );
    assert.ok(collector.body.revokedAt);
  });

  it("refuses an expired token that was never used", async () => {
    const { token, id } = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    await sql("update enrolment_tokens set expires_at = now() - interval '1 second' where key_id = $1", [id]);
    await assert.rejects(
      client().enrol(token, identity),
      (e: unknown) => e instanceof PortalError && e.reason === "unknown-token",
    );
    const listed = await call(portal.url, s.accountAdmin, "GET", `/api/v1/enrolment-tokens?state=expired`);
    assert.ok(listed.body.items.some((t: { id: string }) => t.id === id));
  });

  it("keeps a used token good for its collector after the token's expiry (restarts must keep working)", async () => {
    const { token, id } = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    const first = await client().enrol(token, identity);
    await sql("update enrolment_tokens set expires_at = now() - interval '1 day' where key_id = $1", [id]);
    const again = await client().enrol(token, identity);
    assert.equal(again.collectorId, first.collectorId);
  });

  it("applies the rights matrix and answers 404 for another tenant's ids", async () => {
    const { token } = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a2Main);
    const { collectorId } = await client().enrol(token, identity);
    const b = await createToken(portal.url, s.otherAccountAdmin as TestSession, tree.b.b1Main);

    const status = async (who: string, method: string, path: string, body?: unknown) =>
      (await call(portal.url, s[who], method, path, body)).status;

    // Roles without the right.
    assert.equal(
      await status("customerUser", "POST", `/api/v1/sites/${tree.a.a1North}/enrolment-tokens`, {}),
      403,
    );
    assert.equal(await status("billing", "GET", "/api/v1/collectors"), 403);
    assert.equal(await status("customerUser", "GET", "/api/v1/enrolment-tokens"), 403);
    assert.equal((await call(portal.url, undefined, "GET", "/api/v1/collectors")).status, 401);

    // Another customer of the same account, another account.
    assert.equal(
      await status("customerAdmin", "POST", `/api/v1/sites/${tree.a.a2Main}/enrolment-tokens`, {}),
      404,
    );
    assert.equal(
      await status("customerAdmin", "POST", `/api/v1/sites/${tree.a.a1North}/enrolment-tokens`, {}),
      201,
    );
    for (const [method, path, body] of [
      ["GET", `/api/v1/collectors/${collectorId}`],
      ["PATCH", `/api/v1/collectors/${collectorId}`, { name: "mine now" }],
      ["POST", `/api/v1/collectors/${collectorId}/revoke`],
      ["GET", `/api/v1/collectors/${collectorId}/effective-settings`],
    ] as const) {
      assert.equal(
        await status("customerAdmin", method, path, body),
        404,
        `customer admin ${method} ${path}`,
      );
      assert.equal(
        await status("otherAccountAdmin", method, path, body),
        404,
        `other account ${method} ${path}`,
      );
    }
    assert.equal(
      await status("otherAccountAdmin", "POST", `/api/v1/sites/${tree.a.a1North}/enrolment-tokens`, {}),
      404,
    );
    assert.equal(await status("accountAdmin", "DELETE", `/api/v1/enrolment-tokens/${b.id}`), 404);
    assert.equal(await status("customerAdmin", "DELETE", `/api/v1/enrolment-tokens/${b.id}`), 404);
    assert.equal(await status("accountAdmin", "GET", `/api/v1/collectors/${randomUUID()}`), 404);
    assert.equal(await status("accountAdmin", "GET", "/api/v1/collectors/not-a-uuid"), 400);
    assert.equal(await status("accountAdmin", "DELETE", "/api/v1/enrolment-tokens/nonsense"), 400);

    // Lists show only the caller's part.
    const own = await call(portal.url, s.customerAdmin, "GET", "/api/v1/collectors");
    assert.ok(own.body.items.length > 0);
    assert.ok(own.body.items.every((c: { customerId: string }) => c.customerId === tree.a.a1));
    const other = await call(portal.url, s.otherAccountAdmin, "GET", "/api/v1/collectors");
    assert.deepEqual(other.body.items, []);
    const otherTokens = await call(portal.url, s.otherAccountAdmin, "GET", "/api/v1/enrolment-tokens");
    assert.deepEqual(
      otherTokens.body.items.map((t: { id: string }) => t.id),
      [b.id],
    );
    const filtered = await call(
      portal.url,
      s.accountAdmin,
      "GET",
      `/api/v1/collectors?siteId=${tree.a.a2Main}`,
    );
    assert.ok(filtered.body.items.some((c: { id: string }) => c.id === collectorId));
    assert.ok(filtered.body.items.every((c: { siteId: string }) => c.siteId === tree.a.a2Main));
    // The platform sees every account.
    const platform = await call(portal.url, s.platformAdmin, "GET", `/api/v1/collectors/${collectorId}`);
    assert.equal(platform.status, 200);
  });

  it("pages through collectors and tokens with a cursor", async () => {
    const seen = async (path: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } =
          await call(
            portal.url,
            s.accountAdmin,
            "GET",
            `${path}${path.includes("?") ? "&" : "?"}limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          );
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        ids.push(...page.body.items.map((i) => i.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      return ids;
    };
    for (const path of [
      "/api/v1/collectors",
      "/api/v1/collectors?sort=-createdAt",
      "/api/v1/collectors?sort=lastContactAt",
      "/api/v1/enrolment-tokens",
      "/api/v1/enrolment-tokens?sort=expiresAt",
    ]) {
      const all = await call(
        portal.url,
        s.accountAdmin,
        "GET",
        `${path}${path.includes("?") ? "&" : "?"}limit=200`,
      );
      const paged = await seen(path);
      assert.ok(paged.length > 3, path);
      assert.deepEqual(
        paged,
        all.body.items.map((i: { id: string }) => i.id),
        path,
      );
    }
    assert.equal(
      (await call(portal.url, s.accountAdmin, "GET", "/api/v1/collectors?cursor=garbage")).status,
      400,
    );
  });
});
