import { Secret, TOTP } from "otpauth";
import type { Sql } from "../db/pool.ts";

/** RFC 6238 defaults that every authenticator app understands. */
const period = 30;
const digits = 6;
/** One step either side: a phone clock a little off, or a code typed as it turned over. */
const window = 1;
const issuer = "Device Portal";

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = "user"): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits,
    period,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The otpauth:// URI an authenticator app reads from a QR code. */
export function totpUri(secretBase32: string, email: string): string {
  return totpFor(secretBase32, email).toString();
}

/**
 * The time step `code` belongs to when it is valid now (±1 step) and newer than `lastStep`, the
 * step of the last accepted code: a code works once, so one seen over a shoulder is worthless.
 * Undefined otherwise.
 */
export function acceptTotp(
  secretBase32: string,
  code: string,
  lastStep: number | null,
  now = Date.now(),
): number | undefined {
  const totp = totpFor(secretBase32);
  const delta = totp.validate({ token: code, timestamp: now, window });
  if (delta === null) return undefined;
  const step = totp.counter({ timestamp: now }) + delta;
  if (lastStep !== null && step <= lastStep) return undefined;
  return step;
}

/**
 * Takes a code's time step for the user, once only: false when a code of this or a later step was
 * used already. One statement, so the same code sent twice at once works once.
 */
export async function takeTotpStep(
  sql: Sql,
  user: { accountId: string; userId: string },
  step: number,
): Promise<boolean> {
  const result = await sql.query(
    `update users set totp_last_step = $3
     where account_id = $1 and user_id = $2 and (totp_last_step is null or totp_last_step < $3)`,
    [user.accountId, user.userId, step],
  );
  return result.rowCount === 1;
}
