import { randomUUID } from "node:crypto";
import type { Db } from "../db/pool.ts";

/**
 * Fleet test data written straight into the database (what ingest would have stored), in bulk:
 * one statement per table and chunk, with readings generated inside PostgreSQL. Tests use it for
 * realistic fleets, the benchmark for 10,000 devices. Small exact helpers follow for tests that
 * need precise rows.
 */

export interface FleetSeedOptions {
  accountId: string;
  customerId: string;
  /** Sites of the customer; devices are spread over them in turn. */
  siteIds: string[];
  count: number;
  /** Meter and supply readings per device, the newest at `now`. Default 3. */
  readingsPerDevice?: number;
  /** Hours between two readings. Default 24. */
  readingIntervalHours?: number;
  /** Supplies per device (black, cyan, magenta, yellow toner, drum, waste box …). Default 4. */
  suppliesPerDevice?: number;
  /** Every n-th device has an open alert (0: none). Default 10. */
  alertEvery?: number;
  /** Every n-th device is marked not reporting (0: none). Default 17. */
  notReportingEvery?: number;
  /** Prefix of serials, names and the second IP octet, so several fleets do not collide. Default "S". */
  prefix?: string;
  now?: Date;
}

export interface SeededFleet {
  deviceIds: string[];
  readings: number;
  supplies: number;
  alerts: number;
}

const vendors = ["HP", "Kyocera", "Ricoh", "Canon", "Brother", "Xerox", "Konica Minolta", "Lexmark"];
const models = ["LaserJet M507", "ECOSYS P3155dn", "IM C3000", "iR-ADV C5535", "MFC-L8900", "VersaLink C405"];
const supplyKinds = [
  { key: "1.1", type: "toner", color: "black" },
  { key: "1.2", type: "toner", color: "cyan" },
  { key: "1.3", type: "toner", color: "magenta" },
  { key: "1.4", type: "toner", color: "yellow" },
  { key: "1.5", type: "drum", color: null },
  { key: "1.6", type: "waste", color: null },
  { key: "1.7", type: "fuser", color: null },
  { key: "1.8", type: "transfer", color: null },
] as const;
const errorCycle: string[][] = [[], [], [], [], [], ["lowToner"], [], ["jammed"], [], ["lowPaper"]];
const chunkSize = 2000;

