import type { Db } from "../db/pool.ts";
import { hashSecret, randomSecret, sameHash } from "../secrets.ts";
import { type Principal, principalScope } from "../tenancy/principal.ts";
import { type Access, activities, type Role, rightsMatrix } from "../tenancy/rights.ts";

/**
 * API key tokens: `dpk_<accountId>_<apiKeyId>_<secret>`. The account and key ids make the lookup
 * one primary-key read (no scan over every account); only SHA-256 of the secret is stored. The
 * secret is 32 random bytes in base64url (43 characters, which may contain "_" and "-"), so it is
 * matched at the end by its fixed length.
 */
const tokenPattern =
  /^dpk_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** last_used_at is written at most this often: a busy key must not turn every read into a write. */
const lastUsedResolutionSeconds = 60;

export interface ApiKeySecret {
  secret: string;
  secretHash: Buffer;
}

export function newApiKeySecret(): ApiKeySecret {
  const secret = randomSecret(32);
  return { secret, secretHash: hashSecret(secret) };
}

export function apiKeyToken(accountId: string, apiKeyId: string, secret: string): string {
  return `dpk_${accountId}_${apiKeyId}_${secret}`;
}

export function parseApiKeyToken(
  token: string,
): { accountId: string; apiKeyId: string; secret: string } | undefined {
  const match = tokenPattern.exec(token);
  if (!match) return undefined;
  return { accountId: match[1] as string, apiKeyId: match[2] as string, secret: match[3] as string };
}

/** The principal behind an `Authorization: Bearer` token; undefined when unknown, wrong or revoked. */
export async function resolveApiKey(db: Db, token: string): Promise<Principal | undefined> {
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  return db.system(async (sql) => {
    const row = (
      await sql.query<{
        role: Role;
        customer_id: string | null;
        created_by: string | null;
        secret_hash: Buffer;
        stale: boolean;
      }>(
        `select role, customer_id, created_by, secret_hash,
                last_used_at is null or last_used_at < now() - make_interval(secs => $3) as stale
         from api_keys where account_id = $1 and api_key_id = $2 and revoked_at is null`,
        [parsed.accountId, parsed.apiKeyId, lastUsedResolutionSeconds],
      )
    ).rows[0];
    if (!row || !sameHash(row.secret_hash, hashSecret(parsed.secret))) return undefined;
    if (row.stale)
      await sql.query("update api_keys set last_used_at = now() where account_id = $1 and api_key_id = $2", [
        parsed.accountId,
        parsed.apiKeyId,
      ]);
    const base = { role: row.role, accountId: parsed.accountId, customerId: row.customer_id ?? undefined };
    return {
      kind: "api-key",
      userId: row.created_by ?? undefined,
      apiKeyId: parsed.apiKeyId,
      email: undefined,
      ...base,
      siteId: undefined,
      scope: principalScope(base),
      sessionId: undefined,
      csrfToken: undefined,
    };
  });
}

const accessRank: Record<Access, number> = { none: 0, read: 1, write: 2 };

/** A key may never do more than its creator: on every activity its role grants at most as much. */
export function roleWithin(role: Role, limit: Role): boolean {
  return activities.every(
    (activity) => accessRank[rightsMatrix[role][activity]] <= accessRank[rightsMatrix[limit][activity]],
  );
}
