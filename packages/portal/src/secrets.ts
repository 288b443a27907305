import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Secrets at rest (collector keys, enrolment keys, TOTP secrets, SNMP credentials) are sealed with
 * the portal's secret key (AES-256-GCM), which lives in the settings, not in the database: a
 * leaked database alone does not give them away.
 */
export class SecretBox {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32)
      throw new Error("the portal secret key must be 32 bytes (base64 in PORTAL_SECRET_KEY)");
    this.#key = key;
  }

  seal(plain: Buffer | string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), nonce, body, cipher.getAuthTag()]);
  }

  open(sealed: Buffer): Buffer {
    if (sealed.length < 29 || sealed[0] !== 1) throw new Error("not a sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, sealed.subarray(1, 13));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()]);
  }

  openText(sealed: Buffer): string {
    return this.open(sealed).toString("utf8");
  }
}

/** Random secret for tokens and cookies (URL-safe). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** SHA-256 of a high-entropy secret: enough for tokens (passwords use argon2id instead). */
export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
