import type { Db, Sql } from "../db/pool.ts";
import { hashSecret, randomSecret, sameHash } from "../secrets.ts";
import type { Principal } from "../tenancy/principal.ts";
import { principalScope } from "../tenancy/principal.ts";
import type { Role } from "../tenancy/rights.ts";

/** The session cookie: `<accountId>.<sessionId>.<secret>`; only a hash of the secret is stored. */
export const sessionCookieName = "dp_session";
export const sessionLifetimeMs = 12 * 60 * 60 * 1000;
/** A session unused for this long ends before its lifetime. */
export const sessionIdleMs = 2 * 60 * 60 * 1000;

export interface NewSession {
  cookie: string;
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(
  db: Db,
  user: { accountId: string; userId: string },
  options: { mfaPending?: boolean; ip?: string | undefined; userAgent?: string | undefined } = {},
): Promise<NewSession> {
  const secret = randomSecret();
  const csrfToken = randomSecret(24);
  const expiresAt = new Date(Date.now() + sessionLifetimeMs);
  const row = await db.system(
    async (sql) =>
      (
        await sql.query<{ session_id: string }>(
          `insert into sessions (account_id, user_id, secret_hash, csrf_token, mfa_pending, expires_at, ip, user_agent)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning session_id`,
          [
            user.accountId,
            user.userId,
            hashSecret(secret),
            csrfToken,
            options.mfaPending ?? false,
            expiresAt,
            options.ip ?? null,
            options.userAgent?.slice(0, 300) ?? null,
          ],
        )
      ).rows[0],
  );
  const sessionId = row?.session_id as string;
  return { cookie: `${user.accountId}.${sessionId}.${secret}`, sessionId, csrfToken, expiresAt };
}

export interface ResolvedSession {
  principal: Principal;
  mfaPending: boolean;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The signed-in user behind a cookie, or undefined for a cookie that is malformed, unknown or expired. */
export async function resolveSession(db: Db, cookie: string): Promise<ResolvedSession | undefined> {
  const [accountId, sessionId, secret] = cookie.split(".");
  if (!accountId || !sessionId || !secret || !uuid.test(accountId) || !uuid.test(sessionId)) return undefined;
  return db.system(async (sql) => {
    const row = (
      await sql.query<{
        secret_hash: Buffer;
        csrf_token: string;
        mfa_pending: boolean;
        user_id: string;
        email: string;
        role: Role;
        customer_id: string | null;
        site_id: string | null;
      }>(
        `update sessions s set last_seen_at = now()
         from users u
         where s.account_id = $1 and s.session_id = $2 and u.account_id = s.account_id and u.user_id = s.user_id
           and s.expires_at > now() and s.last_seen_at > now() - make_interval(secs => $3)
           and u.disabled_at is null
         returning s.secret_hash, s.csrf_token, s.mfa_pending, u.user_id, u.email, u.role, u.customer_id, u.site_id`,
        [accountId, sessionId, sessionIdleMs / 1000],
      )
    ).rows[0];
    if (!row || !sameHash(row.secret_hash, hashSecret(secret))) return undefined;
    const base = {
      role: row.role,
      accountId,
      customerId: row.customer_id ?? undefined,
      siteId: row.site_id ?? undefined,
    };
    return {
      mfaPending: row.mfa_pending,
      principal: {
        kind: "user",
        userId: row.user_id,
        apiKeyId: undefined,
        email: row.email,
        ...base,
        scope: principalScope(base),
        sessionId,
        csrfToken: row.csrf_token,
      },
    };
  });
}

export async function endSession(db: Db, accountId: string, sessionId: string): Promise<void> {
  await db.system((sql) =>
    sql.query("delete from sessions where account_id = $1 and session_id = $2", [accountId, sessionId]),
  );
}

/**
 * Ends every session of a user, in the caller's transaction: after a password change (keeping the
 * session that made it) or a password reset (keeping none).
 */
export async function endUserSessions(
  sql: Sql,
  user: { accountId: string; userId: string },
  keepSessionId?: string,
): Promise<void> {
  await sql.query(
    "delete from sessions where account_id = $1 and user_id = $2 and session_id is distinct from $3::uuid",
    [user.accountId, user.userId, keepSessionId ?? null],
  );
}
