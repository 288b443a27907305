import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzipSync } from "node:zlib";
import {
  type Direction,
  type EnvelopeHeader,
  envelopeHeaderSchema,
  type MessageType,
  messageDirection,
} from "./header.ts";
import { keyBytes } from "./keys.ts";

/**
 * The envelope of every collector ↔ portal message (docs/collector-protocol.md, "Envelope"):
 *
 *   "DPE1" | H (1 byte) | header (H bytes of JSON) | nonce (12) | AES-256-GCM(gzip(payload)) | tag (16)
 *
 * The additional authenticated data is everything before the nonce (magic, length byte, header),
 * so no header field can be changed or moved to another message. Shared by collector and portal:
 * nothing here knows about either side.
 */

export const envelopeMagic: Buffer = Buffer.from("DPE1", "latin1");
export const envelopeContentType = "application/vnd.device-portal.envelope";
export const defaultMaxEnvelopeBytes: number = 8 * 1024 * 1024;
export const defaultMaxPayloadBytes: number = 64 * 1024 * 1024;
export const defaultMaxClockSkewMs: number = 10 * 60 * 1000;
export const maxHeaderBytes = 255;
const nonceBytes = 12;
const tagBytes = 16;
const prefixBytes = envelopeMagic.length + 1;
/** zlib output chunk: bigger than the 16 KiB default, so a 64 MiB payload needs fewer round trips. */
const gunzipChunkBytes = 64 * 1024;
const gunzipAsync = promisify(gunzip);

export const envelopeErrorCodes = [
  /** Over `maxEnvelopeBytes`, checked before anything else is read. */
  "too-large",
  /** Not an envelope: too short for the fixed fields, or the magic is not "DPE1". */
  "bad-magic",
  /** Header length past the end, header not JSON or not a valid header. */
  "bad-header",
  "wrong-direction",
  "wrong-type",
  /** The key lookup found no key for this header. */
  "unknown-key",
  /** GCM authentication failed: a changed byte anywhere, or another key. */
  "tampered",
  /** `sentAt` further than `maxClockSkewMs` from `now` (checked after authentication). */
  "stale",
  /** The payload decompresses to more than `maxPayloadBytes`. */
  "bomb",
  /** Authentic, but the ciphertext is not gzip data: the sender is broken. */
  "bad-gzip",
] as const;
export type EnvelopeErrorCode = (typeof envelopeErrorCodes)[number];

export class EnvelopeError extends Error {
  override name = "EnvelopeError";
  readonly code: EnvelopeErrorCode;
  /** The header, when it was read before the failure (unauthenticated unless code is stale, bomb, bad-gzip). */
  readonly header: EnvelopeHeader | undefined;

  constructor(
    code: EnvelopeErrorCode,
    message: string,
    options: { header?: EnvelopeHeader; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.header = options.header;
  }
}

/** What `sealEnvelope` needs: the header without `v`, `dir` (implied by the type) and `sentAt` (default now). */
export interface SealHeader {
  type: MessageType;
  collectorId?: string | undefined;
  keyId: string;
  messageId: string;
  /** ISO 8601; default `new Date().toISOString()`. */
  sentAt?: string | undefined;
}

function assertKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== keyBytes)
    throw new RangeError(`an envelope key is ${keyBytes} bytes, got ${key?.length ?? typeof key}`);
}

/** The bytes the header is written as: fields in the documented order, compact JSON. */
function headerBytes(input: SealHeader): Buffer {
  const header = {
    v: 1,
    type: input.type,
    dir: messageDirection[input.type],
    collectorId: input.collectorId,
    keyId: input.keyId,
    messageId: input.messageId,
    sentAt: input.sentAt ?? new Date().toISOString(),
  };
  const parsed = envelopeHeaderSchema.safeParse(header);
  if (!parsed.success) throw new EnvelopeError("bad-header", `cannot seal: ${describeIssues(parsed.error)}`);
  const bytes = Buffer.from(JSON.stringify(header), "utf8");
  if (bytes.length > maxHeaderBytes)
    throw new EnvelopeError(
      "bad-header",
      `cannot seal: header is ${bytes.length} bytes, at most ${maxHeaderBytes}`,
    );
  return bytes;
}

/**
 * Seals one message: gzip, then AES-256-GCM with a random 12-byte nonce. `key` is 32 bytes.
 * Synchronous: payloads are at most a few MiB of XML (the portal refuses envelopes over 8 MiB).
 */
export function sealEnvelope(key: Uint8Array, header: SealHeader, payload: string | Uint8Array): Buffer {
  assertKey(key);
  const headerJson = headerBytes(header);
  const prefix = Buffer.concat([envelopeMagic, Buffer.from([headerJson.length]), headerJson]);
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(prefix);
  const compressed = gzipSync(typeof payload === "string" ? Buffer.from(payload, "utf8") : payload);
  const ciphertext = Buffer.concat([cipher.update(compressed), cipher.final()]);
  return Buffer.concat([prefix, nonce, ciphertext, cipher.getAuthTag()]);
}

