import type { Sql } from "../db/pool.ts";
import { HttpError } from "../http/errors.ts";

/** This many wrong passwords or codes in a row lock a user out for lockoutSeconds. */
export const maxFailedLogins = 5;
export const lockoutSeconds = 15 * 60;

export const accountLocked = () => new HttpError(429, "locked", "account temporarily locked");

/**
 * Counts one failed sign-in (wrong password or second-factor code); the fifth in a row locks the
 * user and starts the count again. Returns whether the user is locked now. One statement, so
 * parallel guesses cannot slip past the count.
 */
export async function countFailedLogin(
  sql: Sql,
  user: { accountId: string; userId: string },
): Promise<boolean> {
  const row = (
    await sql.query<{ locked: boolean }>(
      `update users set
         failed_logins = case when failed_logins + 1 >= $3 then 0 else failed_logins + 1 end,
         locked_until = case when failed_logins + 1 >= $3 then now() + make_interval(secs => $4) else locked_until end
       where account_id = $1 and user_id = $2
       returning coalesce(locked_until > now(), false) as locked`,
      [user.accountId, user.userId, maxFailedLogins, lockoutSeconds],
    )
  ).rows[0];
  return row?.locked ?? false;
}

/** A complete sign-in (or a password reset) clears the count and any lock. */
export async function clearFailedLogins(
  sql: Sql,
  user: { accountId: string; userId: string },
): Promise<void> {
  await sql.query(
    "update users set failed_logins = 0, locked_until = null where account_id = $1 and user_id = $2",
    [user.accountId, user.userId],
  );
}
