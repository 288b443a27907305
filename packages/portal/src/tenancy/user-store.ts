import { hashPassword } from "../auth/passwords.ts";
import type { Sql } from "../db/pool.ts";
import { conflict } from "../http/errors.ts";
import { randomSecret } from "../secrets.ts";
import { type UserRow, userColumns } from "./presenters.ts";
import type { Role } from "./rights.ts";
import { uniqueOr409 } from "./route-support.ts";

export interface PreparedPassword {
  hash: string;
  /** Set when none was given: answered once to the creator, stored only as the hash. */
  generated: string | null;
}

/** Hashes the given password or a generated one (before the transaction: argon2 takes a while). */
export async function preparePassword(password: string | undefined): Promise<PreparedPassword> {
  const generated = password === undefined ? randomSecret(12) : null;
  return { hash: await hashPassword(password ?? (generated as string)), generated };
}

export interface NewUser {
  accountId: string;
  email: string;
  name: string;
  role: Role;
  customerId: string | null;
  siteId: string | null;
  passwordHash: string;
  locale: "de" | "en" | null;
}

const duplicateEmail = "a user with this e-mail address exists";

/** Inserts a user and its entry in the platform-wide login directory (an e-mail names one user). */
export async function insertUser(sql: Sql, user: NewUser): Promise<UserRow> {
  const taken = await sql.query("select 1 from user_logins where email = $1", [user.email]);
  if (taken.rowCount) throw conflict(duplicateEmail);
  return uniqueOr409(duplicateEmail, async () => {
    const row = (
      await sql.query<UserRow>(
        `insert into users (account_id, email, name, role, customer_id, site_id, password_hash, locale)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${userColumns}`,
        [
          user.accountId,
          user.email,
          user.name,
          user.role,
          user.customerId,
          user.siteId,
          user.passwordHash,
          user.locale,
        ],
      )
    ).rows[0] as UserRow;
    await sql.query("insert into user_logins (email, account_id, user_id) values ($1, $2, $3)", [
      row.email,
      row.account_id,
      row.user_id,
    ]);
    return row;
  });
}
