import { hkdfSync, randomBytes } from "node:crypto";

/**
 * Keys of the collector protocol (docs/collector-protocol.md, "Keys"). Both sides derive the
 * enrolment key and its id from the enrolment token; the portal makes a collector key at each
 * enrolment.
 */

export const keyBytes = 32;
export const enrolmentSalt = "device-portal/v1";
export const enrolmentInfo = "enrol";
/** HKDF info of the enrolment key's id: a different output than the key, so the id reveals nothing. */
export const enrolmentIdInfo = "enrol-id";
/** Prefix of enrolment key ids, so they never collide with collector key ids in one lookup. */
export const enrolmentKeyIdPrefix = "enr_";

export interface ProtocolKey {
  keyId: string;
  /** 32 bytes, the AES-256-GCM key. */
  key: Buffer;
}

/** Thrown for a token that is not 32 bytes in base64url. */
export class EnrolmentTokenError extends Error {
  override name = "EnrolmentTokenError";
}

/** A new enrolment token: 32 random bytes, base64url without padding (43 characters). */
export function createEnrolmentToken(): string {
  return randomBytes(keyBytes).toString("base64url");
}

/**
 * The 32 bytes of an enrolment token. Surrounding white space and `=` padding are ignored (a
 * token pasted from an e-mail); anything else that is not 43 base64url characters is refused.
 */
export function parseEnrolmentToken(token: string): Buffer {
  const text = token.trim().replace(/=+$/, "");
  if (!/^[A-Za-z0-9_-]{43}$/.test(text))
    throw new EnrolmentTokenError("the enrolment token must be 43 base64url characters (32 bytes)");
  const bytes = Buffer.from(text, "base64url");
  // 43 characters carry 258 bits; the last 2 must be zero, or two texts would name one token.
  if (bytes.toString("base64url") !== text)
    throw new EnrolmentTokenError("the enrolment token is not canonical base64url");
  return bytes;
}

function hkdf(ikm: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, enrolmentSalt, info, length));
}

/**
 * The enrolment key: HKDF-SHA256(ikm = the token's 32 bytes, salt = "device-portal/v1",
 * info = "enrol"), 32 bytes; its id: "enr_" + base64url of HKDF(same ikm and salt,
 * info = "enrol-id"), 16 bytes. The portal stores the id and the key, never the token.
 */
export function deriveEnrolmentKey(token: string): ProtocolKey {
  const ikm = parseEnrolmentToken(token);
  return {
    keyId: `${enrolmentKeyIdPrefix}${hkdf(ikm, enrolmentIdInfo, 16).toString("base64url")}`,
    key: hkdf(ikm, enrolmentInfo, keyBytes),
  };
}

/** A new collector key (the portal's side of `enrol`): 32 random bytes and a random 16-byte id. */
export function createCollectorKey(): ProtocolKey {
  return { keyId: randomBytes(16).toString("base64url"), key: randomBytes(keyBytes) };
}
