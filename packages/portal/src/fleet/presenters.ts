import { presentSupply, type SupplyRow } from "../supplies/presenters.ts";
import type { Device, DeviceAlert, DeviceDetail, DeviceStatus, MeterReading } from "./schemas.ts";

/** Rows as the fleet queries select them, and the one place they become API objects. */

export interface DeviceRow {
  account_id: string;
  device_id: string;
  customer_id: string;
  customer_name: string;
  site_id: string;
  site_name: string;
  collector_id: string | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  mac: string | null;
  ip: string | null;
  name: string | null;
  location: string | null;
  location_note: string | null;
  asset_tag: string | null;
  firmware: string | null;
  sys_object_id: string | null;
  sys_descr: string | null;
  counter_unit: string | null;
  duplicate_serial: boolean;
  first_seen_at: Date;
  last_seen_at: Date;
  last_counters: Record<string, unknown> | null;
  last_reading_at: Date | null;
  device_state: string | null;
  printer_state: string | null;
  errors: string[];
  not_reporting_since: Date | null;
  status_summary: DeviceStatus;
  total_counter: number | null;
  open_alert_count: number;
  lowest_supply_percent: number | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentDevice(row: DeviceRow): Device {
  return {
    id: row.device_id,
    accountId: row.account_id,
    customer: { id: row.customer_id, name: row.customer_name },
    site: { id: row.site_id, name: row.site_name },
    vendor: row.vendor,
    model: row.model,
    serial: row.serial,
    mac: row.mac,
    ip: row.ip,
    name: row.name,
    location: row.location,
    locationNote: row.location_note,
    assetTag: row.asset_tag,
    firmware: row.firmware,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    notReportingSince: iso(row.not_reporting_since),
    status: row.status_summary,
    errors: row.errors,
    duplicateSerial: row.duplicate_serial,
    openAlertCount: row.open_alert_count,
    lowestSupplyPercent: row.lowest_supply_percent,
    totalCounter: row.total_counter,
    counterUnit: row.counter_unit,
  };
}

export interface DeviceAlertRow {
  alert_id: string;
  kind: string;
  severity: DeviceAlert["severity"];
  source: DeviceAlert["source"];
  message: string | null;
  opened_at: Date;
}

export function presentDeviceDetail(
  row: DeviceRow,
  supplies: SupplyRow[],
  alerts: DeviceAlertRow[],
): DeviceDetail {
  return {
    ...presentDevice(row),
    collectorId: row.collector_id,
    sysObjectId: row.sys_object_id,
    sysDescr: row.sys_descr,
    deviceState: row.device_state,
    printerState: row.printer_state,
    counters: numericCounters(row.last_counters),
    lastReadingAt: iso(row.last_reading_at),
    supplies: supplies.map(presentSupply),
    openAlerts: alerts.map((a) => ({
      id: a.alert_id,
      kind: a.kind,
      severity: a.severity,
      source: a.source,
      message: a.message,
      openedAt: a.opened_at.toISOString(),
    })),
    webUrl: deviceWebUrl(row.ip),
  };
}

/** The device's own web page; an IPv6 address goes in brackets. */
export function deviceWebUrl(ip: string | null): string | null {
  if (!ip) return null;
  return ip.includes(":") ? `http://[${ip}]/` : `http://${ip}/`;
}

export interface ReadingRow {
  read_at: Date;
  counters: Record<string, unknown>;
  counter_unit: string | null;
  anomaly: MeterReading["anomaly"];
}

export function presentReading(row: ReadingRow): MeterReading {
  return {
    readAt: row.read_at.toISOString(),
    counters: numericCounters(row.counters),
    counterUnit: row.counter_unit,
    anomaly: row.anomaly,
  };
}

/** Counters as stored are numbers by name; anything else (never written by ingest) is left out. */
function numericCounters(counters: Record<string, unknown> | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters ?? {}))
    if (typeof value === "number") out[name] = value;
  return out;
}
