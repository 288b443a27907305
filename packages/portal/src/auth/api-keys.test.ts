import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashSecret } from "../secrets.ts";
import { call, sessionFor, type TestSession } from "../testing/tenants.ts";
import { parseApiKeyToken } from "./api-keys.ts";
import { type AuthFixture, auditOf, startAuthFixture } from "./testing.ts";

/** Calls as an API key: `Authorization: Bearer`, no cookie, no CSRF token. */
const bearer = (token: string): TestSession => ({
  cookie: "",
  csrfToken: "",
  headers: { authorization: `Bearer ${token}` },
});

describe("API keys", () => {
  let fx: AuthFixture;
  let as: Record<"platform" | "adminA" | "technician" | "customerAdmin" | "adminB", TestSession>;
  before(async () => {
    fx = await startAuthFixture();
    const u = fx.tree.users;
    as = {
      platform: await sessionFor(fx.portal.ctx.db, u.platformAdmin),
      adminA: await sessionFor(fx.portal.ctx.db, u.accountAdmin),
      technician: await sessionFor(fx.portal.ctx.db, u.technician),
      customerAdmin: await sessionFor(fx.portal.ctx.db, u.customerAdmin),
      adminB: await sessionFor(fx.portal.ctx.db, u.otherAccountAdmin),
    };
  });
  after(() => fx.close());

  const api = (who: TestSession | undefined, method: string, path: string, body?: unknown) =>
    call(fx.portal.url, who, method, path, body);
  const create = (who: TestSession, body: unknown) => api(who, "POST", "/api/v1/api-keys", body);

  it("creates a key whose token is shown once and stored only as a hash, and the key works", async () => {
    const created = await create(as.adminA, { name: "ERP export", role: "account-admin" });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, "ERP export");
    assert.equal(created.body.role, "account-admin");
    assert.equal(created.body.accountId, fx.tree.a.accountId);
    assert.equal(created.body.customerId, null);
    assert.equal(created.body.createdBy, fx.tree.users.accountAdmin.userId);
    assert.equal(created.body.lastUsedAt, null);
    const token: string = created.body.token;
    const parsed = parseApiKeyToken(token);
    assert.deepEqual(parsed && { accountId: parsed.accountId, apiKeyId: parsed.apiKeyId }, {
      accountId: fx.tree.a.accountId,
      apiKeyId: created.body.apiKeyId,
    });
    const row = (
      await fx.portal.ctx.db.system((sql) =>
        sql.query("select secret_hash from api_keys where api_key_id = $1", [created.body.apiKeyId]),
      )
    ).rows[0];
    assert.deepEqual(row.secret_hash, hashSecret(parsed?.secret ?? ""));

    // The list never shows the token again.
    const list = await api(as.adminA, "GET", "/api/v1/api-keys");
    assert.equal(list.status, 200);
    const listed = list.body.items.find((k: { apiKeyId: string }) => k.apiKeyId === created.body.apiKeyId);
    assert.ok(listed);
    assert.equal(listed.token, undefined);
    assert.doesNotMatch(JSON.stringify(list.body), new RegExp(parsed?.secret ?? "-"));

    // Used as a bearer token it acts with its role, and writes need no CSRF token.
    const viaKey = await api(bearer(token), "GET", "/api/v1/api-keys");
    assert.equal(viaKey.status, 200);
    const child = await create(bearer(token), { name: "made by a key", role: "account-billing" });
    assert.equal(child.status, 201);
    assert.equal(child.body.createdBy, fx.tree.users.accountAdmin.userId);
    const used = await api(as.adminA, "GET", "/api/v1/api-keys?includeRevoked=false");
    const usedKey = used.body.items.find((k: { apiKeyId: string }) => k.apiKeyId === created.body.apiKeyId);
    assert.ok(usedKey.lastUsedAt);
    // Used again within the minute: last_used_at is not rewritten on every request.
    const lastUsed = () =>
      fx.portal.ctx.db.system(
        async (sql) =>
          (
            await sql.query("select last_used_at from api_keys where api_key_id = $1", [
              created.body.apiKeyId,
            ])
          ).rows[0].last_used_at as Date,
      );
    const firstUse = await lastUsed();
    assert.equal((await api(bearer(token), "GET", "/api/v1/api-keys")).status, 200);
    assert.deepEqual(await lastUsed(), firstUse);
    // Once it is older than a minute, the next use writes it again.
    await fx.portal.ctx.db.system((sql) =>
      sql.query("update api_keys set last_used_at = now() - interval '2 minutes' where api_key_id = $1", [
        created.body.apiKeyId,
      ]),
    );
    const stale = await lastUsed();
    assert.equal((await api(bearer(token), "GET", "/api/v1/api-keys")).status, 200);
    assert.ok((await lastUsed()) > stale);

    const events = await auditOf(fx.portal, fx.tree.a.accountId);
    const createdEvent = events.find(
      (e) => e.action === "api-key.create" && e.target_id === created.body.apiKeyId,
    );
    assert.equal(createdEvent?.actor_user_id, fx.tree.users.accountAdmin.userId);
    assert.deepEqual(createdEvent?.details, { name: "ERP export", role: "account-admin" });
    const byKey = events.find((e) => e.action === "api-key.create" && e.target_id === child.body.apiKeyId);
    assert.equal(byKey?.actor_api_key_id, created.body.apiKeyId);
  });

  it("acts with the key's role, not its creator's", async () => {
    const created = await create(as.adminA, { name: "monitoring", role: "account-technician" });
    assert.equal(created.status, 201);
    // A technician holds no right on users: the key list is forbidden to this key.
    assert.equal((await api(bearer(created.body.token), "GET", "/api/v1/api-keys")).status, 403);
    assert.equal((await api(bearer(created.body.token), "GET", "/api/v1/audit")).status, 403);
  });

  it("keeps keys out of the session routes", async () => {
    const created = await create(as.adminA, { name: "script", role: "account-admin" });
    const key = bearer(created.body.token);
    for (const [method, path, body] of [
      ["GET", "/api/v1/auth/me", undefined],
      ["PATCH", "/api/v1/auth/me", { name: "x" }],
      ["POST", "/api/v1/auth/logout", undefined],
      ["POST", "/api/v1/auth/password", { currentPassword: "x", newPassword: "long enough password" }],
      ["POST", "/api/v1/auth/totp/setup", undefined],
    ] as const)
      assert.equal((await api(key, method, path, body)).status, 403, `${method} ${path}`);
  });

  it("refuses unknown, altered, malformed and other-account tokens with 401", async () => {
    const created = await create(as.adminA, { name: "probe", role: "account-admin" });
    const token: string = created.body.token;
    const parsed = parseApiKeyToken(token);
    assert.ok(parsed);
    const altered = [
      `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`,
      // The same key id under the other account's id.
      `dpk_${fx.tree.b.accountId}_${parsed.apiKeyId}_${parsed.secret}`,
      `dpk_${parsed.accountId}_${crypto.randomUUID()}_${parsed.secret}`,
      "dpk_garbage",
      "not-a-key",
    ];
    for (const bad of altered) {
      const answer = await api(bearer(bad), "GET", "/api/v1/api-keys");
      assert.equal(answer.status, 401, bad);
    }
  });

  it("revokes a key: from then on it is refused, and the list shows when", async () => {
    const created = await create(as.adminA, { name: "old integration", role: "account-admin" });
    const key = bearer(created.body.token);
    assert.equal((await api(key, "GET", "/api/v1/api-keys")).status, 200);
    assert.equal((await api(as.adminA, "DELETE", `/api/v1/api-keys/${created.body.apiKeyId}`)).status, 204);
    assert.equal((await api(key, "GET", "/api/v1/api-keys")).status, 401);
    // Revoking twice changes nothing and records nothing new.
    assert.equal((await api(as.adminA, "DELETE", `/api/v1/api-keys/${created.body.apiKeyId}`)).status, 204);

    const all = await api(as.adminA, "GET", "/api/v1/api-keys?limit=200");
    const listed = all.body.items.find((k: { apiKeyId: string }) => k.apiKeyId === created.body.apiKeyId);
    assert.ok(listed.revokedAt);
    const active = await api(as.adminA, "GET", "/api/v1/api-keys?includeRevoked=false&limit=200");
    assert.equal(
      active.body.items.some((k: { apiKeyId: string }) => k.apiKeyId === created.body.apiKeyId),
      false,
    );

    const revokes = (await auditOf(fx.portal, fx.tree.a.accountId)).filter(
      (e) => e.action === "api-key.revoke" && e.target_id === created.body.apiKeyId,
    );
    assert.equal(revokes.length, 1);
  });

  it("keeps each account's keys to itself; platform admins see all", async () => {
    const ofA = await create(as.adminA, { name: "A's key", role: "account-admin" });
    const ofB = await create(as.adminB, { name: "B's key", role: "account-admin" });
    const listB = await api(as.adminB, "GET", "/api/v1/api-keys?limit=200");
    assert.ok(listB.body.items.every((k: { accountId: string }) => k.accountId === fx.tree.b.accountId));
    assert.ok(listB.body.items.some((k: { apiKeyId: string }) => k.apiKeyId === ofB.body.apiKeyId));
    // Another account's key looks like no key at all.
    assert.equal((await api(as.adminB, "DELETE", `/api/v1/api-keys/${ofA.body.apiKeyId}`)).status, 404);
    assert.equal(
      (await api(bearer(ofB.body.token), "DELETE", `/api/v1/api-keys/${ofA.body.apiKeyId}`)).status,
      404,
    );
    assert.equal(
      (await api(as.adminB, "GET", `/api/v1/api-keys?accountId=${fx.tree.a.accountId}`)).status,
      404,
    );
    assert.equal(
      (await create(as.adminB, { name: "x", role: "account-admin", accountId: fx.tree.a.accountId })).status,
      404,
    );
    assert.equal((await api(bearer(ofA.body.token), "GET", "/api/v1/api-keys")).status, 200);

    const platformAll = await api(as.platform, "GET", "/api/v1/api-keys?limit=200");
    const accounts = new Set(platformAll.body.items.map((k: { accountId: string }) => k.accountId));
    assert.ok(accounts.has(fx.tree.a.accountId) && accounts.has(fx.tree.b.accountId));
    const platformB = await api(
      as.platform,
      "GET",
      `/api/v1/api-keys?accountId=${fx.tree.b.accountId}&limit=200`,
    );
    assert.ok(platformB.body.items.every((k: { accountId: string }) => k.accountId === fx.tree.b.accountId));
    // A platform admin can make a key for a dealer account.
    const forB = await create(as.platform, {
      name: "support",
      role: "account-technician",
      accountId: fx.tree.b.accountId,
    });
    assert.equal(forB.status, 201);
    assert.equal(forB.body.accountId, fx.tree.b.accountId);
    assert.equal(
      (await create(as.platform, { name: "x", role: "account-admin", accountId: crypto.randomUUID() }))
        .status,
      404,
    );
  });

  it("never gives a key more rights or a wider scope than its creator", async () => {
    // A customer admin's keys see its customer, with a customer role.
    const own = await create(as.customerAdmin, { name: "customer script", role: "customer-user" });
    assert.equal(own.status, 201);
    assert.equal(own.body.customerId, fx.tree.a.a1);
    assert.equal((await create(as.customerAdmin, { name: "x", role: "account-technician" })).status, 403);
    assert.equal((await create(as.customerAdmin, { name: "x", role: "account-admin" })).status, 403);
    assert.equal(
      (await create(as.customerAdmin, { name: "x", role: "customer-admin", customerId: fx.tree.a.a2 }))
        .status,
      404,
    );
    assert.equal(
      (await create(as.customerAdmin, { name: "x", role: "customer-admin", customerId: fx.tree.a.a1 }))
        .status,
      201,
    );
    // A key with a customer role made by an account admin names its customer, of the own account.
    assert.equal((await create(as.adminA, { name: "x", role: "customer-user" })).status, 400);
    assert.equal(
      (await create(as.adminA, { name: "x", role: "customer-user", customerId: fx.tree.b.b1 })).status,
      404,
    );
    const forA2 = await create(as.adminA, {
      name: "A2 portal",
      role: "customer-admin",
      customerId: fx.tree.a.a2,
    });
    assert.equal(forA2.status, 201);
    assert.equal(
      (await create(as.adminA, { name: "x", role: "account-billing", customerId: fx.tree.a.a1 })).status,
      400,
    );
    // No platform-admin keys, no users:write without the right, no malformed input.
    assert.equal((await create(as.adminA, { name: "x", role: "platform-admin" })).status, 400);
    assert.equal((await create(as.technician, { name: "x", role: "account-technician" })).status, 403);
    assert.equal((await create(as.adminA, { name: "", role: "account-admin" })).status, 400);
    assert.equal(
      (await create(as.adminA, { name: "x", role: "account-admin", customerId: "not-a-uuid" })).status,
      400,
    );
    assert.equal(
      (await api(undefined, "POST", "/api/v1/api-keys", { name: "x", role: "account-admin" })).status,
      401,
    );

    // A customer key sees its customer's keys only, and cannot revoke the account's.
    const customerList = await api(as.customerAdmin, "GET", "/api/v1/api-keys?limit=200");
    assert.ok(customerList.body.items.length >= 2);
    assert.ok(customerList.body.items.every((k: { customerId: string }) => k.customerId === fx.tree.a.a1));
    const accountKey = await create(as.adminA, { name: "account wide", role: "account-billing" });
    assert.equal(
      (await api(as.customerAdmin, "DELETE", `/api/v1/api-keys/${accountKey.body.apiKeyId}`)).status,
      404,
    );
    assert.equal(
      (await api(as.customerAdmin, "DELETE", `/api/v1/api-keys/${forA2.body.apiKeyId}`)).status,
      404,
    );
    assert.equal(
      (await api(as.customerAdmin, "DELETE", `/api/v1/api-keys/${own.body.apiKeyId}`)).status,
      204,
    );
    assert.equal((await api(as.adminA, "DELETE", "/api/v1/api-keys/not-a-uuid")).status, 400);
  });

  it("refuses keys from a user limited to one site: a key would see the whole customer", async () => {
    const siteAdmin = await fx.portal.ctx.db.system(async (sql) => {
      const row = (
        await sql.query<{ user_id: string }>(
          `insert into users (account_id, email, role, customer_id, site_id)
           values ($1, 'north@a1.test', 'customer-admin', $2, $3) returning user_id`,
          [fx.tree.a.accountId, fx.tree.a.a1, fx.tree.a.a1North],
        )
      ).rows[0] as { user_id: string };
      return row.user_id;
    });
    const session = await sessionFor(fx.portal.ctx.db, {
      accountId: fx.tree.a.accountId,
      userId: siteAdmin,
      email: "north@a1.test",
      role: "customer-admin",
      customerId: fx.tree.a.a1,
      siteId: fx.tree.a.a1North,
    });
    assert.equal((await create(session, { name: "x", role: "customer-user" })).status, 403);
  });

  it("pages through the list newest first", async () => {
    for (let i = 0; i < 3; i++) await create(as.adminB, { name: `paged ${i}`, role: "account-billing" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: { apiKeyId: string; createdAt: string }[]; nextCursor: string | null };
      } = await api(as.adminB, "GET", `/api/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((k) => k.createdAt));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await api(as.adminB, "GET", "/api/v1/api-keys?limit=200");
    assert.equal(seen.length, all.body.items.length);
    assert.deepEqual(seen, [...seen].sort().reverse());
    assert.equal((await api(as.adminB, "GET", "/api/v1/api-keys?cursor=garbage")).status, 400);
  });
});
