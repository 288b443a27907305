import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import {
  createEnrolmentToken,
  deriveEnrolmentKey,
  envelopeContentType,
  openEnvelope,
  type SealHeader,
  sealEnvelope,
} from "@device-portal/protocol";
import { type FakePortal, startFakePortal } from "./fake-portal.ts";
import { createTestPki, pkiSkipReason, type TestPki } from "./fake-portal-pki.ts";

/**
 * The fake portal's side of the protocol, driven with raw envelopes (no PortalClient), so that the
 * portal's refusals are checked on their own: the daemon's tests rely on them.
 */
/** The unsealed JSON the portal answers with when it refuses an envelope. */
interface ErrorAnswer {
  error: string;
  message: string;
  serverTime: string;
}

describe("fake portal", { skip: pkiSkipReason() }, () => {
  let pki: TestPki;
  let portal: FakePortal;
  /** A raw POST over HTTPS that trusts the test CA. */
  const post = (call: string, body: Buffer) =>
    new Promise<{ status: number; body: Buffer; json: () => ErrorAnswer }>((resolve, reject) => {
      const req = request(
        new URL(`api/collector/v1/${call}`, portal.httpsUrl),
        { method: "POST", ca: pki.ca.cert, headers: { "content-type": envelopeContentType } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const bytes = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              body: bytes,
              json: () => JSON.parse(bytes.toString("utf8")),
            });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  /** Enrols by hand; returns the collector's key material. */
  const enrol = async () => {
    const enrolmentKey = deriveEnrolmentKey(portal.token);
    const messageId = randomUUID();
    const answer = await post(
      "enrol",
      sealEnvelope(
        enrolmentKey.key,
        { type: "enrol", keyId: enrolmentKey.keyId, messageId },
        JSON.stringify({ hostname: "h", os: "linux", version: "1" }),
      ),
    );
    assert.equal(answer.status, 200);
    const opened = await openEnvelope(enrolmentKey.key, answer.body, {
      expectDir: "p2c",
      expectType: "enrolled",
    });
    assert.equal(opened.header.messageId, messageId);
    const payload = JSON.parse(opened.payload.toString("utf8"));
    return {
      collectorId: payload.collectorId as string,
      keyId: payload.keyId as string,
      key: Buffer.from(payload.key, "base64"),
    };
  };

  const health = { version: "1", startedAt: new Date().toISOString(), queuedScans: 0, errors: [] };

  before(async () => {
    pki = createTestPki();
    portal = await startFakePortal({ tls: pki.server });
  });
  after(async () => {
    await portal.close();
    pki.remove();
  });

  it("refuses a replayed check-in (401 replayed) but acknowledges a replayed scan again (stored=false)", async () => {
    const c = await enrol();
    const checkin = sealEnvelope(
      c.key,
      { type: "checkin", collectorId: c.collectorId, keyId: c.keyId, messageId: randomUUID() },
      JSON.stringify({ health }),
    );
    assert.equal((await post("checkin", checkin)).status, 200);
    const replay = await post("checkin", checkin);
    assert.equal(replay.status, 401);
    assert.equal(replay.json().error, "replayed");

    const scanId = randomUUID();
    const scan = sealEnvelope(
      c.key,
      { type: "scan", collectorId: c.collectorId, keyId: c.keyId, messageId: scanId },
      "<scan/>",
    );
    for (const stored of [true, false]) {
      const answer = await post("scans", scan);
      assert.equal(answer.status, 200);
      const opened = await openEnvelope(c.key, answer.body, { expectDir: "p2c", expectType: "ack" });
      assert.deepEqual(JSON.parse(opened.payload.toString("utf8")), { scanId, stored });
    }
  });

  it("answers 401 with its clock to a stale message, 401 to an old key, 401 unknown-token to a bad token", async () => {
    const c = await enrol();
    const old: SealHeader = {
      type: "checkin",
      collectorId: c.collectorId,
      keyId: c.keyId,
      messageId: randomUUID(),
      sentAt: new Date(Date.now() - 11 * 60_000).toISOString(),
    };
    const stale = await post("checkin", sealEnvelope(c.key, old, JSON.stringify({ health })));
    assert.equal(stale.status, 401);
    assert.equal(stale.json().error, "stale");
    assert.ok(Math.abs(Date.parse(stale.json().serverTime) - Date.now()) < 5000);

    await enrol(); // a new key for the same collector: the old one stops working
    const oldKey = await post(
      "checkin",
      sealEnvelope(c.key, { ...old, messageId: randomUUID(), sentAt: undefined }, JSON.stringify({ health })),
    );
    assert.equal(oldKey.status, 401);
    assert.equal(oldKey.json().error, "unknown-key");

    const stranger = deriveEnrolmentKey(createEnrolmentToken());
    const refused = await post(
      "enrol",
      sealEnvelope(stranger.key, { type: "enrol", keyId: stranger.keyId, messageId: randomUUID() }, "{}"),
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.json().error, "unknown-token");
  });

  it("answers 400 to what is not an envelope or in the wrong direction, and a sealed error to a bad payload", async () => {
    const notEnvelope = await post("checkin", Buffer.from("hello"));
    assert.equal(notEnvelope.status, 400);
    assert.equal(notEnvelope.json().error, "bad-envelope");

    const c = await enrol();
    const reflected = sealEnvelope(
      c.key,
      { type: "settings", collectorId: c.collectorId, keyId: c.keyId, messageId: "m" },
      "{}",
    );
    const wrongWay = await post("checkin", reflected);
    assert.equal(wrongWay.status, 400);
    assert.match(wrongWay.json().message, /^wrong-direction/);

    const messageId = randomUUID();
    const invalid = await post(
      "checkin",
      sealEnvelope(
        c.key,
        { type: "checkin", collectorId: c.collectorId, keyId: c.keyId, messageId },
        JSON.stringify({ nope: 1 }),
      ),
    );
    assert.equal(invalid.status, 400);
    const opened = await openEnvelope(c.key, invalid.body, { expectDir: "p2c", expectType: "error" });
    assert.equal(opened.header.messageId, messageId);
    assert.equal(JSON.parse(opened.payload.toString("utf8")).error, "invalid-payload");
  });

  it("answers 413 to an envelope over 8 MiB and to a decompression bomb", async () => {
    const tooBig = await post("scans", Buffer.alloc(8 * 1024 * 1024 + 1));
    assert.equal(tooBig.status, 413);

    const c = await enrol();
    // 65 MiB of zeros: gzip makes it ~65 KiB, sealEnvelope gzips it once more (tiny).
    const zeros = Buffer.alloc(65 * 1024 * 1024);
    const bomb = sealEnvelope(
      c.key,
      { type: "scan", collectorId: c.collectorId, keyId: c.keyId, messageId: randomUUID() },
      zeros,
    );
    assert.ok(bomb.length < 200_000, `${bomb.length} bytes`);
    assert.ok(gzipSync(zeros).length < 100_000);
    const answer = await post("scans", bomb);
    assert.equal(answer.status, 413);
    assert.equal(answer.json().error, "too-large");
  });
});
