import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createGzip, gunzipSync, gzipSync } from "node:zlib";
import {
  EnvelopeError,
  type EnvelopeErrorCode,
  envelopeMagic,
  type OpenEnvelopeOptions,
  openEnvelope,
  type SealHeader,
  sealEnvelope,
} from "./envelope.ts";
import type { EnvelopeHeader } from "./header.ts";
import {
  createCollectorKey,
  createEnrolmentToken,
  deriveEnrolmentKey,
  EnrolmentTokenError,
  parseEnrolmentToken,
} from "./keys.ts";

const collector = createCollectorKey();
const scanId = "3f2b8c1e-6d4a-4b7e-9a10-2c5d8e7f9a01";
const scanHeader: SealHeader = {
  type: "scan",
  collectorId: "c-0001",
  keyId: collector.keyId,
  messageId: scanId,
};
const xml =
  '<scan scanId="3f2b8c1e-6d4a-4b7e-9a10-2c5d8e7f9a01"><device ip="192.0.2.17" serial="SN-4711"/></scan>';
const atPortal: OpenEnvelopeOptions = { expectDir: "c2p", expectType: "scan" };

async function refusal(promise: Promise<unknown>, code: EnvelopeErrorCode): Promise<EnvelopeError> {
  const error = await promise.then(
    () => assert.fail(`expected EnvelopeError ${code}, but it opened`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EnvelopeError, `expected EnvelopeError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

/** Builds an envelope by hand, straight from the documented layout (independent of sealEnvelope). */
function sealRaw(key: Buffer, header: Buffer | object, compressed: Buffer): Buffer {
  const headerBytes = Buffer.isBuffer(header) ? header : Buffer.from(JSON.stringify(header));
  const prefix = Buffer.concat([envelopeMagic, Buffer.from([headerBytes.length]), headerBytes]);
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(prefix);
  const ciphertext = Buffer.concat([cipher.update(compressed), cipher.final()]);
  return Buffer.concat([prefix, nonce, ciphertext, cipher.getAuthTag()]);
}

function fullHeader(overrides: Partial<EnvelopeHeader> = {}): EnvelopeHeader {
  return {
    v: 1,
    type: "scan",
    dir: "c2p",
    collectorId: "c-0001",
    keyId: collector.keyId,
    messageId: scanId,
    sentAt: new Date().toISOString(),
    ...overrides,
  };
}

describe("sealEnvelope / openEnvelope", () => {
  it("round-trips a payload and follows the documented layout byte for byte", async () => {
    const sentAt = "2026-11-30T10:00:00.000Z";
    const sealed = sealEnvelope(collector.key, { ...scanHeader, sentAt }, xml);

    // The layout: magic, H, header, 12-byte nonce, ciphertext of gzip(payload), 16-byte tag.
    assert.deepEqual(sealed.subarray(0, 4), Buffer.from("DPE1"));
    const h = sealed[4] ?? 0;
    const header = JSON.parse(sealed.subarray(5, 5 + h).toString("utf8"));
    assert.deepEqual(header, {
      v: 1,
      type: "scan",
      dir: "c2p",
      collectorId: "c-0001",
      keyId: collector.keyId,
      messageId: scanId,
      sentAt,
    });
    const decipher = createDecipheriv("aes-256-gcm", collector.key, sealed.subarray(5 + h, 17 + h));
    decipher.setAAD(sealed.subarray(0, 5 + h));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const compressed = Buffer.concat([
      decipher.update(sealed.subarray(17 + h, sealed.length - 16)),
      decipher.final(),
    ]);
    assert.equal(gunzipSync(compressed).toString("utf8"), xml);
    assert.ok(!sealed.includes("SN-4711") && !sealed.includes("192.0.2.17"), "the payload is not readable");

    const opened = await openEnvelope(collector.key, sealed, {
      ...atPortal,
      now: Date.parse(sentAt) + 60_000,
    });
    assert.deepEqual(opened.header, header);
    assert.equal(opened.payload.toString("utf8"), xml);
  });

  it("round-trips binary and empty payloads, with a fresh nonce each time", async () => {
    const binary = randomBytes(100_000);
    const a = sealEnvelope(collector.key, scanHeader, binary);
    const b = sealEnvelope(collector.key, scanHeader, binary);
    assert.notDeepEqual(a.subarray(-100), b.subarray(-100), "same payload, different ciphertext");
    assert.deepEqual((await openEnvelope(collector.key, a, atPortal)).payload, binary);
    assert.equal(
      (await openEnvelope(collector.key, sealEnvelope(collector.key, scanHeader, ""), atPortal)).payload
        .length,
      0,
    );
  });

  it("looks the key up from the header (sync or async) and reports an unknown key", async () => {
    const sealed = sealEnvelope(collector.key, scanHeader, xml);
    const seen: EnvelopeHeader[] = [];
    const opened = await openEnvelope(
      async (header) => {
        seen.push(header);
        return header.keyId === collector.keyId ? collector.key : undefined;
      },
      sealed,
      atPortal,
    );
    assert.equal(opened.payload.toString(), xml);
    assert.equal(seen[0]?.collectorId, "c-0001");
    const error = await refusal(
      openEnvelope(() => undefined, sealed, atPortal),
      "unknown-key",
    );
    assert.equal(error.header?.keyId, collector.keyId, "the error carries the header for the portal's log");
  });

  it("refuses an envelope over maxEnvelopeBytes before reading it", async () => {
    const sealed = sealEnvelope(collector.key, scanHeader, randomBytes(5000));
    await refusal(openEnvelope(collector.key, sealed, { ...atPortal, maxEnvelopeBytes: 4096 }), "too-large");
    await refusal(openEnvelope(collector.key, Buffer.alloc(8 * 1024 * 1024 + 1), atPortal), "too-large");
  });

  it("refuses what is not an envelope (bad-magic)", async () => {
    const sealed = sealEnvelope(collector.key, scanHeader, xml);
    await refusal(openEnvelope(collector.key, Buffer.from("<scan/>"), atPortal), "bad-magic");
    await refusal(
      openEnvelope(collector.key, Buffer.concat([Buffer.from("DPE2"), sealed.subarray(4)]), atPortal),
      "bad-magic",
    );
    await refusal(openEnvelope(collector.key, Buffer.alloc(0), atPortal), "bad-magic");
  });

  it("refuses a broken header (bad-header)", async () => {
    const sealed = sealEnvelope(collector.key, scanHeader, xml);
    const past = Buffer.from(sealed);
    past[4] = 255;
    await refusal(openEnvelope(collector.key, past.subarray(0, 200), atPortal), "bad-header");
    const gz = gzipSync(xml);
    await refusal(
      openEnvelope(collector.key, sealRaw(collector.key, Buffer.from("{not json"), gz), atPortal),
      "bad-header",
    );
    await refusal(
      openEnvelope(collector.key, sealRaw(collector.key, Buffer.from([0xc3, 0x28]), gz), atPortal),
      "bad-header",
    );
    for (const bad of [
      fullHeader({ v: 2 as 1 }),
      fullHeader({ sentAt: "yesterday" }),
      fullHeader({ sentAt: "2026-11-30T10:00:00+01:00" }),
      fullHeader({ messageId: "x".repeat(45) }),
      fullHeader({ collectorId: undefined }),
      fullHeader({ type: "ack" }), // an ack travels p2c, this header says c2p
    ])
      await refusal(openEnvelope(collector.key, sealRaw(collector.key, bad, gz), atPortal), "bad-header");
  });

  it("accepts a message only in its own direction, and only of the expected type", async () => {
    const ack = sealEnvelope(collector.key, { ...scanHeader, type: "ack" }, "{}");
    // The portal receiving its own answer back (a reflection): refused.
    await refusal(openEnvelope(collector.key, ack, { expectDir: "c2p" }), "wrong-direction");
    // The collector receiving a collector message (its own request reflected): refused.
    const scan = sealEnvelope(collector.key, scanHeader, xml);
    await refusal(openEnvelope(collector.key, scan, { expectDir: "p2c" }), "wrong-direction");
    await refusal(
      openEnvelope(collector.key, ack, { expectDir: "p2c", expectType: "settings" }),
      "wrong-type",
    );
    const opened = await openEnvelope(collector.key, ack, { expectDir: "p2c", expectType: ["ack", "error"] });
    assert.equal(opened.header.type, "ack");
  });

  it("detects a changed header byte, a flipped payload bit, a changed tag or nonce (tampered)", async () => {
    const sealed = sealEnvelope(collector.key, scanHeader, xml);
    const h = sealed[4] ?? 0;
    const header = sealed.subarray(5, 5 + h).toString("utf8");

    // A header that still parses and passes every check but was changed: another scan id.
    const otherId = header.replace(scanId, scanId.replace("3f2b", "4f2b"));
    const moved = Buffer.concat([sealed.subarray(0, 5), Buffer.from(otherId), sealed.subarray(5 + h)]);
    await refusal(openEnvelope(collector.key, moved, atPortal), "tampered");

    // Every bit after the header: nonce, ciphertext, tag.
    for (const at of [5 + h, 5 + h + 11, 17 + h, 17 + h + 20, sealed.length - 16, sealed.length - 1]) {
      const flipped = Buffer.from(sealed);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      await refusal(openEnvelope(collector.key, flipped, atPortal), "tampered");
    }

    // A header moved onto another message's body.
    const other = sealEnvelope(collector.key, { ...scanHeader, messageId: "another-message" }, xml);
    const oh = other[4] ?? 0;
    const spliced = Buffer.concat([sealed.subarray(0, 5 + h), other.subarray(5 + oh)]);
    await refusal(openEnvelope(collector.key, spliced, atPortal), "tampered");

    // A truncated tag: GCM must not accept a shorter tag.
    await refusal(openEnvelope(collector.key, sealed.subarray(0, sealed.length - 4), atPortal), "tampered");
  });

  it("refuses a message sealed with another collector's key (tampered)", async () => {
    const intruder = createCollectorKey();
    // The intruder claims our collector's id and key id, but seals with its own key.
    const forged = sealEnvelope(intruder.key, scanHeader, xml);
    await refusal(
      openEnvelope((hd) => (hd.keyId === collector.keyId ? collector.key : undefined), forged, atPortal),
      "tampered",
    );
  });

  it("refuses a stale message after authenticating it, and the check can be turned off", async () => {
    const sentAt = "2026-11-30T10:00:00.000Z";
    const sealed = sealEnvelope(collector.key, { ...scanHeader, sentAt }, xml);
    const t = Date.parse(sentAt);
    await openEnvelope(collector.key, sealed, { ...atPortal, now: t + 10 * 60_000 });
    await openEnvelope(collector.key, sealed, { ...atPortal, now: t - 10 * 60_000 });
    await refusal(openEnvelope(collector.key, sealed, { ...atPortal, now: t + 10 * 60_000 + 1 }), "stale");
    await refusal(openEnvelope(collector.key, sealed, { ...atPortal, now: t - 11 * 60_000 }), "stale");
    await refusal(
      openEnvelope(collector.key, sealed, { ...atPortal, now: t + 5000, maxClockSkewMs: 1000 }),
      "stale",
    );
    await openEnvelope(collector.key, sealed, {
      ...atPortal,
      now: t + 365 * 86_400_000,
      maxClockSkewMs: Infinity,
    });
    // A forged old message is "tampered", not "stale": the clock is only read once authentic.
    const forged = sealEnvelope(createCollectorKey().key, { ...scanHeader, sentAt }, xml);
    await refusal(openEnvelope(collector.key, forged, { ...atPortal, now: t + 86_400_000 }), "tampered");
  });

  it("refuses authentic data that is not gzip (bad-gzip)", async () => {
    await refusal(
      openEnvelope(collector.key, sealRaw(collector.key, fullHeader(), Buffer.from(xml)), atPortal),
      "bad-gzip",
    );
    const truncated = gzipSync(xml).subarray(0, 20);
    await refusal(
      openEnvelope(collector.key, sealRaw(collector.key, fullHeader(), truncated), atPortal),
      "bad-gzip",
    );
  });

  it("stops a real decompression bomb (1 GiB of zeros in 1 MiB) fast, without allocating it", async () => {
    // 64 MiB of zeros gzips to ~64 KiB; gunzip reads concatenated gzip members as one stream,
    // so 16 copies are 1 GiB of payload in about 1 MiB of envelope.
    const member = await gzipZeros(64, 1024 * 1024);
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    assert.ok(bomb.length < 1.2 * 1024 * 1024, `bomb is ${bomb.length} bytes`);
    const sealed = sealRaw(collector.key, fullHeader(), bomb);

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const error = await refusal(openEnvelope(collector.key, sealed, atPortal), "bomb");
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.match(error.message, /more than 67108864 bytes/);
    // Unbounded, this is 1 GiB of output (seconds of CPU, 1 GiB of memory). The memory bound is
    // the real check; the time bound is loose because other tests may share the CPU.
    assert.ok(elapsed < 15_000, `refused in ${Math.round(elapsed)} ms`);
    const grewMiB = (peak - before) / 1024 / 1024;
    assert.ok(grewMiB < 256, `memory grew by ${Math.round(grewMiB)} MiB (the payload would be 1024 MiB)`);

    // A lower limit stops it earlier; a payload right at the limit still opens.
    await refusal(openEnvelope(collector.key, sealed, { ...atPortal, maxPayloadBytes: 1024 * 1024 }), "bomb");
    const exact = sealEnvelope(collector.key, scanHeader, Buffer.alloc(1024 * 1024));
    assert.equal(
      (await openEnvelope(collector.key, exact, { ...atPortal, maxPayloadBytes: 1024 * 1024 })).payload
        .length,
      1024 * 1024,
    );
    await refusal(
      openEnvelope(collector.key, exact, { ...atPortal, maxPayloadBytes: 1024 * 1024 - 1 }),
      "bomb",
    );
  });

  it("refuses to seal a header that does not fit or is invalid, and keys that are not 32 bytes", () => {
    assert.throws(
      () => sealEnvelope(collector.key, { ...scanHeader, messageId: "has space" }, xml),
      (e: unknown) => e instanceof EnvelopeError && e.code === "bad-header",
    );
    assert.throws(
      () => sealEnvelope(collector.key, { ...scanHeader, collectorId: undefined }, xml),
      (e: unknown) => e instanceof EnvelopeError && /needs a collectorId/.test(e.message),
    );
    // The longest legal ids still fit the 255-byte header.
    const longest = "x".repeat(44);
    sealEnvelope(
      collector.key,
      { type: "settings", collectorId: longest, keyId: longest, messageId: longest },
      "{}",
    );
    assert.throws(() => sealEnvelope(randomBytes(16), scanHeader, xml), RangeError);
  });
});

describe("enrolment keys", () => {
  it("derives the documented HKDF-SHA256 key and id (known answer computed with openssl kdf)", () => {
    // Token: 32 bytes of 0xaa. `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:aa…aa
    //   -kdfopt salt:device-portal/v1 -kdfopt info:enrol HKDF` (and info:enrol-id, -keylen 16).
    const token = Buffer.alloc(32, 0xaa).toString("base64url");
    const { key, keyId } = deriveEnrolmentKey(token);
    assert.equal(key.toString("hex"), "4fdd31d91f97c18425d7f2ad666096f38cdd6cba090c85ae9cdce341456fe2a5");
    assert.equal(
      keyId,
      `enr_${Buffer.from("acef364409d8bc93e0c49a1437623053", "hex").toString("base64url")}`,
    );
  });

  it("gives both sides the same key; another token another key", async () => {
    const token = createEnrolmentToken();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const collectorSide = deriveEnrolmentKey(token);
    const portalSide = deriveEnrolmentKey(` ${token}=\n`);
    assert.deepEqual(portalSide, collectorSide);
    assert.notDeepEqual(deriveEnrolmentKey(createEnrolmentToken()).key, collectorSide.key);
    const sealed = sealEnvelope(
      collectorSide.key,
      { type: "enrol", keyId: collectorSide.keyId, messageId: "m1" },
      "{}",
    );
    const opened = await openEnvelope(portalSide.key, sealed, { expectDir: "c2p", expectType: "enrol" });
    assert.equal(opened.header.collectorId, undefined);
  });

  it("refuses a token that is not 32 bytes of base64url", () => {
    for (const bad of [
      "",
      "short",
      `${createEnrolmentToken()}A`,
      "+".repeat(43),
      "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqp",
    ])
      assert.throws(() => parseEnrolmentToken(bad), EnrolmentTokenError, bad);
  });
});

/** gzip of `count` × `chunkBytes` zeros, streamed so the zeros are never all in memory. */
async function gzipZeros(count: number, chunkBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on("data", (c: Buffer) => parts.push(c));
  const ended = new Promise((resolve) => gzip.on("end", resolve));
  const zeros = Buffer.alloc(chunkBytes);
  for (let i = 0; i < count; i++) gzip.write(zeros);
  gzip.end();
  await ended;
  return Buffer.concat(parts);
}
