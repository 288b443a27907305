import type { Sql } from "../db/pool.ts";
import type { Principal } from "../tenancy/principal.ts";

/** What the audit log records (docs/rights.md lists who reads it). */
export interface AuditEvent {
  accountId: string;
  /** The customer the event concerns, so that customer's admin can read it. */
  customerId?: string | undefined;
  actor?: Principal | undefined;
  /** When there is no principal yet (failed login): who it claimed to be. */
  actorEmail?: string | undefined;
  /** Dotted verb: "auth.login", "auth.login-failed", "user.create", "user.role-change", "collector.settings", "export.devices" … */
  action: string;
  targetType?: string | undefined;
  targetId?: string | undefined;
  details?: Record<string, unknown> | undefined;
  ip?: string | undefined;
}

/** Appends one event, in the caller's transaction: the change and its record commit together. */
export async function recordAudit(sql: Sql, event: AuditEvent): Promise<void> {
  await sql.query(
    `insert into audit_log (account_id, customer_id, actor_user_id, actor_api_key_id, actor_email, action,
                            target_type, target_id, details, ip)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      event.accountId,
      event.customerId ?? null,
      event.actor?.userId ?? null,
      event.actor?.apiKeyId ?? null,
      event.actor?.email ?? event.actorEmail ?? null,
      event.action,
      event.targetType ?? null,
      event.targetId ?? null,
      JSON.stringify(event.details ?? {}),
      event.ip ?? null,
    ],
  );
}
