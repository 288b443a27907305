import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { z } from "zod";
import { listAccountOf } from "../auth/account-filter.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { DomainPlugin } from "../domains.ts";
import { SqlFilter } from "../tenancy/pagination.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { scopeCustomerId } from "../tenancy/scope.ts";
import { type auditEntrySchema, auditListQuerySchema, auditPageSchema } from "./schemas.ts";

export type AuditEntry = z.infer<typeof auditEntrySchema>;

interface AuditRow {
  audit_id: number;
  at: Date;
  account_id: string;
  customer_id: string | null;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

function presentAuditEntry(row: AuditRow): AuditEntry {
  return {
    auditId: String(row.audit_id),
    at: row.at.toISOString(),
    accountId: row.account_id,
    customerId: row.customer_id,
    actorUserId: row.actor_user_id,
    actorApiKeyId: row.actor_api_key_id,
    actorEmail: row.actor_email,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
    ip: row.ip,
  };
}

/**
 * The audit log, newest first. Account users read their account's events, customer admins the
 * events that concern their customer, platform admins every account's (or one's, ?accountId=).
 */
export const auditRoutes: DomainPlugin = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/api/v1/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "Audit log, newest first",
        querystring: auditListQuerySchema,
        response: { 200: auditPageSchema },
      },
      ...routeGuard(["audit", "read"]),
    },
    async (request) => {
      const me = principalOf(request);
      const query = request.query;
      const filter = new SqlFilter()
        .equalsIf("account_id", listAccountOf(me.scope, query.accountId))
        .equalsIf("customer_id", scopeCustomerId(me.scope));
      if (query.action?.endsWith(".*"))
        filter.and(`starts_with(action, ${filter.param(query.action.slice(0, -1))})`);
      else filter.equalsIf("action", query.action);
      if (query.from) filter.and(`at >= ${filter.param(query.from)}::timestamptz`);
      if (query.to) filter.and(`at < ${filter.param(query.to)}::timestamptz`);
      // Ids grow with every insert, so "after the cursor" is simply "a smaller id".
      if (query.cursor) filter.and(`audit_id < ${filter.param(query.cursor)}::bigint`);
      const rows = await ctx.db.tenant(
        me.scope,
        async (sql) =>
          (
            await sql.query<AuditRow>(
              `select audit_id, at, account_id, customer_id, actor_user_id, actor_api_key_id, actor_email,
                      action, target_type, target_id, details, host(ip) as ip
               from audit_log ${filter.where} order by audit_id desc limit ${query.limit + 1}`,
              filter.params,
            )
          ).rows,
      );
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(presentAuditEntry),
        nextCursor: rows.length > query.limit && last ? String(last.audit_id) : null,
      };
    },
  );
};