/** Inserts `count` devices of one customer with readings, supplies, supply readings and alerts. */
export async function seedFleet(db: Db, options: FleetSeedOptions): Promise<SeededFleet> {
  const readings = options.readingsPerDevice ?? 3;
  const intervalHours = options.readingIntervalHours ?? 24;
  const suppliesPer = Math.min(options.suppliesPerDevice ?? 4, supplyKinds.length);
  const alertEvery = options.alertEvery ?? 10;
  const staleEvery = options.notReportingEvery ?? 17;
  const prefix = options.prefix ?? "S";
  const now = options.now ?? new Date();
  const octet = [...prefix].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 250;
  const deviceIds: string[] = [];
  let alerts = 0;

  for (let start = 0; start < options.count; start += chunkSize) {
    const n = Math.min(chunkSize, options.count - start);
    const d = {
      id: [] as string[],
      site: [] as string[],
      vendor: [] as string[],
      model: [] as string[],
      serial: [] as string[],
      mac: [] as string[],
      ip: [] as string[],
      name: [] as string[],
      location: [] as string[],
      state: [] as string[],
      errors: [] as string[],
      stale: [] as boolean[],
      baseTotal: [] as number[],
      perDay: [] as number[],
      colorShare: [] as number[],
    };
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const errors = errorCycle[i % errorCycle.length] as string[];
      d.id.push(randomUUID());
      d.site.push(options.siteIds[i % options.siteIds.length] as string);
      d.vendor.push(vendors[i % vendors.length] as string);
      d.model.push(models[(i * 7) % models.length] as string);
      d.serial.push(`${prefix}${String(i).padStart(7, "0")}`);
      d.mac.push(
        [0x02, octet, (i >> 16) & 255, (i >> 8) & 255, i & 255, 1]
          .map((b) => b.toString(16).padStart(2, "0"))
          .join(":"),
      );
      d.ip.push(`10.${octet}.${(i >> 8) & 255}.${i & 255}`);
      d.name.push(`${prefix.toLowerCase()}-printer-${i}`);
      d.location.push(`Floor ${i % 9}, room ${100 + (i % 40)}`);
      d.state.push(errors.includes("jammed") ? "down" : errors.length ? "warning" : "running");
      d.errors.push(`{${errors.join(",")}}`);
      d.stale.push(staleEvery > 0 && i % staleEvery === staleEvery - 1);
      d.baseTotal.push(10_000 + ((i * 7919) % 500_000));
      d.perDay.push(20 + ((i * 31) % 400));
      d.colorShare.push(i % 3 === 0 ? 0 : ((i * 13) % 50) / 100);
    }
    deviceIds.push(...d.id);

    await db.system(async (sql) => {
      // Devices: the newest counters are those of the newest reading (k = readings - 1).
      await sql.query(
        `insert into devices (account_id, device_id, customer_id, site_id, vendor, model, serial, serial_key, mac, ip,
                              name, location, firmware, counter_unit, first_seen_at, last_seen_at, last_counters,
                              last_reading_at, device_state, printer_state, errors, not_reporting_since)
         select $1, t.id, $2, t.site, t.vendor, t.model, t.serial, upper(t.serial), t.mac::macaddr, t.ip::inet,
                t.name, t.location, '2.' || (t.ord % 10), 'impressions',
                $3::timestamptz - make_interval(hours => $4::int * ($5::int + 30)),
                case when t.stale then $3::timestamptz - interval '3 days' else $3::timestamptz end,
                jsonb_build_object('total', t.total, 'mono', t.total - round(t.total * t.share)::bigint,
                                   'color', round(t.total * t.share)::bigint),
                case when t.stale then $3::timestamptz - interval '3 days' else $3::timestamptz end,
                t.state, case when t.state = 'down' then 'other' else 'idle' end, t.errors::text[],
                case when t.stale then $3::timestamptz - interval '3 days' end
         from (select *, base + per_day * ($5::int - 1) * $4::int / 24 as total
               from unnest($6::uuid[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                           $13::text[], $14::text[], $15::text[], $16::text[], $17::boolean[], $18::bigint[],
                           $19::bigint[], $20::real[])
                    with ordinality as u(id, site, vendor, model, serial, mac, ip, name, location, state, errors,
                                         stale, base, per_day, share, ord)) t`,
        [
          options.accountId,
          options.customerId,
          now,
          intervalHours,
          readings,
          d.id,
          d.site,
          d.vendor,
          d.model,
          d.serial,
          d.mac,
          d.ip,
          d.name,
          d.location,
          d.state,
          d.errors,
          d.stale,
          d.baseTotal,
          d.perDay,
          d.colorShare,
        ],
      );
      if (readings > 0)
        await sql.query(
          `insert into meter_readings (account_id, device_id, read_at, customer_id, counters, counter_unit)
           select $1, u.id, $3::timestamptz - make_interval(hours => $4::int * ($5::int - 1 - k)), $2,
                  jsonb_build_object('total', tot, 'mono', tot - round(tot * u.share)::bigint,
                                     'color', round(tot * u.share)::bigint),
                  'impressions'
           from unnest($6::uuid[], $7::bigint[], $8::bigint[], $9::real[]) as u(id, base, per_day, share)
           cross join generate_series(0, $5::int - 1) as k
           cross join lateral (select u.base + u.per_day * k * $4::int / 24 as tot) c`,
          [
            options.accountId,
            options.customerId,
            now,
            intervalHours,
            readings,
            d.id,
            d.baseTotal,
            d.perDay,
            d.colorShare,
          ],
        );
      // Supplies fall 2 points a reading from a level that differs by device and slot; some are low.
      const kinds = supplyKinds.slice(0, suppliesPer);
      await sql.query(
        `insert into supplies (account_id, device_id, supply_key, customer_id, type, color, description, part_number,
                               level_percent, state, level, max_capacity, unit, last_read_at)
         select $1, u.id, s.key, $2, s.type, s.color, initcap(coalesce(s.color || ' ', '') || s.type),
                'PN-' || s.type || coalesce('-' || s.color, ''), lvl, case when lvl <= 0 then 'empty'
                when lvl <= 10 then 'low' else 'ok' end, (lvl * 100)::int, 10000, 'impressions', $3::timestamptz
         from unnest($4::uuid[]) with ordinality as u(id, ord)
         cross join unnest($5::text[], $6::text[], $7::text[]) with ordinality as s(key, type, color, slot)
         cross join lateral (select greatest(0, ((u.ord * 37 + s.slot * 53) % 100)::real) as lvl) l`,
        [
          options.accountId,
          options.customerId,
          now,
          d.id,
          kinds.map((k) => k.key),
          kinds.map((k) => k.type),
          kinds.map((k) => k.color),
        ],
      );
      if (readings > 0)
        await sql.query(
          `insert into supply_readings (account_id, device_id, supply_key, read_at, customer_id, level_percent, level, state)
           select s.account_id, s.device_id, s.supply_key,
                  $2::timestamptz - make_interval(hours => $3::int * ($4::int - 1 - k)), s.customer_id,
                  least(100, s.level_percent + 2 * ($4::int - 1 - k)), null, s.state
           from supplies s cross join generate_series(0, $4::int - 1) as k
           where s.account_id = $1 and s.device_id = any($5::uuid[])`,
          [options.accountId, now, intervalHours, readings, d.id],
        );
      if (alertEvery > 0) {
        const result = await sql.query(
          `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, message, opened_at)
           select $1, u.id, $2, u.site, case when u.ord % 2 = 0 then 'jammed' else 'supply-low' end,
                  case when u.ord % 2 = 0 then 'critical' else 'warning' end, 'device', 'seeded alert',
                  $3::timestamptz - make_interval(mins => u.ord::int)
           from unnest($4::uuid[], $5::uuid[]) with ordinality as u(id, site, ord)
           where (u.ord - 1 + $6) % $7 = $7 - 1`,
          [options.accountId, options.customerId, now, d.id, d.site, start, alertEvery],
        );
        alerts += result.rowCount ?? 0;
      }
    });
  }
  // What autovacuum does after a bulk load in production; the test service runs without it, and
  // without statistics the planner takes row-level-security-filtered tables for empty.
  await db.system((sql) => sql.query("analyze devices, supplies, supply_readings, meter_readings, alerts"));
  return {
    deviceIds,
    readings: deviceIds.length * readings,
    supplies: deviceIds.length * suppliesPer,
    alerts,
  };
}

