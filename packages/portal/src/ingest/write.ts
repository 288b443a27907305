import type { Sql } from "../db/pool.ts";
import { bulk, run } from "./bulk.ts";
import type { CounterCheck, Counters } from "./counters.ts";
import type { Severity } from "./device-alerts.ts";

/**
 * The set-based writes of one scan: each takes every row of the scan (in slices of bulkRows) as
 * JSON, so a scan costs the same few statements whether it holds 1 device or 1,000.
 * Every statement also names the account and customer, besides the tenant wall.
 */

export interface Tenant {
  accountId: string;
  customerId: string;
}

/** Identity and status of a device as one reading reports it; null = not reported. */
export interface DeviceRow {
  device_id: string;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  serial_key: string | null;
  mac: string | null;
  ip: string | null;
  name: string | null;
  location: string | null;
  firmware: string | null;
  sys_object_id: string | null;
  sys_descr: string | null;
  counter_unit: string | null;
  snmp_credential: number;
  duplicate_serial: boolean;
  /** null: the reading had no counters (the stored ones stay). */
  last_counters: Counters | null;
  device_state: string | null;
  printer_state: string | null;
  errors: string[];
}

/**
 * Creates the new devices and updates the known ones with a reading newer than their last: one
 * upsert, found by primary key (no plan to go wrong). The reading sets site, address, status and
 * counters; identity fields merge, so what it did not carry (null) keeps its stored value.
 */
export async function upsertDevices(
  sql: Sql,
  t: Tenant,
  siteId: string,
  collectorId: string,
  readAt: Date,
  rows: DeviceRow[],
): Promise<void> {
  await bulk(
    sql,
    "upsert-devices",
    `insert into devices as d (account_id, device_id, customer_id, site_id, collector_id, vendor, model, serial,
       serial_key, mac, ip, name, location, firmware, sys_object_id, sys_descr, counter_unit, snmp_credential,
       duplicate_serial, first_seen_at, last_seen_at, last_counters, last_reading_at, device_state, printer_state,
       errors)
     select $1, v.device_id, $2, $3, $4, v.vendor, v.model, v.serial, v.serial_key, v.mac, v.ip, v.name,
       v.location, v.firmware, v.sys_object_id, v.sys_descr, v.counter_unit, v.snmp_credential, v.duplicate_serial,
       $5, $5, v.last_counters, $5, v.device_state, v.printer_state, v.errors
     from jsonb_to_recordset($6) as v(device_id uuid, vendor text, model text, serial text, serial_key text,
       mac macaddr, ip inet, name text, location text, firmware text, sys_object_id text, sys_descr text,
       counter_unit text, snmp_credential integer, duplicate_serial boolean, last_counters jsonb,
       device_state text, printer_state text, errors text[])
     on conflict (account_id, device_id) do update set
       site_id = excluded.site_id, collector_id = excluded.collector_id,
       vendor = coalesce(excluded.vendor, d.vendor), model = coalesce(excluded.model, d.model),
       serial = coalesce(excluded.serial, d.serial), serial_key = coalesce(excluded.serial_key, d.serial_key),
       mac = coalesce(excluded.mac, d.mac), ip = coalesce(excluded.ip, d.ip),
       name = coalesce(excluded.name, d.name), location = coalesce(excluded.location, d.location),
       firmware = coalesce(excluded.firmware, d.firmware),
       sys_object_id = coalesce(excluded.sys_object_id, d.sys_object_id),
       sys_descr = coalesce(excluded.sys_descr, d.sys_descr),
       counter_unit = coalesce(excluded.counter_unit, d.counter_unit),
       snmp_credential = excluded.snmp_credential,
       duplicate_serial = d.duplicate_serial or excluded.duplicate_serial,
       last_seen_at = greatest(d.last_seen_at, excluded.last_seen_at),
       last_counters = coalesce(excluded.last_counters, d.last_counters),
       last_reading_at = excluded.last_reading_at,
       device_state = excluded.device_state, printer_state = excluded.printer_state, errors = excluded.errors,
       not_reporting_since = null
     where d.customer_id = excluded.customer_id
       and (d.last_reading_at is null or d.last_reading_at < excluded.last_reading_at)`,
    [t.accountId, t.customerId, siteId, collectorId, readAt],
    rows,
  );
}

/** Flags devices the upsert does not touch: the other half of a duplicate, a late reading's device. */
export async function flagDuplicateSerial(sql: Sql, t: Tenant, deviceIds: string[]): Promise<void> {
  if (deviceIds.length === 0) return;
  await run(
    sql,
    "flag-duplicate-serial",
    `update devices set duplicate_serial = true
     where account_id = $1 and customer_id = $2 and device_id = any($3::uuid[]) and not duplicate_serial`,
    [t.accountId, t.customerId, deviceIds],
  );
}

export interface MeterRow extends Pick<CounterCheck, "anomaly"> {
  device_id: string;
  counters: Counters;
  counter_unit: string | null;
  anomaly_detail: CounterCheck["detail"];
}

/** Returns the readings stored: a device already read at this time keeps its reading. */
export async function insertMeterReadings(
  sql: Sql,
  t: Tenant,
  scanId: string,
  readAt: Date,
  rows: MeterRow[],
): Promise<{ anomaly: string | null }[]> {
  return bulk(
    sql,
    "insert-meter-readings",
    `insert into meter_readings (account_id, device_id, read_at, customer_id, scan_id, counters, counter_unit,
       anomaly, anomaly_detail)
     select $1, v.device_id, $3, $2, $4, v.counters, v.counter_unit, v.anomaly, v.anomaly_detail
     from jsonb_to_recordset($5) as v(device_id uuid, counters jsonb, counter_unit text, anomaly text,
       anomaly_detail jsonb)
     on conflict do nothing
     returning anomaly`,
    [t.accountId, t.customerId, readAt, scanId],
    rows,
  );
}

