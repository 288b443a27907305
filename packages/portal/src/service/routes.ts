import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import type { DomainPlugin } from "../domains.ts";
import { findDevice } from "../fleet/device-store.ts";
import { keysetPlan, pageWithCursor } from "../fleet/keyset.ts";
import { conflict, notFound } from "../http/errors.ts";
import { findCustomer, findSite } from "../tenancy/lookups.ts";
import { SqlFilter } from "../tenancy/pagination.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { auditRequest, filterByScope, type ZodApp } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import { type AlertRow, alertColumns, alertJoins, presentAlert } from "./presenters.ts";
import {
  alertListQuerySchema,
  alertPageSchema,
  alertParamsSchema,
  alertSchema,
  serviceTag,
} from "./schemas.ts";

/** The service domain: alerts of devices, listed newest first, closed by hand. */
export const serviceRoutes: DomainPlugin = async (app, { ctx }) => {
  alertRoutes(app.withTypeProvider<ZodTypeProvider>(), ctx);
};

const alertScope = (scope: Scope) =>
  filterByScope(new SqlFilter(), scope, {
    account: "a.account_id",
    customer: "a.customer_id",
    site: "a.site_id",
  });

async function findAlert(sql: Sql, scope: Scope, alertId: string): Promise<AlertRow> {
  const f = alertScope(scope);
  f.and(`a.alert_id = ${f.param(alertId)}`);
  const row = (
    await sql.query<AlertRow>(`select ${alertColumns} from alerts a ${alertJoins} ${f.where}`, f.params)
  ).rows[0];
  if (!row) throw notFound("alert");
  return row;
}

function alertRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/alerts",
    {
      ...routeGuard(["service", "read"]),
      schema: {
        tags: [serviceTag],
        summary: "List alerts, newest first",
        querystring: alertListQuerySchema,
        response: { 200: alertPageSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(scope, async (sql) => {
        if (query.customerId) await findCustomer(sql, scope, query.customerId);
        if (query.siteId) await findSite(sql, scope, query.siteId);
        if (query.deviceId) await findDevice(sql, scope, query.deviceId);
        const f = alertScope(scope);
        if (query.state) f.and(`a.closed_at is ${query.state === "open" ? "" : "not "}null`);
        f.equalsIf("a.kind", query.kind);
        f.equalsIf("a.severity", query.severity);
        f.equalsIf("a.customer_id", query.customerId);
        f.equalsIf("a.site_id", query.siteId);
        f.equalsIf("a.device_id", query.deviceId);
        const plan = keysetPlan(f, {
          sort: "-openedAt",
          column: { expr: "a.opened_at", type: "timestamptz", nullable: false },
          ties: [{ expr: "a.alert_id", type: "uuid" }],
          cursor: query.cursor,
        });
        if (plan.after) f.and(plan.after);
        const rows = (
          await sql.query<AlertRow & { sort_key: string }>(
            `select ${alertColumns}, ${plan.select} from alerts a ${alertJoins} ${f.where} ${plan.orderBy}
             limit ${query.limit + 1}`,
            f.params,
          )
        ).rows;
        const page = pageWithCursor(rows, query.limit, "-openedAt");
        return { items: page.rows.map(presentAlert), nextCursor: page.nextCursor };
      });
    },
  );

  app.get(
    "/api/v1/alerts/:alertId",
    {
      ...routeGuard(["service", "read"]),
      schema: {
        tags: [serviceTag],
        summary: "One alert",
        params: alertParamsSchema,
        response: { 200: alertSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      return presentAlert(await ctx.db.tenant(scope, (sql) => findAlert(sql, scope, request.params.alertId)));
    },
  );

  app.post(
    "/api/v1/alerts/:alertId/close",
    {
      ...routeGuard(["service", "write"]),
      schema: {
        tags: [serviceTag],
        summary: "Close an open alert (a condition the device still reports opens a new one)",
        params: alertParamsSchema,
        response: { 200: alertSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const { alertId } = request.params;
      const row = await ctx.db.tenant(scope, async (sql) => {
        const alert = await findAlert(sql, scope, alertId);
        // The device row first, then the alert: the order ingest and the stale-device job lock them.
        await findDevice(sql, scope, alert.device_id, true);
        const f = alertScope(scope);
        f.and(`a.alert_id = ${f.param(alertId)}`).and("a.closed_at is null");
        const closed = await sql.query(`update alerts a set closed_at = now() ${f.where}`, f.params);
        if (!closed.rowCount) throw conflict("the alert is already closed");
        await auditRequest(sql, request, {
          accountId: alert.account_id,
          customerId: alert.customer_id,
          action: "alert.close",
          targetType: "alert",
          targetId: alertId,
          details: { kind: alert.kind, deviceId: alert.device_id },
        });
        return findAlert(sql, scope, alertId);
      });
      return presentAlert(row);
    },
  );
}
