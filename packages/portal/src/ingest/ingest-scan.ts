import { randomUUID } from "node:crypto";
import type { DeviceRecord, ScanFile } from "@device-portal/protocol";
import type { Sql } from "../db/pool.ts";
import { run } from "./bulk.ts";
import { checkCounters, nextLastCounters, type PreviousCounters } from "./counters.ts";
import { followsReadings, reportedAlerts } from "./device-alerts.ts";
import {
  type Candidate,
  type DuplicateOf,
  type IdentityDecision,
  identify,
  type ReadingKeys,
} from "./identity.ts";
import { ipKey, macKey, serialKey, vendorKey } from "./keys.ts";
import {
  loadCandidates,
  lockDeviceCreation,
  refreshStatistics,
  type StoredDevice,
  serialsOfOtherCustomers,
} from "./load.ts";
import { isCartridgeChange, keyedSupplies, sameLevel, supplyAlerts } from "./supplies.ts";
import {
  closeAlerts,
  type DeviceRow,
  flagDuplicateSerial,
  insertMeterReadings,
  insertSupplyChanges,
  insertSupplyReadings,
  type MeterRow,
  moveOpenAlerts,
  type OpenAlertRow,
  openAlerts,
  type SupplyChangeRow,
  type SupplyReadingRow,
  type SupplyRow,
  type Tenant,
  upsertDevices,
  upsertSupplies,
} from "./write.ts";

/** Where a scan came from: the collector's tenant, known from its key before the file is read. */
export interface ScanOrigin {
  accountId: string;
  customerId: string;
  siteId: string;
  collectorId: string;
  receivedAt: Date;
}

export interface IngestResult {
  /** false: this scan id was already stored (idempotent); nothing else was written. */
  stored: boolean;
  /** Devices read (a device read at two addresses counts once). */
  devices: number;
  newDevices: number;
  /** Meter readings stored. */
  readings: number;
  /** Of those, flagged backwards or jump. */
  anomalies: number;
}

/**
 * Stores one scan file (docs/ingest.md): the scan, its devices, meter readings, supplies and
 * alerts. Runs inside the caller's transaction, db.tenant({ kind: "customer", accountId,
 * customerId }, ...), with a fixed number of statements per scan whatever its size.
 */
export async function ingestScan(
  sql: Sql,
  origin: ScanOrigin,
  scan: ScanFile,
  xmlGz?: Buffer,
): Promise<IngestResult> {
  const tenant: Tenant = { accountId: origin.accountId, customerId: origin.customerId };
  if (!(await storeScan(sql, origin, scan, xmlGz))) {
    return { stored: false, devices: 0, newDevices: 0, readings: 0, anomalies: 0 };
  }
  const readAt = readTime(scan, origin.receivedAt);
  const keys = scan.devices.map((d) => readingKeys(d.device));

  const candidateKeys = {
    accountId: origin.accountId,
    customerId: origin.customerId,
    siteId: origin.siteId,
    serials: distinct(keys.map((k) => k.serial)),
    macs: distinct(keys.map((k) => k.mac)),
    ips: distinct(keys.map((k) => k.ip)),
  };
  const foreignSerials = await serialsOfOtherCustomers(sql, origin.customerId, candidateKeys.serials);
  const decide = (devices: StoredDevice[]) =>
    identify({
      readings: keys,
      candidates: devices,
      siteId: origin.siteId,
      foreignSerials,
      newDevice: (k) => ({
        deviceId: randomUUID(),
        siteId: origin.siteId,
        vendor: k.vendor,
        serialKey: k.serial,
        mac: k.mac,
        ip: k.ip,
        lastSeenAt: readAt.getTime(),
        duplicateSerial: false,
        isNew: true,
      }),
    });
  let candidates = await loadCandidates(sql, candidateKeys);
  let decision = decide(candidates);
  if (decision.identities.some((i) => i.device.isNew)) {
    // Decide again under the lock: another scan may have created some of these devices meanwhile.
    await lockDeviceCreation(sql, origin.accountId, origin.customerId);
    candidates = await loadCandidates(sql, candidateKeys);
    decision = decide(candidates);
  }
  const stored = new Map(candidates.map((d) => [d.deviceId, d]));

  const plan = planWrites(origin, scan, keys, readAt, decision, stored);

  await upsertDevices(sql, tenant, origin.siteId, origin.collectorId, readAt, plan.devices);
  await flagDuplicateSerial(sql, tenant, plan.flagOnly);
  const meters = await insertMeterReadings(sql, tenant, scan.scanId, readAt, plan.meters);
  await upsertSupplies(sql, tenant, readAt, plan.supplies);
  await insertSupplyReadings(sql, tenant, readAt, plan.supplyReadings);
  await insertSupplyChanges(sql, tenant, readAt, plan.supplyChanges);
  await openAlerts(sql, tenant, plan.openAlerts);
  await closeAlerts(sql, tenant, readAt, plan.closeAlerts);
  await moveOpenAlerts(sql, tenant, origin.siteId, plan.moved);
  await refreshStatistics(sql);

  return {
    stored: true,
    devices: plan.devicesRead,
    newDevices: plan.newDevices,
    readings: meters.length,
    anomalies: meters.filter((m) => m.anomaly !== null).length,
  };
}

