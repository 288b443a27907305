import type { Sql } from "../db/pool.ts";
import { notFound } from "../http/errors.ts";
import { lowSupplyPercent } from "../supplies/schemas.ts";
import { findCustomer, findSite } from "../tenancy/lookups.ts";
import { SqlFilter } from "../tenancy/pagination.ts";
import { filterByScope } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import { keysetPlan, pageWithCursor, type SortColumn } from "./keyset.ts";
import type { DeviceRow } from "./presenters.ts";
import type { DeviceFilter, DeviceSortField } from "./schemas.ts";

/**
 * Reading devices for the list, the export and the detail. A list is two statements: the page's
 * keys (one pass over the filtered devices, sorted), then the page's rows with names, open-alert
 * counts and lowest supply levels (index lookups for the page only).
 */

const sortColumns: Record<DeviceSortField, SortColumn & { joins?: true }> = {
  lastSeenAt: { expr: "d.last_seen_at", type: "timestamptz", nullable: false },
  vendor: { expr: "d.vendor", type: "text", nullable: true },
  model: { expr: "d.model", type: "text", nullable: true },
  serial: { expr: "d.serial", type: "text", nullable: true },
  ip: { expr: "d.ip", type: "inet", nullable: true },
  customerName: { expr: "c.name", type: "text", nullable: false, joins: true },
  siteName: { expr: "s.name", type: "text", nullable: false, joins: true },
  totalCounter: { expr: "d.total_counter", type: "bigint", nullable: true },
};

/** A supply that counts as low: the "lowSupplies" filter and the supplies/low list agree on this. */
export const lowSupplyCondition = (alias: string) =>
  `(${alias}.level_percent <= ${lowSupplyPercent} or ${alias}.state in ('low', 'empty'))`;

/** The devices of the scope that pass the filters (customer and site filters must lie in the scope). */
export async function deviceFilterSql(sql: Sql, scope: Scope, query: DeviceFilter): Promise<SqlFilter> {
  // A customer or site outside the scope is answered as not found, like any foreign id.
  if (query.customerId) await findCustomer(sql, scope, query.customerId);
  if (query.siteId) await findSite(sql, scope, query.siteId);
  const f = filterByScope(new SqlFilter(), scope, {
    account: "d.account_id",
    customer: "d.customer_id",
    site: "d.site_id",
  });
  f.and("d.retired_at is null");
  f.equalsIf("d.customer_id", query.customerId);
  f.equalsIf("d.site_id", query.siteId);
  if (query.vendor) f.and(`lower(d.vendor) = lower(${f.param(query.vendor)})`);
  if (query.model) f.and(`lower(d.model) = lower(${f.param(query.model)})`);
  f.search(
    ["d.serial", "d.model", "d.name", "host(d.ip)", "d.location", "d.location_note", "d.asset_tag"],
    query.q,
  );
  if (query.status) f.and(`d.status_summary = any(${f.param(query.status)}::text[])`);
  if (query.hasAlerts !== undefined)
    f.and(
      `${query.hasAlerts ? "" : "not "}exists (select 1 from alerts a where a.account_id = d.account_id
         and a.customer_id = d.customer_id and a.device_id = d.device_id and a.closed_at is null)`,
    );
  if (query.lowSupplies !== undefined)
    f.and(
      `${query.lowSupplies ? "" : "not "}exists (select 1 from supplies sp where sp.account_id = d.account_id
         and sp.customer_id = d.customer_id and sp.device_id = d.device_id and ${lowSupplyCondition("sp")})`,
    );
  if (query.notReporting !== undefined)
    f.and(`d.not_reporting_since is ${query.notReporting ? "not " : ""}null`);
  if (query.duplicateSerial !== undefined) f.and(`d.duplicate_serial = ${f.param(query.duplicateSerial)}`);
  return f;
}

export interface DevicePageOptions {
  cursor?: string | undefined;
  limit: number;
}