// ---- exact rows for tests

export interface DeviceFields {
  accountId: string;
  customerId: string;
  siteId: string;
  deviceId?: string;
  vendor?: string | null;
  model?: string | null;
  serial?: string | null;
  mac?: string | null;
  ip?: string | null;
  name?: string | null;
  location?: string | null;
  assetTag?: string | null;
  firmware?: string | null;
  counters?: Record<string, number> | null;
  counterUnit?: string | null;
  deviceState?: string | null;
  printerState?: string | null;
  errors?: string[];
  duplicateSerial?: boolean;
  firstSeenAt?: Date;
  lastSeenAt?: Date;
  notReportingSince?: Date | null;
  collectorId?: string | null;
  retiredAt?: Date | null;
}

/** One device with exactly the given fields (the rest empty); answers its id. */
export async function insertDevice(db: Db, f: DeviceFields): Promise<string> {
  const id = f.deviceId ?? randomUUID();
  const lastSeen = f.lastSeenAt ?? new Date();
  await db.system((sql) =>
    sql.query(
      `insert into devices (account_id, device_id, customer_id, site_id, vendor, model, serial, serial_key, mac, ip,
                            name, location, asset_tag, firmware, last_counters, last_reading_at, counter_unit,
                            device_state, printer_state, errors, duplicate_serial, first_seen_at, last_seen_at,
                            not_reporting_since, collector_id, retired_at)
       values ($1, $2, $3, $4, $5, $6, $7, upper(replace($7, ' ', '')), $8, $9, $10, $11, $12, $13, $14,
               case when $14::jsonb is null then null else $21::timestamptz end, $15, $16, $17, $18, $19, $20, $21,
               $22, $23, $24)`,
      [
        f.accountId,
        id,
        f.customerId,
        f.siteId,
        f.vendor ?? null,
        f.model ?? null,
        f.serial ?? null,
        f.mac ?? null,
        f.ip ?? null,
        f.name ?? null,
        f.location ?? null,
        f.assetTag ?? null,
        f.firmware ?? null,
        f.counters ? JSON.stringify(f.counters) : null,
        f.counterUnit ?? null,
        f.deviceState ?? null,
        f.printerState ?? null,
        f.errors ?? [],
        f.duplicateSerial ?? false,
        f.firstSeenAt ?? lastSeen,
        lastSeen,
        f.notReportingSince ?? null,
        f.collectorId ?? null,
        f.retiredAt ?? null,
      ],
    ),
  );
  return id;
}

export interface ReadingFields {
  readAt: Date;
  counters: Record<string, number>;
  anomaly?: "backwards" | "jump" | null;
}