/**
 * The time of every reading of the scan: its end (every device had been read by then), but never
 * after the upload arrived, so a collector clock running ahead cannot date readings in the future.
 */
export function readTime(scan: ScanFile, receivedAt: Date): Date {
  const ended = Date.parse(scan.endedAt);
  return new Date(Math.min(ended, receivedAt.getTime()));
}

/** Records the scan once per id; false when the id was stored before (its deliveries counted). */
async function storeScan(sql: Sql, origin: ScanOrigin, scan: ScanFile, xmlGz: Buffer | undefined) {
  // The select also proves the site is the customer's: a scan for a foreign site stores nothing.
  const [row] = await run<{ inserted: boolean }>(
    sql,
    "store-scan",
    `insert into scans (account_id, scan_id, collector_id, customer_id, site_id, kind, started_at, ended_at,
       received_at, device_count, ranges, xml_gz)
     select $1, $2, $3, $4, s.site_id, $6, $7, $8, $9, $10, $11, $12
     from sites s where s.account_id = $1 and s.customer_id = $4 and s.site_id = $5
     on conflict (account_id, scan_id) do update set deliveries = scans.deliveries + 1
     returning (xmax = 0) as inserted`,
    [
      origin.accountId,
      scan.scanId,
      origin.collectorId,
      origin.customerId,
      origin.siteId,
      scan.kind,
      scan.startedAt,
      scan.endedAt,
      origin.receivedAt,
      scan.devices.length,
      JSON.stringify(scan.ranges),
      xmlGz ?? null,
    ],
  );
  if (!row) throw new Error(`site ${origin.siteId} is not a site of customer ${origin.customerId}`);
  return row.inserted;
}

