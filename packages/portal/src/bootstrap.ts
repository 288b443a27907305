import { hashPassword } from "./auth/passwords.ts";
import type { Db } from "./db/pool.ts";
import { randomSecret } from "./secrets.ts";

export interface FirstAdmin {
  email: string;
  /** Set when the password was generated: shown once on the console. */
  generatedPassword?: string | undefined;
}

/**
 * On first start: the platform account and its first admin, from PORTAL_ADMIN_EMAIL /
 * PORTAL_ADMIN_PASSWORD or with a generated password. Later starts find them and do nothing.
 */
export async function ensurePlatformAdmin(
  db: Db,
  settings: { email?: string | undefined; password?: string | undefined },
): Promise<FirstAdmin | undefined> {
  return db.system(async (sql) => {
    // One process at a time, so two portals starting together create one platform.
    await sql.query("select pg_advisory_xact_lock(7346110022)");
    const existing = await sql.query("select 1 from users where role = 'platform-admin' limit 1");
    if (existing.rowCount) return undefined;
    const email = (settings.email ?? "admin@localhost").trim().toLowerCase();
    const password = settings.password ?? randomSecret(12);
    const platform =
      (await sql.query<{ account_id: string }>("select account_id from accounts where kind = 'platform'"))
        .rows[0] ??
      (
        await sql.query<{ account_id: string }>(
          "insert into accounts (kind, name) values ('platform', 'Platform') returning account_id",
        )
      ).rows[0];
    const accountId = platform?.account_id as string;
    const user = await sql.query<{ user_id: string }>(
      `insert into users (account_id, email, name, role, password_hash)
       values ($1, $2, 'Platform admin', 'platform-admin', $3) returning user_id`,
      [accountId, email, await hashPassword(password)],
    );
    await sql.query("insert into user_logins (email, account_id, user_id) values ($1, $2, $3)", [
      email,
      accountId,
      user.rows[0]?.user_id,
    ]);
    return { email, generatedPassword: settings.password ? undefined : password };
  });
}