/** One page of devices in the filter's order; `limit` bounds the export too. */
export async function listDevices(
  sql: Sql,
  scope: Scope,
  query: DeviceFilter,
  page: DevicePageOptions,
): Promise<{ rows: DeviceRow[]; nextCursor: string | null }> {
  const filter = await deviceFilterSql(sql, scope, query);
  const field = query.sort.replace(/^-/, "") as DeviceSortField;
  const column = sortColumns[field];
  const where = filter.where;
  const plan = keysetPlan(filter, {
    sort: query.sort,
    column,
    ties: [{ expr: "d.device_id", type: "uuid" }],
    cursor: page.cursor,
  });
  const after = plan.after ? `where ${plan.after}` : "";
  // Name sorts join customers and sites to the filtered devices. The subquery keeps the scope's
  // constant customer (or site) from replacing the join condition, which would leave the planner
  // nothing but a lookup per device.
  const from = column.joins
    ? `(select d.account_id, d.device_id, d.customer_id, d.site_id from devices d ${where} offset 0) d
       join customers c on c.account_id = d.account_id and c.customer_id = d.customer_id
       join sites s on s.account_id = d.account_id and s.site_id = d.site_id
       ${after}`
    : `devices d ${plan.after ? `${where ? `${where} and` : "where"} ${plan.after}` : where}`;
  // Row-level security hides from the planner how many rows pass (it expects a handful where a
  // customer has thousands), so left alone it picks per-row loops for the alert and supply filters.
  // Hash joins instead make the cost one pass over the scope's devices, whatever the filters; the
  // sort then keeps only the page. JIT compilation costs more than any such query saves.
  await sql.query("set local jit = off; set local enable_nestloop = off");
  const keys = (
    await sql.query<{ account_id: string; device_id: string; sort_key: string | null; tie_0: string }>(
      `select d.account_id, d.device_id, ${plan.select} from ${from} ${plan.orderBy} limit ${page.limit + 1}`,
      filter.params,
    )
  ).rows;
  await sql.query("set local enable_nestloop = on");
  const result = pageWithCursor(keys, page.limit, query.sort);
  return { rows: await devicesByKeys(sql, scope, result.rows), nextCursor: result.nextCursor };
}

export const deviceColumns = `d.account_id, d.device_id, d.customer_id, c.name as customer_name, d.site_id,
  s.name as site_name, d.collector_id, d.vendor, d.model, d.serial, d.mac::text as mac, host(d.ip) as ip, d.name,
  d.location, d.location_note, d.asset_tag, d.firmware, d.sys_object_id, d.sys_descr, d.counter_unit,
  d.duplicate_serial, d.first_seen_at, d.last_seen_at, d.last_counters, d.last_reading_at, d.device_state,
  d.printer_state, d.errors, d.not_reporting_since, d.status_summary, d.total_counter,
  (select count(*)::int from alerts a
    where a.account_id = d.account_id and a.device_id = d.device_id and a.closed_at is null) as open_alert_count,
  (select min(sp.level_percent) from supplies sp
    where sp.account_id = d.account_id and sp.device_id = d.device_id) as lowest_supply_percent`;

const deviceJoins = `join customers c on c.account_id = d.account_id and c.customer_id = d.customer_id
  join sites s on s.account_id = d.account_id and s.site_id = d.site_id`;

/** The full rows of the given devices, in the given order. */
async function devicesByKeys(
  sql: Sql,
  scope: Scope,
  keys: { account_id: string; device_id: string }[],
): Promise<DeviceRow[]> {
  if (!keys.length) return [];
  const filter = filterByScope(new SqlFilter(), scope, {
    account: "d.account_id",
    customer: "d.customer_id",
    site: "d.site_id",
  });
  const accounts = filter.param(keys.map((k) => k.account_id));
  const devices = filter.param(keys.map((k) => k.device_id));
  return (
    await sql.query<DeviceRow>(
      `select ${deviceColumns}
       from unnest(${accounts}::uuid[], ${devices}::uuid[]) with ordinality as k(account_id, device_id, ord)
       join devices d on d.account_id = k.account_id and d.device_id = k.device_id
       ${deviceJoins}
       ${filter.where}
       order by k.ord`,
      filter.params,
    )
  ).rows;
}

/** One device of the scope, or 404 (also for a device of another tenant). */
export async function findDevice(sql: Sql, scope: Scope, deviceId: string, lock = false): Promise<DeviceRow> {
  const filter = filterByScope(new SqlFilter(), scope, {
    account: "d.account_id",
    customer: "d.customer_id",
    site: "d.site_id",
  });
  filter.and(`d.device_id = ${filter.param(deviceId)}`);
  if (lock) {
    // Taken first, before any alert row, in the order ingest and the stale-device job lock them.
    await sql.query(`select 1 from devices d ${filter.where} for no key update`, filter.params);
  }
  const row = (
    await sql.query<DeviceRow>(
      `select ${deviceColumns} from devices d ${deviceJoins} ${filter.where}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound("device");
  return row;
}