type MaybePromise<T> = T | Promise<T>;
/** Finds the key for a header (by `keyId`, and `collectorId` where present); nothing → unknown-key. */
export type EnvelopeKeyLookup = (header: EnvelopeHeader) => MaybePromise<Uint8Array | undefined | null>;

export interface OpenEnvelopeOptions {
  /** The direction this side receives: the portal `c2p`, the collector `p2c`. */
  expectDir: Direction;
  /** Accepted type(s); any type of the direction when absent. */
  expectType?: MessageType | readonly MessageType[];
  /** Default 8 MiB. */
  maxEnvelopeBytes?: number;
  /** Default 64 MiB: decompression stops there (a bomb allocates at most this much). */
  maxPayloadBytes?: number;
  /** The receiver's clock, ms since the epoch; default `Date.now()`. */
  now?: number;
  /** Default 10 minutes; `Infinity` turns the check off. */
  maxClockSkewMs?: number;
}

export interface OpenedEnvelope {
  header: EnvelopeHeader;
  payload: Buffer;
}

/**
 * Opens and checks one envelope, cheapest checks first: size, magic, header, direction, type, key,
 * authentication, clock, decompression (with a byte cap, so a decompression bomb stops at
 * `maxPayloadBytes`). Throws `EnvelopeError` with the first failing check's code.
 */
export async function openEnvelope(
  keyOrLookup: Uint8Array | EnvelopeKeyLookup,
  data: Uint8Array,
  options: OpenEnvelopeOptions,
): Promise<OpenedEnvelope> {
  const maxEnvelopeBytes = options.maxEnvelopeBytes ?? defaultMaxEnvelopeBytes;
  const maxPayloadBytes = options.maxPayloadBytes ?? defaultMaxPayloadBytes;
  const maxClockSkewMs = options.maxClockSkewMs ?? defaultMaxClockSkewMs;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);

  if (bytes.length > maxEnvelopeBytes)
    throw new EnvelopeError("too-large", `envelope is ${bytes.length} bytes, at most ${maxEnvelopeBytes}`);
  if (bytes.length < prefixBytes + nonceBytes + tagBytes || !bytes.subarray(0, 4).equals(envelopeMagic))
    throw new EnvelopeError("bad-magic", "not an envelope (no DPE1 magic)");

  const headerLength = bytes[4] ?? 0;
  const bodyStart = prefixBytes + headerLength;
  if (bodyStart + nonceBytes + tagBytes > bytes.length)
    throw new EnvelopeError("bad-header", `header length ${headerLength} runs past the end of the envelope`);
  const header = parseHeader(bytes.subarray(prefixBytes, bodyStart));

  if (header.dir !== options.expectDir)
    throw new EnvelopeError(
      "wrong-direction",
      `a ${header.dir} message where ${options.expectDir} was expected`,
      {
        header,
      },
    );
  if (options.expectType !== undefined) {
    const accepted: readonly MessageType[] =
      typeof options.expectType === "string" ? [options.expectType] : options.expectType;
    if (!accepted.includes(header.type))
      throw new EnvelopeError(
        "wrong-type",
        `a ${header.type} message where ${accepted.join(" or ")} was expected`,
        {
          header,
        },
      );
  }

  const key = typeof keyOrLookup === "function" ? await keyOrLookup(header) : keyOrLookup;
  if (!key) throw new EnvelopeError("unknown-key", `no key ${header.keyId}`, { header });
  assertKey(key);

  const nonce = bytes.subarray(bodyStart, bodyStart + nonceBytes);
  const ciphertext = bytes.subarray(bodyStart + nonceBytes, bytes.length - tagBytes);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: tagBytes });
  decipher.setAAD(bytes.subarray(0, bodyStart));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  let compressed: Buffer;
  try {
    compressed = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (cause) {
    throw new EnvelopeError(
      "tampered",
      "envelope authentication failed (changed on the way, or another key)",
      {
        header,
        cause,
      },
    );
  }

  const now = options.now ?? Date.now();
  const skew = Math.abs(now - Date.parse(header.sentAt));
  if (skew > maxClockSkewMs)
    throw new EnvelopeError("stale", `sent at ${header.sentAt}, ${Math.round(skew / 1000)} s off the clock`, {
      header,
    });

  let payload: Buffer;
  try {
    payload = await gunzipAsync(compressed, {
      maxOutputLength: maxPayloadBytes,
      chunkSize: gunzipChunkBytes,
    });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw new EnvelopeError("bomb", `payload decompresses to more than ${maxPayloadBytes} bytes`, {
        header,
        cause,
      });
    throw new EnvelopeError("bad-gzip", `payload is not gzip data: ${(cause as Error).message}`, {
      header,
      cause,
    });
  }
  return { header, payload };
}

function parseHeader(raw: Buffer): EnvelopeHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch (cause) {
    throw new EnvelopeError("bad-header", "header is not UTF-8 JSON", { cause });
  }
  const parsed = envelopeHeaderSchema.safeParse(json);
  if (!parsed.success)
    throw new EnvelopeError("bad-header", `invalid header: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function describeIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string {
  return error.issues.map((i) => `${i.path.map(String).join(".") || "header"}: ${i.message}`).join("; ");
}
