import type { Sql } from "../db/pool.ts";
import { run } from "./bulk.ts";
import type { Counters } from "./counters.ts";
import type { Candidate } from "./identity.ts";
import { vendorKey } from "./keys.ts";

/** What ingest reads before it decides: the candidate devices of a scan, in one query. */

export interface StoredDevice extends Candidate {
  lastReadingAt: Date | null;
  lastCounters: Counters | null;
  counterUnit: string | null;
  /** Per supply slot: its last reading. */
  supplies: Map<string, SupplyState>;
  /** The device's open alerts: kind → alert id. */
  openAlerts: Map<string, string>;
}

export interface SupplyState {
  levelPercent: number | null;
  level: number | null;
  state: string;
}

interface DeviceRow {
  device_id: string;
  site_id: string;
  vendor: string | null;
  serial_key: string | null;
  mac: string | null;
  ip: string | null;
  last_seen_at: Date;
  last_reading_at: Date | null;
  last_counters: Counters | null;
  counter_unit: string | null;
  duplicate_serial: boolean;
  supplies: Record<string, [number | null, number | null, string]>;
  open_alerts: Record<string, string>;
}

/** A vendor/serial pair of the scan that a device of another customer of the account reports. */
export interface ForeignSerial {
  serialKey: string;
  vendor: string | undefined;
}

export interface CandidateKeys {
  accountId: string;
  customerId: string;
  siteId: string;
  serials: string[];
  macs: string[];
  ips: string[];
}

/**
 * Every non-retired device of the customer that reports one of the scan's serials, or has one of
 * its MACs or addresses at the scan's site, with its supply levels and open alerts.
 *
 * Each key is looked up on its own (LATERAL ... OFFSET 0 keeps it a per-key index probe): a young
 * database has no statistics, and the planner then believes `account_id = $1` picks few rows
 * and would rather scan the account than probe an index a hundred times. The `is not null`
 * terms let it use the partial indexes (a join clause does not prove their predicate).
 */
export async function loadCandidates(sql: Sql, keys: CandidateKeys): Promise<StoredDevice[]> {
  const rows = await run<DeviceRow>(
    sql,
    "load-candidates",
    `with found as (
       select x.device_id from unnest($4::text[]) k(v) cross join lateral (
         select device_id from devices
         where account_id = $1 and serial_key = k.v and serial_key is not null and retired_at is null offset 0) x
       union
       select x.device_id from unnest($5::macaddr[]) k(v) cross join lateral (
         select device_id from devices
         where account_id = $1 and site_id = $3 and mac = k.v and mac is not null offset 0) x
       union
       select x.device_id from unnest($6::inet[]) k(v) cross join lateral (
         select device_id from devices where account_id = $1 and site_id = $3 and ip = k.v offset 0) x)
     select d.* from found cross join lateral (
       select d.device_id, d.customer_id, d.retired_at, d.site_id, d.vendor, d.serial_key, d.mac::text as mac,
         host(d.ip) as ip, d.last_seen_at, d.last_reading_at, d.last_counters, d.counter_unit, d.duplicate_serial,
         coalesce((select jsonb_object_agg(s.supply_key, jsonb_build_array(s.level_percent, s.level, s.state))
                   from supplies s where s.account_id = d.account_id and s.device_id = d.device_id), '{}')
           as supplies,
         coalesce((select jsonb_object_agg(a.kind, a.alert_id) from alerts a
                   where a.account_id = d.account_id and a.device_id = d.device_id and a.closed_at is null),
                  '{}') as open_alerts
       from devices d where d.account_id = $1 and d.device_id = found.device_id offset 0) d
     where d.customer_id = $2 and d.retired_at is null`,
    [keys.accountId, keys.customerId, keys.siteId, keys.serials, keys.macs, keys.ips],
  );
  return rows.map(
    (d): StoredDevice => ({
      deviceId: d.device_id,
      siteId: d.site_id,
      vendor: vendorKey(d.vendor),
      serialKey: d.serial_key ?? undefined,
      mac: d.mac ?? undefined,
      ip: d.ip ?? undefined,
      lastSeenAt: d.last_seen_at.getTime(),
      duplicateSerial: d.duplicate_serial,
      isNew: false,
      lastReadingAt: d.last_reading_at,
      lastCounters: d.last_counters,
      counterUnit: d.counter_unit,
      supplies: new Map(
        Object.entries(d.supplies).map(([key, [levelPercent, level, state]]) => [
          key,
          { levelPercent, level, state },
        ]),
      ),
      openAlerts: new Map(Object.entries(d.open_alerts)),
    }),
  );
}

/** Which of `serials` devices of the account's other customers report (migration 0040). */
export async function serialsOfOtherCustomers(
  sql: Sql,
  customerId: string,
  serials: string[],
): Promise<ForeignSerial[]> {
  if (serials.length === 0) return [];
  const rows = await run<{ serial_key: string; vendor: string | null }>(
    sql,
    "serials-of-other-customers",
    "select serial_key, vendor from dp_serials_of_other_customers($1, $2::text[])",
    [customerId, serials],
  );
  return rows.map((r) => ({ serialKey: r.serial_key, vendor: vendorKey(r.vendor) }));
}

/**
 * Serializes the creation of devices within a customer, so two scans that find the same new
 * printer at once do not both create it. Taken only by scans that create devices.
 */
export async function lockDeviceCreation(sql: Sql, accountId: string, customerId: string): Promise<void> {
  await run(sql, "lock-device-creation", "select pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `dp-ingest-new-devices:${accountId}:${customerId}`,
  ]);
}

/** How often one portal process lets ingest check the statistics (migration 0040). */
const statisticsEveryMs = 2_000;
let statisticsCheckedAt = 0;

/**
 * Keeps the statistics of the tables ingest reads when autovacuum does not (dp_ingest_statistics
 * in migration 0040); at most every couple of seconds per process, a no-op with autovacuum on.
 */
export async function refreshStatistics(sql: Sql, now = Date.now()): Promise<void> {
  if (now - statisticsCheckedAt < statisticsEveryMs) return;
  statisticsCheckedAt = now;
  await run(sql, "statistics", "select dp_ingest_statistics()", []);
}
