import type { EnvelopeHeader } from "@device-portal/protocol";
import type { Db, Sql } from "../db/pool.ts";
import type { SecretBox } from "../secrets.ts";

/**
 * The portal's side of the key lookup of docs/collector-protocol.md: an envelope names its key
 * before the tenant is known, so the global key directory (collector_keys) is read as the system.
 * An enrolment key opens only `enrol`, a collector key only the calls of its own collector.
 */

/** Who sealed an envelope: the tenant the key belongs to, and the key itself. */
export interface EnvelopeSender {
  kind: "enrolment" | "collector";
  accountId: string;
  customerId: string;
  siteId: string;
  /** The collector; for an enrolment key, the collector it enrolled before (if any). */
  collectorId: string | null;
  keyId: string;
  key: Buffer;
}

/** The enrolment token behind an `enrol` envelope: not revoked, and either used already or not yet expired. */
export async function findEnrolmentKey(
  db: Db,
  secrets: SecretBox,
  header: EnvelopeHeader,
): Promise<EnvelopeSender | undefined> {
  const row = await db.system(
    async (sql) =>
      (
        await sql.query<{
          account_id: string;
          customer_id: string;
          site_id: string;
          collector_id: string | null;
          key_enc: Buffer;
        }>(
          `select t.account_id, t.customer_id, t.site_id, t.collector_id, t.key_enc
           from collector_keys k
           join enrolment_tokens t on t.account_id = k.account_id and t.key_id = k.key_id
           where k.key_id = $1 and k.kind = 'enrolment' and ${usableToken("t")}`,
          [header.keyId],
        )
      ).rows[0],
  );
  if (!row) return undefined;
  return {
    kind: "enrolment",
    accountId: row.account_id,
    customerId: row.customer_id,
    siteId: row.site_id,
    collectorId: row.collector_id,
    keyId: header.keyId,
    key: secrets.open(row.key_enc),
  };
}

/**
 * Whether an enrolment token can enrol: not revoked; unused and not expired, or used already (a
 * collector enrols again with its token at every start, so a used token stays good for its
 * collector until someone revokes the token or the collector).
 */
export function usableToken(alias: string): string {
  return `${alias}.revoked_at is null and (${alias}.used_at is not null or ${alias}.expires_at > now())`;
}

/** The current key of the collector the header names (a key of another collector does not count). */
export async function findCollectorKey(
  db: Db,
  secrets: SecretBox,
  header: EnvelopeHeader,
): Promise<EnvelopeSender | undefined> {
  if (!header.collectorId) return undefined;
  const row = await db.system(
    async (sql) =>
      (
        await sql.query<{
          account_id: string;
          customer_id: string;
          site_id: string;
          collector_id: string;
          key_enc: Buffer;
        }>(
          `select c.account_id, c.customer_id, c.site_id, c.collector_id, c.key_enc
           from collector_keys k
           join collectors c on c.account_id = k.account_id and c.collector_id = k.collector_id and c.key_id = k.key_id
           where k.key_id = $1 and k.kind = 'collector' and c.revoked_at is null and c.key_enc is not null`,
          [header.keyId],
        )
      ).rows[0],
  );
  if (!row || row.collector_id !== header.collectorId) return undefined;
  return {
    kind: "collector",
    accountId: row.account_id,
    customerId: row.customer_id,
    siteId: row.site_id,
    collectorId: row.collector_id,
    keyId: header.keyId,
    key: secrets.open(row.key_enc),
  };
}

/** How long an accepted enrol or check-in message id is remembered: twice the allowed clock skew. */
export const rememberMessagesMinutes = 20;

/**
 * Remembers an enrol or check-in message id; false when it was seen before (a replay). The primary
 * key makes this hold across every portal process: a second insert of the id waits for the first
 * transaction and then finds the row.
 */
export async function rememberMessage(
  sql: Sql,
  accountId: string,
  keyId: string,
  messageId: string,
): Promise<boolean> {
  await sql.query("delete from seen_messages where account_id = $1 and key_id = $2 and expires_at < now()", [
    accountId,
    keyId,
  ]);
  const inserted = await sql.query(
    `insert into seen_messages (account_id, key_id, message_id, expires_at)
     values ($1, $2, $3, now() + make_interval(mins => $4))
     on conflict do nothing`,
    [accountId, keyId, messageId, rememberMessagesMinutes],
  );
  return inserted.rowCount === 1;
}
