import type { z } from "zod";
import type { Sql } from "../db/pool.ts";
import { keysetPlan, pageWithCursor } from "../fleet/keyset.ts";
import { findCustomer, findSite } from "../tenancy/lookups.ts";
import { SqlFilter } from "../tenancy/pagination.ts";
import { filterByScope } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import { forecastEmptyAt, forecastJoin } from "./forecast.ts";
import { type LowSupplyRow, supplyBaseColumns } from "./presenters.ts";
import type { lowSuppliesQuerySchema } from "./schemas.ts";

/**
 * Supplies at or below a level (or reported low or empty, or forecast to run out within some
 * days), lowest first. The forecast takes one history lookup per supply: without a forecast
 * filter only the page's supplies need one, so it is made after the page is cut.
 */
export async function listLowSupplies(
  sql: Sql,
  scope: Scope,
  query: z.output<typeof lowSuppliesQuerySchema>,
): Promise<{ rows: LowSupplyRow[]; nextCursor: string | null }> {
  if (query.customerId) await findCustomer(sql, scope, query.customerId);
  if (query.siteId) await findSite(sql, scope, query.siteId);
  // Supplies have no site column: the device carries the site (and the retirement).
  const f = filterByScope(new SqlFilter(), scope, {
    account: "d.account_id",
    customer: "d.customer_id",
    site: "d.site_id",
  });
  f.and("d.retired_at is null");
  f.equalsIf("d.customer_id", query.customerId);
  f.equalsIf("d.site_id", query.siteId);
  f.equalsIf("s.type", query.type);
  // float8, as in the partial index supplies_low: a threshold up to 20 % reads only that index.
  const wanted = [`s.level_percent <= ${f.param(query.threshold)}::float8`, "s.state in ('low', 'empty')"];
  if (query.forecastDays)
    wanted.push(`${forecastEmptyAt("s")} <= now() + make_interval(days => ${f.param(query.forecastDays)})`);
  f.and(`(${wanted.join(" or ")})`);
  const plan = keysetPlan(f, {
    sort: "levelPercent",
    column: { expr: "s.level_percent", type: "real", nullable: true },
    ties: [
      { expr: "d.device_id", type: "uuid" },
      { expr: "s.supply_key", type: "text" },
    ],
    cursor: query.cursor,
  });
  if (plan.after) f.and(plan.after);
  // The planner cannot see past row-level security how many supplies and devices pass; hash joins
  // keep the cost at one pass over them (the forecast's lateral lookups stay loops). No JIT.
  await sql.query("set local jit = off; set local enable_nestloop = off");
  const rows = (
    await sql.query<LowSupplyRow & { sort_key: string | null }>(
      `select p.*, c.name as customer_name, st.name as site_name, ${forecastEmptyAt("p")} as forecast_empty_at,
              round(greatest(0, extract(epoch from ${forecastEmptyAt("p")} - now()) / 86400)::numeric, 1)::float8
                as days_to_empty
       from (
         select ${supplyBaseColumns}, ${plan.select}, row_number() over (${plan.orderBy}) as ord,
                d.name as device_name, d.vendor, d.model, d.serial, host(d.ip) as ip, d.location, d.customer_id,
                d.site_id
         from supplies s
         join devices d on d.account_id = s.account_id and d.customer_id = s.customer_id and d.device_id = s.device_id
         ${query.forecastDays ? forecastJoin("s", `(${wanted[0]} or ${wanted[1]}) is not true`) : ""}
         ${f.where}
         ${plan.orderBy}
         limit ${query.limit + 1}) p
       join customers c on c.account_id = p.account_id and c.customer_id = p.customer_id
       join sites st on st.account_id = p.account_id and st.site_id = p.site_id
       ${forecastJoin("p")}
       order by p.ord`,
      f.params,
    )
  ).rows;
  return pageWithCursor(rows, query.limit, "levelPercent");
}