/** Meter readings of one device; the device's current counters become those of the newest. */
export async function insertReadings(
  db: Db,
  device: { accountId: string; customerId: string; deviceId: string },
  readings: ReadingFields[],
): Promise<void> {
  if (!readings.length) return;
  await db.system(async (sql) => {
    await sql.query(
      `insert into meter_readings (account_id, device_id, read_at, customer_id, counters, counter_unit, anomaly)
       select $1, $2, r.read_at, $3, r.counters, 'impressions', r.anomaly
       from unnest($4::timestamptz[], $5::jsonb[], $6::text[]) as r(read_at, counters, anomaly)`,
      [
        device.accountId,
        device.deviceId,
        device.customerId,
        readings.map((r) => r.readAt),
        readings.map((r) => JSON.stringify(r.counters)),
        readings.map((r) => r.anomaly ?? null),
      ],
    );
    await sql.query(
      `update devices d set last_counters = m.counters, last_reading_at = m.read_at
       from (select counters, read_at from meter_readings where account_id = $1 and device_id = $2
             order by read_at desc limit 1) m
       where d.account_id = $1 and d.device_id = $2`,
      [device.accountId, device.deviceId],
    );
  });
}

export interface SupplyFields {
  key: string;
  type?: string;
  color?: string | null;
  description?: string | null;
  partNumber?: string | null;
  levelPercent: number | null;
  state?: string;
  lastReadAt?: Date;
  lastChangedAt?: Date | null;
}

export async function insertSupply(
  db: Db,
  device: { accountId: string; customerId: string; deviceId: string },
  s: SupplyFields,
): Promise<void> {
  await db.system((sql) =>
    sql.query(
      `insert into supplies (account_id, device_id, supply_key, customer_id, type, color, description, part_number,
                             level_percent, state, last_read_at, last_changed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        device.accountId,
        device.deviceId,
        s.key,
        device.customerId,
        s.type ?? "toner",
        s.color ?? null,
        s.description ?? null,
        s.partNumber ?? null,
        s.levelPercent,
        s.state ?? "ok",
        s.lastReadAt ?? new Date(),
        s.lastChangedAt ?? null,
      ],
    ),
  );
}

export async function insertSupplyReadings(
  db: Db,
  device: { accountId: string; customerId: string; deviceId: string },
  supplyKey: string,
  readings: { readAt: Date; levelPercent: number | null; state?: string }[],
): Promise<void> {
  await db.system((sql) =>
    sql.query(
      `insert into supply_readings (account_id, device_id, supply_key, read_at, customer_id, level_percent, state)
       select $1, $2, $3, r.read_at, $4, r.level, r.state
       from unnest($5::timestamptz[], $6::real[], $7::text[]) as r(read_at, level, state)`,
      [
        device.accountId,
        device.deviceId,
        supplyKey,
        device.customerId,
        readings.map((r) => r.readAt),
        readings.map((r) => r.levelPercent),
        readings.map((r) => r.state ?? "ok"),
      ],
    ),
  );
}

export async function insertSupplyChange(
  db: Db,
  device: { accountId: string; customerId: string; deviceId: string },
  change: {
    supplyKey: string;
    changedAt: Date;
    levelBefore: number | null;
    levelAfter: number | null;
    totalAtChange: number | null;
  },
): Promise<void> {
  await db.system((sql) =>
    sql.query(
      `insert into supply_changes (account_id, device_id, supply_key, changed_at, customer_id, level_before,
                                   level_after, total_at_change)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        device.accountId,
        device.deviceId,
        change.supplyKey,
        change.changedAt,
        device.customerId,
        change.levelBefore,
        change.levelAfter,
        change.totalAtChange,
      ],
    ),
  );
}

export interface AlertFields {
  kind: string;
  severity?: "info" | "warning" | "critical";
  source?: "device" | "portal";
  message?: string | null;
  openedAt?: Date;
  closedAt?: Date | null;
}

/** One alert of a device (customer and site taken from the device); answers its id. */
export async function insertAlert(
  db: Db,
  device: { accountId: string; deviceId: string },
  a: AlertFields,
): Promise<string> {
  return db.system(async (sql) => {
    const result = await sql.query<{ alert_id: string }>(
      `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, message, opened_at,
                           closed_at)
       select account_id, device_id, customer_id, site_id, $3, $4, $5, $6, $7, $8
       from devices where account_id = $1 and device_id = $2
       returning alert_id`,
      [
        device.accountId,
        device.deviceId,
        a.kind,
        a.severity ?? "warning",
        a.source ?? "device",
        a.message ?? null,
        a.openedAt ?? new Date(),
        a.closedAt ?? null,
      ],
    );
    const id = result.rows[0]?.alert_id;
    if (!id) throw new Error(`no device ${device.deviceId}`);
    return id;
  });
}