function readingKeys(record: DeviceRecord): ReadingKeys {
  return {
    vendor: vendorKey(record.vendor),
    serial: serialKey(record.serial),
    mac: macKey(record.mac),
    ip: ipKey(record.ip),
  };
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

interface WritePlan {
  devicesRead: number;
  newDevices: number;
  /** New devices, and known ones this scan read later than their last reading. */
  devices: DeviceRow[];
  flagOnly: string[];
  moved: string[];
  meters: MeterRow[];
  supplies: SupplyRow[];
  supplyReadings: SupplyReadingRow[];
  supplyChanges: SupplyChangeRow[];
  openAlerts: OpenAlertRow[];
  closeAlerts: string[];
}

/** Turns the decisions into the rows of every bulk statement (nothing is written here). */
function planWrites(
  origin: ScanOrigin,
  scan: ScanFile,
  keys: ReadingKeys[],
  readAt: Date,
  decision: IdentityDecision,
  stored: Map<string, StoredDevice>,
): WritePlan {
  const plan: WritePlan = {
    devicesRead: 0,
    newDevices: 0,
    devices: [],
    flagOnly: [],
    moved: [],
    meters: [],
    supplies: [],
    supplyReadings: [],
    supplyChanges: [],
    openAlerts: [],
    closeAlerts: [],
  };
  const readAtIso = readAt.toISOString();
  const upserted = new Set<Candidate>();

  decision.identities.forEach((identity, i) => {
    const reading = scan.devices[i];
    const identityKeys = keys[i];
    if (identity.kind !== "device" || !reading || !identityKeys) return;
    const record = reading.device;
    const device = identity.device;
    const before = stored.get(device.deviceId);
    // A reading older than the device's last one (a late upload) is history: its counters and
    // supply levels are stored, but the device, its supplies and alerts stay as the newer one left them.
    const newer = !before || before.lastReadingAt === null || readAt > before.lastReadingAt;
    const previous: PreviousCounters | undefined =
      before?.lastCounters && before.lastReadingAt
        ? { counters: before.lastCounters, unit: before.counterUnit, readAt: before.lastReadingAt }
        : undefined;
    const hasCounters = Object.keys(record.counters).length > 0;
    plan.devicesRead++;
    if (device.isNew) plan.newDevices++;

    if (hasCounters) {
      const check = newer ? checkCounters(previous, record.counters, record.counterUnit, readAt) : undefined;
      plan.meters.push({
        device_id: device.deviceId,
        counters: record.counters,
        counter_unit: record.counterUnit ?? null,
        anomaly: check?.anomaly ?? null,
        anomaly_detail: check?.detail ?? null,
      });
    }

    const supplies = keyedSupplies(record.supplies);
    for (const { key, supply } of supplies) {
      // The level history keeps the steps: a reading that repeats the slot's last one adds no row.
      const last = newer ? before?.supplies.get(key) : undefined;
      if (last && sameLevel(last, supply)) continue;
      plan.supplyReadings.push({
        device_id: device.deviceId,
        supply_key: key,
        level_percent: supply.levelPercent,
        level: supply.level ?? null,
        state: supply.state,
      });
    }
    if (!newer) return;

    upserted.add(device);
    plan.devices.push({
      ...deviceRow(device, record, identityKeys, decision.duplicates.has(device)),
      snmp_credential: reading.credential,
      last_counters: hasCounters ? nextLastCounters(previous, record.counters, record.counterUnit) : null,
    });
    if (before && before.siteId !== origin.siteId) plan.moved.push(device.deviceId);

    for (const { key, supply } of supplies) {
      const last = before?.supplies.get(key);
      const changed = last !== undefined && isCartridgeChange(last.levelPercent, supply.levelPercent);
      if (changed && last.levelPercent !== null && supply.levelPercent !== null) {
        plan.supplyChanges.push({
          device_id: device.deviceId,
          supply_key: key,
          level_before: last.levelPercent,
          level_after: supply.levelPercent,
          total_at_change: record.counters.total ?? null,
        });
      }
      plan.supplies.push({
        device_id: device.deviceId,
        supply_key: key,
        type: supply.type,
        color: supply.color ?? null,
        description: supply.description ?? null,
        part_number: supply.partNumber ?? null,
        level_percent: supply.levelPercent,
        state: supply.state,
        level: supply.level ?? null,
        max_capacity: supply.maxCapacity ?? null,
        unit: supply.unit ?? null,
        changed,
      });
    }

    const wanted = new Set<string>();
    const open = (row: Omit<OpenAlertRow, "device_id" | "site_id">) => {
      wanted.add(row.kind);
      plan.openAlerts.push({ device_id: device.deviceId, site_id: origin.siteId, ...row });
    };
    for (const alert of reportedAlerts(record, readAt)) {
      open({ ...alert, source: "device", opened_at: alert.openedAt.toISOString() });
    }
    for (const alert of supplyAlerts(record.supplies))
      open({ ...alert, source: "portal", opened_at: readAtIso });
    // A reading without supplies says nothing about them: their alerts stay as they are.
    if (record.supplies.length === 0) wanted.add("supply-low").add("supply-empty");
    for (const [kind, alertId] of before?.openAlerts ?? []) {
      if (followsReadings(kind) && !wanted.has(kind)) plan.closeAlerts.push(alertId);
    }
  });

  for (const [device, of] of decision.duplicates) {
    if (!upserted.has(device)) plan.flagOnly.push(device.deviceId);
    plan.openAlerts.push({
      device_id: device.deviceId,
      site_id: device.siteId,
      kind: "duplicate-serial",
      severity: "warning",
      source: "portal",
      message: duplicateMessage(device, of),
      opened_at: readAtIso,
    });
  }
  // Rows that update existing ones go in one order (by key), so two scans that read the same
  // devices (collectors with overlapping ranges) lock them in the same order and cannot deadlock.
  const byKey = (a: { device_id: string }, b: { device_id: string }, x = "", y = "") =>
    a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : x < y ? -1 : x > y ? 1 : 0;
  plan.devices.sort((a, b) => byKey(a, b));
  plan.supplies.sort((a, b) => byKey(a, b, a.supply_key, b.supply_key));
  plan.openAlerts.sort((a, b) => byKey(a, b, a.kind, b.kind));
  plan.closeAlerts.sort();
  return plan;
}

function deviceRow(
  device: Candidate,
  record: DeviceRecord,
  /** The record's identity keys, as readingKeys made them. */
  keys: ReadingKeys,
  duplicate: boolean,
): Omit<DeviceRow, "snmp_credential" | "last_counters"> {
  const text = (value: string | undefined) => (value === undefined ? null : value);
  return {
    device_id: device.deviceId,
    vendor: text(record.vendor),
    model: text(record.model),
    serial: keys.serial === undefined ? null : text(record.serial),
    serial_key: text(keys.serial),
    mac: text(keys.mac),
    ip: text(keys.ip),
    name: text(record.name),
    location: text(record.location),
    firmware: text(record.firmware),
    sys_object_id: text(record.sysObjectId),
    sys_descr: text(record.sysDescr),
    counter_unit: text(record.counterUnit),
    duplicate_serial: duplicate,
    device_state: text(record.status.device),
    printer_state: text(record.status.printer),
    errors: record.status.errors,
  };
}

function duplicateMessage(device: Candidate, of: DuplicateOf[]): string {
  const others = of.map((o) =>
    o.kind === "other-customer"
      ? "a device of another customer"
      : `the device at ${o.device.ip ?? "an unknown address"}`,
  );
  return `Serial ${device.serialKey ?? ""} is also reported by ${[...new Set(others)].join(" and ")}`;
}