export interface SupplyRow {
  device_id: string;
  supply_key: string;
  type: string;
  color: string | null;
  description: string | null;
  part_number: string | null;
  level_percent: number | null;
  state: string;
  level: number | null;
  max_capacity: number | null;
  unit: string | null;
  /** A cartridge change at this reading. */
  changed: boolean;
}

/** The slots' current state, from readings newer than the slot's last one. */
export async function upsertSupplies(sql: Sql, t: Tenant, readAt: Date, rows: SupplyRow[]): Promise<void> {
  await bulk(
    sql,
    "upsert-supplies",
    `insert into supplies (account_id, device_id, supply_key, customer_id, type, color, description, part_number,
       level_percent, state, level, max_capacity, unit, last_read_at, last_changed_at)
     select $1, v.device_id, v.supply_key, $2, v.type, v.color, v.description, v.part_number, v.level_percent,
       v.state, v.level, v.max_capacity, v.unit, $3, case when v.changed then $3::timestamptz end
     from jsonb_to_recordset($4) as v(device_id uuid, supply_key text, type text, color text, description text,
       part_number text, level_percent real, state text, level integer, max_capacity integer, unit text,
       changed boolean)
     on conflict (account_id, device_id, supply_key) do update set
       type = excluded.type, color = coalesce(excluded.color, supplies.color),
       description = coalesce(excluded.description, supplies.description),
       part_number = coalesce(excluded.part_number, supplies.part_number),
       level_percent = excluded.level_percent, state = excluded.state, level = excluded.level,
       max_capacity = excluded.max_capacity, unit = coalesce(excluded.unit, supplies.unit),
       last_read_at = excluded.last_read_at,
       last_changed_at = coalesce(excluded.last_changed_at, supplies.last_changed_at)
     where supplies.last_read_at < excluded.last_read_at`,
    [t.accountId, t.customerId, readAt],
    rows,
  );
}

export interface SupplyReadingRow {
  device_id: string;
  supply_key: string;
  level_percent: number | null;
  level: number | null;
  state: string;
}

export async function insertSupplyReadings(
  sql: Sql,
  t: Tenant,
  readAt: Date,
  rows: SupplyReadingRow[],
): Promise<void> {
  await bulk(
    sql,
    "insert-supply-readings",
    `insert into supply_readings (account_id, device_id, supply_key, read_at, customer_id, level_percent, level, state)
     select $1, v.device_id, v.supply_key, $3, $2, v.level_percent, v.level, v.state
     from jsonb_to_recordset($4) as v(device_id uuid, supply_key text, level_percent real, level integer, state text)
     on conflict do nothing`,
    [t.accountId, t.customerId, readAt],
    rows,
  );
}

export interface SupplyChangeRow {
  device_id: string;
  supply_key: string;
  level_before: number;
  level_after: number;
  total_at_change: number | null;
}

export async function insertSupplyChanges(
  sql: Sql,
  t: Tenant,
  readAt: Date,
  rows: SupplyChangeRow[],
): Promise<void> {
  await bulk(
    sql,
    "insert-supply-changes",
    `insert into supply_changes (account_id, device_id, supply_key, changed_at, customer_id, level_before,
       level_after, total_at_change)
     select $1, v.device_id, v.supply_key, $3, $2, v.level_before, v.level_after, v.total_at_change
     from jsonb_to_recordset($4) as v(device_id uuid, supply_key text, level_before real, level_after real,
       total_at_change bigint)
     on conflict do nothing`,
    [t.accountId, t.customerId, readAt],
    rows,
  );
}

export interface OpenAlertRow {
  device_id: string;
  site_id: string;
  kind: string;
  severity: Severity;
  source: "device" | "portal";
  message: string | null;
  opened_at: string;
}

/** Opens each alert unless one of its kind is open on the device; an open one takes the new text. */
export async function openAlerts(sql: Sql, t: Tenant, rows: OpenAlertRow[]): Promise<void> {
  await bulk(
    sql,
    "open-alerts",
    `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, message, opened_at)
     select $1, v.device_id, $2, v.site_id, v.kind, v.severity, v.source, v.message, v.opened_at
     from jsonb_to_recordset($3) as v(device_id uuid, site_id uuid, kind text, severity text, source text,
       message text, opened_at timestamptz)
     on conflict (account_id, device_id, kind) where closed_at is null do update set
       severity = excluded.severity, message = excluded.message
     where (alerts.severity, alerts.message) is distinct from (excluded.severity, excluded.message)`,
    [t.accountId, t.customerId],
    rows,
  );
}

/** Closes alerts a newer reading no longer reports, by id (ingest loaded the open ones). */
export async function closeAlerts(sql: Sql, t: Tenant, readAt: Date, alertIds: string[]): Promise<void> {
  if (alertIds.length === 0) return;
  await run(
    sql,
    "close-alerts",
    `update alerts set closed_at = greatest(opened_at, $3)
     where account_id = $1 and customer_id = $2 and alert_id = any($4::uuid[]) and closed_at is null`,
    [t.accountId, t.customerId, readAt, alertIds],
  );
}

/** A device that moved to the scan's site takes its open alerts along (site users see them). */
export async function moveOpenAlerts(
  sql: Sql,
  t: Tenant,
  siteId: string,
  deviceIds: string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  await run(
    sql,
    "move-open-alerts",
    `update alerts set site_id = $3
     where account_id = $1 and customer_id = $2 and device_id = any($4::uuid[]) and closed_at is null
       and site_id <> $3`,
    [t.accountId, t.customerId, siteId, deviceIds],
  );
}
