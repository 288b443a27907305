import type { Sql } from "../db/pool.ts";
import { notFound } from "../http/errors.ts";
import { SqlFilter } from "../tenancy/pagination.ts";
import { filterByScope } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import type { Collector, EnrolmentToken } from "./schemas.ts";
import { defaultSettings } from "./settings-model.ts";

/** Queries and presenters of collectors and enrolment tokens (rows never leave this module raw). */

export interface CollectorRow {
  account_id: string;
  collector_id: string;
  customer_id: string;
  site_id: string;
  name: string;
  hostname: string | null;
  os: string | null;
  version: string | null;
  enrolled_at: Date | null;
  last_contact_at: Date | null;
  last_discovery_at: Date | null;
  last_refresh_at: Date | null;
  last_scan_at: Date | null;
  last_scan_devices: number | null;
  health: { queuedScans?: number; errors?: string[] } | null;
  revoked_at: Date | null;
  created_at: Date;
  refresh_interval_minutes: number;
  online: boolean;
  delivered_settings_digest: string | null;
}

/** The effective refresh interval of collector `c` (lowest level that sets it), for "online". */
const refreshInterval = `coalesce(
  (select (s.settings->>'refreshIntervalMinutes')::int from collector_settings s
    where s.account_id = c.account_id and s.level = 'collector' and s.scope_id = c.collector_id),
  (select (s.settings->>'refreshIntervalMinutes')::int from collector_settings s
    where s.account_id = c.account_id and s.level = 'site' and s.scope_id = c.site_id),
  (select (s.settings->>'refreshIntervalMinutes')::int from collector_settings s
    where s.account_id = c.account_id and s.level = 'customer' and s.scope_id = c.customer_id),
  (select (s.settings->>'refreshIntervalMinutes')::int from collector_settings s
    where s.account_id = c.account_id and s.level = 'account' and s.scope_id = c.account_id),
  ${defaultSettings.refreshIntervalMinutes})`;

/** Select list of a collector with its derived health (alias `c`). */
export const collectorColumns = `c.account_id, c.collector_id, c.customer_id, c.site_id, c.name, c.hostname, c.os,
  c.version, c.enrolled_at, c.last_contact_at, c.last_discovery_at, c.last_refresh_at, c.last_scan_at,
  c.last_scan_devices, c.health, c.revoked_at, c.created_at, c.delivered_settings_digest,
  r.minutes as refresh_interval_minutes,
  (c.revoked_at is null and c.last_contact_at > now() - make_interval(mins => 3 * r.minutes)) is true as online`;
export const collectorFrom = `collectors c cross join lateral (select ${refreshInterval} as minutes) r`;

/** One collector within the caller's scope; outside it, or missing: 404. */
export async function findCollector(
  sql: Sql,
  scope: Scope,
  collectorId: string,
  lock = false,
): Promise<CollectorRow> {
  const filter = filterByScope(new SqlFilter(), scope, {
    account: "c.account_id",
    customer: "c.customer_id",
    site: "c.site_id",
  });
  filter.and(`c.collector_id = ${filter.param(collectorId)}`);
  const result = await sql.query<CollectorRow>(
    `select ${collectorColumns} from ${collectorFrom} ${filter.where}${lock ? " for update of c" : ""}`,
    filter.params,
  );
  const row = result.rows[0];
  if (!row) throw notFound("collector");
  return row;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentCollector(row: CollectorRow): Collector {
  return {
    id: row.collector_id,
    accountId: row.account_id,
    customerId: row.customer_id,
    siteId: row.site_id,
    name: row.name,
    hostname: row.hostname,
    os: row.os,
    version: row.version,
    enrolledAt: iso(row.enrolled_at),
    lastContactAt: iso(row.last_contact_at),
    lastScanAt: iso(row.last_scan_at),
    lastScanDevices: row.last_scan_devices,
    lastDiscoveryAt: iso(row.last_discovery_at),
    lastRefreshAt: iso(row.last_refresh_at),
    queuedScans: typeof row.health?.queuedScans === "number" ? row.health.queuedScans : null,
    errors: Array.isArray(row.health?.errors) ? row.health.errors.filter((e) => typeof e === "string") : [],
    online: row.online,
    refreshIntervalMinutes: row.refresh_interval_minutes,
    revokedAt: iso(row.revoked_at),
    createdAt: row.created_at.toISOString(),
  };
}

export interface TokenRow {
  account_id: string;
  key_id: string;
  customer_id: string;
  site_id: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  collector_id: string | null;
  state: EnrolmentToken["state"];
}

/** Select list of an enrolment token (alias `t`), with its state. */
export const tokenColumns = `t.account_id, t.key_id, t.customer_id, t.site_id, t.created_by, t.created_at,
  t.expires_at, t.used_at, t.revoked_at, t.collector_id, ${tokenState("t")} as state`;

/** A token is used once a collector enrolled with it; unused, it expires. */
export function tokenState(alias: string): string {
  return `case when ${alias}.revoked_at is not null then 'revoked'
    when ${alias}.used_at is not null then 'used'
    when ${alias}.expires_at <= now() then 'expired' else 'active' end`;
}

export function presentToken(row: TokenRow): EnrolmentToken {
  return {
    id: row.key_id,
    accountId: row.account_id,
    customerId: row.customer_id,
    siteId: row.site_id,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at.toISOString(),
    usedAt: iso(row.used_at),
    revokedAt: iso(row.revoked_at),
    collectorId: row.collector_id,
    state: row.state,
  };
}

/**
 * Stops a collector for good: its key leaves the key directory (its next call gets 401
 * "unknown-key") and its enrolment tokens are revoked (so it cannot enrol again).
 */
export async function revokeCollectorAccess(sql: Sql, accountId: string, collectorId: string): Promise<void> {
  await sql.query(
    `update collectors set revoked_at = coalesce(revoked_at, now()), key_id = null, key_enc = null
     where account_id = $1 and collector_id = $2`,
    [accountId, collectorId],
  );
  await sql.query(
    `update enrolment_tokens set revoked_at = coalesce(revoked_at, now())
     where account_id = $1 and collector_id = $2`,
    [accountId, collectorId],
  );
  await sql.query("delete from collector_keys where account_id = $1 and collector_id = $2", [
    accountId,
    collectorId,
  ]);
}
