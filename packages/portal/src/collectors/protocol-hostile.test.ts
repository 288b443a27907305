import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  createCollectorKey,
  createEnrolmentToken,
  defaultMaxEnvelopeBytes,
  defaultMaxPayloadBytes,
  deriveEnrolmentKey,
  openEnvelope,
  portalErrorBodySchema,
  type SealHeader,
  sealEnvelope,
} from "@device-portal/protocol";
import type { Enrolment } from "../../../collector/src/upload/portal-client.ts";
import { buildApp } from "../app.ts";
import { createMetrics } from "../metrics.ts";
import { seedTenantTree, sessionFor, type TenantTree } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { collectorClient, createToken, health, identity, postEnvelope, scanOf } from "./test-support.ts";

/** What an attacker or a broken client sends; the real client never does. */
describe("collector protocol: hostile and broken input", () => {
  let portal: TestPortal;
  let tree: TenantTree;
  let token: string;
  /** A token for the enrolment tests: enrolling with `token` again would give `ice` a new key. */
  let spareToken: string;
  let ice: Enrolment;
  let other: Enrolment;
  const clients: { close(): Promise<void> }[] = [];

  before(async () => {
    portal = await startTestPortal();
    tree = await seedTenantTree(portal.ctx.db);
    const admin = await sessionFor(portal.ctx.db, tree.users.accountAdmin);
    token = (await createToken(portal.url, admin, tree.a.a1North)).token;
    const otherToken = (await createToken(portal.url, admin, tree.a.a2Main)).token;
    spareToken = (await createToken(portal.url, admin, tree.a.a1South)).token;
    const first = collectorClient(portal.url);
    const second = collectorClient(portal.url);
    clients.push(first, second);
    ice = await first.enrol(token, identity);
    other = await second.enrol(otherToken, identity);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await portal.close();
  });

  const checkinHeader = (overrides: Partial<SealHeader> = {}): SealHeader => ({
    type: "checkin",
    collectorId: ice.collectorId,
    keyId: ice.keyId,
    messageId: randomUUID(),
    ...overrides,
  });
  const checkinBody = () => JSON.stringify({ health: health() });

  async function expectRefusal(
    path: "enrol" | "checkin" | "scans",
    body: Uint8Array,
    status: number,
    error: string,
  ): Promise<{ error?: string; serverTime?: string } | undefined> {
    const answer = await postEnvelope(portal.url, path, body);
    assert.equal(answer.status, status, `${path}: ${answer.body.toString("utf8").slice(0, 300)}`);
    assert.equal(answer.json?.error, error);
    // Unsealed refusals are the protocol's JSON, which the collector's client reads.
    assert.ok(portalErrorBodySchema.safeParse(answer.json).success);
    return answer.json;
  }

  /** Opens a sealed `error` answer with the collector's key. */
  async function sealedError(path: "checkin" | "scans", body: Uint8Array, key: Buffer) {
    const answer = await postEnvelope(portal.url, path, body);
    assert.equal(answer.status, 400);
    const opened = await openEnvelope(key, answer.body, { expectDir: "p2c", expectType: "error" });
    return JSON.parse(opened.payload.toString("utf8")) as { error: string; message: string };
  }

  it("accepts a well-formed check-in (the baseline the others change one thing of)", async () => {
    const answer = await postEnvelope(
      portal.url,
      "checkin",
      sealEnvelope(ice.key, checkinHeader(), checkinBody()),
    );
    assert.equal(answer.status, 200);
    const opened = await openEnvelope(ice.key, answer.body, { expectDir: "p2c", expectType: "settings" });
    assert.equal(opened.header.collectorId, ice.collectorId);
  });

  it("refuses a tampered envelope (401 tampered)", async () => {
    const sealed = sealEnvelope(ice.key, checkinHeader(), checkinBody());
    const at = sealed.length - 20;
    sealed[at] = (sealed[at] ?? 0) ^ 0x01;
    await expectRefusal("checkin", sealed, 401, "tampered");
  });

  it("refuses a replayed check-in (401 replayed), also when the first copy was answered", async () => {
    const sealed = sealEnvelope(ice.key, checkinHeader(), checkinBody());
    assert.equal((await postEnvelope(portal.url, "checkin", sealed)).status, 200);
    await expectRefusal("checkin", sealed, 401, "replayed");
    const rows = await portal.ctx.db.system(
      async (sql) => (await sql.query("select 1 from seen_messages where key_id = $1", [ice.keyId])).rowCount,
    );
    assert.ok((rows ?? 0) >= 1, "message ids are remembered in the database, for every portal process");
  });

  it("refuses a replay sent to another portal process on the same database", async () => {
    const second = await buildApp({ ...portal.ctx, metrics: createMetrics() });
    try {
      await second.listen({ host: "127.0.0.1", port: 0 });
      const secondUrl = `http://127.0.0.1:${(second.server.address() as AddressInfo).port}`;
      const sealed = sealEnvelope(ice.key, checkinHeader(), checkinBody());
      assert.equal((await postEnvelope(secondUrl, "checkin", sealed)).status, 200);
      await expectRefusal("checkin", sealed, 401, "replayed");
    } finally {
      await second.close();
    }
  });

  it("refuses a replayed enrolment (401 replayed)", async () => {
    const { keyId, key } = deriveEnrolmentKey(spareToken);
    const sealed = sealEnvelope(
      key,
      { type: "enrol", keyId, messageId: randomUUID() },
      JSON.stringify(identity),
    );
    assert.equal((await postEnvelope(portal.url, "enrol", sealed)).status, 200);
    await expectRefusal("enrol", sealed, 401, "replayed");
  });

  it("refuses another collector's key under this collector's id, and this key under another id (401 unknown-key)", async () => {
    await expectRefusal(
      "checkin",
      sealEnvelope(other.key, checkinHeader({ keyId: other.keyId }), checkinBody()),
      401,
      "unknown-key",
    );
    await expectRefusal(
      "checkin",
      sealEnvelope(ice.key, checkinHeader({ collectorId: other.collectorId }), checkinBody()),
      401,
      "unknown-key",
    );
    const made = createCollectorKey();
    await expectRefusal(
      "checkin",
      sealEnvelope(made.key, checkinHeader({ keyId: made.keyId }), checkinBody()),
      401,
      "unknown-key",
    );
  });

  it("refuses the enrolment key for anything but enrol, and an unknown token (401)", async () => {
    const { keyId, key } = deriveEnrolmentKey(token);
    await expectRefusal(
      "checkin",
      sealEnvelope(key, checkinHeader({ keyId }), checkinBody()),
      401,
      "unknown-key",
    );
    const unknown = deriveEnrolmentKey(createEnrolmentToken());
    await expectRefusal(
      "enrol",
      sealEnvelope(
        unknown.key,
        { type: "enrol", keyId: unknown.keyId, messageId: randomUUID() },
        JSON.stringify(identity),
      ),
      401,
      "unknown-token",
    );
    // A collector key cannot enrol.
    await expectRefusal(
      "enrol",
      sealEnvelope(
        ice.key,
        { type: "enrol", keyId: ice.keyId, messageId: randomUUID() },
        JSON.stringify(identity),
      ),
      401,
      "unknown-token",
    );
  });

  it("refuses a message sent an hour ago (401 stale, with the portal's time)", async () => {
    const sentAt = new Date(Date.now() - 3_600_000).toISOString();
    const refusal = await expectRefusal(
      "checkin",
      sealEnvelope(ice.key, checkinHeader({ sentAt }), checkinBody()),
      401,
      "stale",
    );
    assert.ok(refusal?.serverTime && Math.abs(Date.parse(refusal.serverTime) - Date.now()) < 3_600_000);
  });

  it("refuses what is no envelope, the wrong type for the call and the wrong direction (400 bad-envelope)", async () => {
    await expectRefusal("checkin", Buffer.from("hello, portal"), 400, "bad-envelope");
    await expectRefusal("checkin", Buffer.alloc(64), 400, "bad-envelope");
    // A check-in posted to the scan upload.
    await expectRefusal("scans", sealEnvelope(ice.key, checkinHeader(), checkinBody()), 400, "bad-envelope");
    // A portal-to-collector message sent back to the portal.
    await expectRefusal(
      "checkin",
      sealEnvelope(ice.key, { ...checkinHeader(), type: "settings" }, JSON.stringify({ settings: {} })),
      400,
      "bad-envelope",
    );
  });

  it("refuses other content types (415)", async () => {
    const sealed = sealEnvelope(ice.key, checkinHeader(), checkinBody());
    for (const type of ["application/json", "text/plain", "application/octet-stream"]) {
      const body = type === "application/json" ? Buffer.from(JSON.stringify({ health: health() })) : sealed;
      const answer = await postEnvelope(portal.url, "checkin", body, type);
      assert.equal(answer.status, 415, type);
      assert.equal(answer.json?.error, "unsupported-media-type");
    }
  });

  it("refuses an envelope over 8 MiB (413 too-large) without reading it", async () => {
    const huge = Buffer.alloc(defaultMaxEnvelopeBytes + 1024);
    huge.write("DPE1");
    await expectRefusal("scans", huge, 413, "too-large");
  });

  it("reads envelopes up to 8 MiB, above the REST API's body limit", async () => {
    const { scanId } = scanOf(ice.collectorId, []);
    // Random bytes do not compress: a 3 MiB envelope that opens, whose payload is no scan file.
    const noise = randomBytes(3 * 1024 * 1024).toString("base64");
    const sealed = sealEnvelope(
      ice.key,
      { type: "scan", collectorId: ice.collectorId, keyId: ice.keyId, messageId: scanId },
      noise,
    );
    assert.ok(sealed.length > 3 * 1024 * 1024);
    const refusal = await sealedError("scans", sealed, ice.key);
    assert.equal(refusal.error, "invalid-payload");
  });

  it("refuses a decompression bomb (413 too-large)", async () => {
    const bomb = sealEnvelope(
      ice.key,
      { type: "scan", collectorId: ice.collectorId, keyId: ice.keyId, messageId: randomUUID() },
      Buffer.alloc(defaultMaxPayloadBytes + 1024 * 1024),
    );
    assert.ok(bomb.length < defaultMaxEnvelopeBytes, "the bomb itself is small");
    await expectRefusal("scans", bomb, 413, "too-large");
  });

  it("refuses scan files with a DOCTYPE or entities (sealed 400 invalid-payload)", async () => {
    const { scanId, xml } = scanOf(ice.collectorId, ["10.1.2.3"]);
    const header = {
      type: "scan" as const,
      collectorId: ice.collectorId,
      keyId: ice.keyId,
      messageId: scanId,
    };
    const withDoctype = xml.replace(
      "<scan ",
      '<!DOCTYPE scan [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n<scan ',
    );
    const doctype = await sealedError("scans", sealEnvelope(ice.key, header, withDoctype), ice.key);
    assert.equal(doctype.error, "invalid-payload");
    assert.match(doctype.message, /dtd-forbidden/);
    const external = xml.replace('hostname="', 'hostname="&xxe;');
    const entity = await sealedError("scans", sealEnvelope(ice.key, header, external), ice.key);
    assert.match(entity.message, /malformed/);
  });

  it("refuses schema-invalid scans and scans that name another scan or collector (sealed 400)", async () => {
    const { scanId, xml } = scanOf(ice.collectorId, ["10.1.2.3"]);
    const header = {
      type: "scan" as const,
      collectorId: ice.collectorId,
      keyId: ice.keyId,
      messageId: scanId,
    };
    const cases: [string, string | Buffer, RegExp][] = [
      ["a bad counter", xml.replace(">1000</counter>", ">lots</counter>"), /invalid-value/],
      ["an unknown element", xml.replace("<ranges>", "<ranges><bogus/>"), /unexpected-structure/],
      ["no XML at all", "just text", /malformed|unexpected/],
      ["not UTF-8", Buffer.from([0x3c, 0xff, 0xfe, 0x3e]), /UTF-8/],
      ["another scan id", xml.replace(`scanId="${scanId}"`, `scanId="${randomUUID()}"`), /scanId/],
    ];
    for (const [what, payload, message] of cases) {
      const refusal = await sealedError("scans", sealEnvelope(ice.key, header, payload), ice.key);
      assert.equal(refusal.error, "invalid-payload", what);
      assert.match(refusal.message, message, what);
    }
    const foreign = scanOf(other.collectorId, ["10.1.2.4"]);
    const refusal = await sealedError(
      "scans",
      sealEnvelope(ice.key, { ...header, messageId: foreign.scanId }, foreign.xml),
      ice.key,
    );
    assert.match(refusal.message, /collector/);
    const stored = await portal.ctx.db.system(
      async (sql) => (await sql.query("select 1 from scans")).rowCount,
    );
    assert.equal(stored, 0, "nothing refused was stored");
  });

  it("refuses invalid check-in and enrol payloads with a sealed error", async () => {
    const checkin = await sealedError(
      "checkin",
      sealEnvelope(ice.key, checkinHeader(), JSON.stringify({ health: { version: "" } })),
      ice.key,
    );
    assert.equal(checkin.error, "invalid-payload");
    assert.match(checkin.message, /health/);
    const { keyId, key } = deriveEnrolmentKey(spareToken);
    const answer = await postEnvelope(
      portal.url,
      "enrol",
      sealEnvelope(key, { type: "enrol", keyId, messageId: randomUUID() }, "{not json"),
    );
    assert.equal(answer.status, 400);
    const opened = await openEnvelope(key, answer.body, { expectDir: "p2c", expectType: "error" });
    assert.equal(JSON.parse(opened.payload.toString("utf8")).error, "invalid-payload");
  });

  it("keeps the collector routes out of the OpenAPI document and answers GET with 404", async () => {
    const openapi = (await (await fetch(`${portal.url}/api/openapi.json`)).json()) as { paths: object };
    assert.ok(!Object.keys(openapi.paths).some((p) => p.startsWith("/api/collector/")));
    assert.ok(Object.keys(openapi.paths).includes("/api/v1/collectors"));
    assert.equal((await fetch(`${portal.url}/api/collector/v1/checkin`)).status, 404);
  });
});
