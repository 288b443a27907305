import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import { collectorFrom } from "../collectors/collector-store.ts";
import type { Sql } from "../db/pool.ts";
import { forecastEmptyAt, forecastJoin } from "../supplies/forecast.ts";
import { findCustomer, findSite } from "../tenancy/lookups.ts";
import { SqlFilter } from "../tenancy/pagination.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { filterByScope, type ZodApp } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import { lowSupplyCondition } from "./device-store.ts";
import { type DashboardSummary, dashboardQuerySchema, dashboardSchema, dashboardTag } from "./schemas.ts";
import { monthBoundaries, periodVolumes, presentVolume } from "./volumes.ts";

/** Supplies forecast to run out within this many days count on the dashboard. */
export const dashboardForecastDays = 14;

export function dashboardRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/dashboard",
    {
      ...routeGuard(["fleet", "read"]),
      schema: {
        tags: [dashboardTag],
        summary: "Summary of the caller's scope (optionally one customer or site of it)",
        querystring: dashboardQuerySchema,
        response: { 200: dashboardSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const { customerId, siteId } = request.query;
      if (customerId || siteId)
        await ctx.db.tenant(scope, async (sql) => {
          if (customerId) await findCustomer(sql, scope, customerId);
          if (siteId) await findSite(sql, scope, siteId);
        });
      return dashboard(ctx, scope, { customerId, siteId });
    },
  );
}

interface Narrowing {
  customerId?: string | undefined;
  siteId?: string | undefined;
}

/** The scope's filter on a table with these columns, narrowed to one customer or site. */
function scoped(
  scope: Scope,
  narrowing: Narrowing,
  columns: { account: string; customer: string; site?: string },
) {
  const f = filterByScope(new SqlFilter(), scope, columns);
  f.equalsIf(columns.customer, narrowing.customerId);
  if (columns.site) f.equalsIf(columns.site, narrowing.siteId);
  return f;
}

const deviceColumns = { account: "d.account_id", customer: "d.customer_id", site: "d.site_id" };

/**
 * The figures are independent reads, each in its own transaction so they run side by side; the
 * two over history (supply forecasts, page volumes) take the longest.
 */
export async function dashboard(
  ctx: PortalContext,
  scope: Scope,
  narrowing: Narrowing,
): Promise<DashboardSummary> {
  const now = new Date();
  const bounds = monthBoundaries(2, now);
  const [devices, alerts, supplies, collectors, volumes] = await Promise.all([
    ctx.db.tenant(scope, (sql) => deviceCounts(sql, scope, narrowing)),
    ctx.db.tenant(scope, (sql) => alertCounts(sql, scope, narrowing)),
    ctx.db.tenant(scope, (sql) => supplyCounts(sql, scope, narrowing)),
    ctx.db.tenant(scope, (sql) => collectorCounts(sql, scope, narrowing)),
    ctx.db.tenant(scope, async (sql) => {
      const f = scoped(scope, narrowing, deviceColumns).and("d.retired_at is null");
      await sql.query("set local jit = off");
      return periodVolumes(
        sql,
        { sql: `select d.account_id, d.device_id from devices d ${f.where}`, params: f.params },
        bounds,
      );
    }),
  ]);
  return {
    devices,
    alerts,
    supplies,
    collectors,
    volumes: {
      lastMonth: presentVolume(bounds[0] as Date, volumes[0]),
      thisMonth: presentVolume(bounds[1] as Date, volumes[1]),
    },
    generatedAt: now.toISOString(),
  };
}

async function deviceCounts(
  sql: Sql,
  scope: Scope,
  narrowing: Narrowing,
): Promise<DashboardSummary["devices"]> {
  const f = scoped(scope, narrowing, deviceColumns).and("d.retired_at is null");
  const row = (
    await sql.query<Record<"total" | "not_reporting" | "ok" | "warning" | "error" | "offline", number>>(
      `select count(*)::int as total,
              count(*) filter (where d.not_reporting_since is not null)::int as not_reporting,
              count(*) filter (where d.status_summary = 'ok')::int as ok,
              count(*) filter (where d.status_summary = 'warning')::int as warning,
              count(*) filter (where d.status_summary = 'error')::int as error,
              count(*) filter (where d.status_summary = 'offline')::int as offline
       from devices d ${f.where}`,
      f.params,
    )
  ).rows[0] as Record<string, number>;
  return {
    total: row.total ?? 0,
    reporting: (row.total ?? 0) - (row.not_reporting ?? 0),
    notReporting: row.not_reporting ?? 0,
    byStatus: {
      ok: row.ok ?? 0,
      warning: row.warning ?? 0,
      error: row.error ?? 0,
      offline: row.offline ?? 0,
    },
  };
}

async function alertCounts(
  sql: Sql,
  scope: Scope,
  narrowing: Narrowing,
): Promise<DashboardSummary["alerts"]> {
  const f = scoped(scope, narrowing, {
    account: "a.account_id",
    customer: "a.customer_id",
    site: "a.site_id",
  });
  f.and("a.closed_at is null");
  const rows = (
    await sql.query<{ kind: string; count: number }>(
      `select a.kind, count(*)::int as count from alerts a ${f.where} group by a.kind order by count desc, a.kind`,
      f.params,
    )
  ).rows;
  return { open: rows.reduce((sum, r) => sum + r.count, 0), byKind: rows };
}

async function supplyCounts(
  sql: Sql,
  scope: Scope,
  narrowing: Narrowing,
): Promise<DashboardSummary["supplies"]> {
  // Supplies have no site column: the device carries the site (and the retirement).
  const f = scoped(scope, narrowing, deviceColumns).and("d.retired_at is null");
  const days = f.param(dashboardForecastDays);
  // Hash joins over the scope's devices and supplies (see listLowSupplies), then one forecast
  // lookup per supply.
  await sql.query("set local jit = off; set local enable_nestloop = off");
  const row = (
    await sql.query<{ low: number; forecast: number }>(
      `select count(*) filter (where ${lowSupplyCondition("s")})::int as low,
              count(*) filter (where ${lowSupplyCondition("s")} is not true
                                 and ${forecastEmptyAt("s")} <= now() + make_interval(days => ${days}))::int as forecast
       from devices d
       join supplies s on s.account_id = d.account_id and s.customer_id = d.customer_id and s.device_id = d.device_id
       ${forecastJoin("s", `${lowSupplyCondition("s")} is not true`)}
       ${f.where}`,
      f.params,
    )
  ).rows[0];
  const low = row?.low ?? 0;
  const forecast = row?.forecast ?? 0;
  return { low, forecastEmpty: forecast, attention: low + forecast, forecastDays: dashboardForecastDays };
}

async function collectorCounts(
  sql: Sql,
  scope: Scope,
  narrowing: Narrowing,
): Promise<DashboardSummary["collectors"]> {
  const f = scoped(scope, narrowing, {
    account: "c.account_id",
    customer: "c.customer_id",
    site: "c.site_id",
  });
  f.and("c.revoked_at is null");
  // The same rule as the collector list: no contact within 3 refresh intervals of its settings.
  const row = (
    await sql.query<{ total: number; offline: number }>(
      `select count(*)::int as total,
              count(*) filter (where c.last_contact_at is null
                                  or c.last_contact_at <= now() - make_interval(mins => 3 * r.minutes))::int as offline
       from ${collectorFrom} ${f.where}`,
      f.params,
    )
  ).rows[0];
  return { total: row?.total ?? 0, offline: row?.offline ?? 0 };
}
