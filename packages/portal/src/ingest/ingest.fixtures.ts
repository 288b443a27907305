import { randomUUID } from "node:crypto";
import type { DeviceRecord, ScanFile } from "@device-portal/protocol";
import type { Sql } from "../db/pool.ts";
import { seedTenantTree, type TenantTree } from "../testing/tenants.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { type IngestResult, ingestScan, type ScanOrigin } from "./ingest-scan.ts";

/** A fresh database with the test tenant tree and one collector per site of customer A1. */
export interface IngestWorld {
  t: TestDatabase;
  tree: TenantTree;
  /** Collector of site A1 north (the default origin), of A1 south, of A2 main. */
  north: Omit<ScanOrigin, "receivedAt">;
  south: Omit<ScanOrigin, "receivedAt">;
  a2: Omit<ScanOrigin, "receivedAt">;
  ingest(scan: ScanFile, origin?: Omit<ScanOrigin, "receivedAt">, receivedAt?: Date): Promise<IngestResult>;
  /** A query as the owner (every account), for checking what ingest wrote. */
  rows<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export async function ingestWorld(): Promise<IngestWorld> {
  const t = await createTestDatabase();
  const tree = await seedTenantTree(t.db);
  const collector = async (customerId: string, siteId: string) =>
    t.db.system(async (sql) => {
      const result = await sql.query<{ collector_id: string }>(
        `insert into collectors (account_id, customer_id, site_id, name) values ($1, $2, $3, 'ICE')
         returning collector_id`,
        [tree.a.accountId, customerId, siteId],
      );
      return {
        accountId: tree.a.accountId,
        customerId,
        siteId,
        collectorId: result.rows[0]?.collector_id as string,
      };
    });
  const north = await collector(tree.a.a1, tree.a.a1North);
  const south = await collector(tree.a.a1, tree.a.a1South);
  const a2 = await collector(tree.a.a2, tree.a.a2Main);
  return {
    t,
    tree,
    north,
    south,
    a2,
    ingest: (scan, origin = north, receivedAt = new Date(Date.parse(scan.endedAt) + 5_000)) =>
      t.db.tenant(
        { kind: "customer", accountId: origin.accountId, customerId: origin.customerId },
        (sql: Sql) => ingestScan(sql, { ...origin, receivedAt }, scan),
      ),
    rows: async (text, params = []) => t.db.system(async (sql) => (await sql.query(text, params)).rows),
  };
}

/** A colour printer as a discovery reads it; `over` replaces any field. */
export function printer(over: Partial<DeviceRecord> & { ip: string }): DeviceRecord {
  return {
    vendor: "Kyocera",
    model: "ECOSYS M6630cidn",
    serial: "VCF5092824",
    mac: "00:17:c8:4a:0b:9e",
    name: "KM-EMPFANG",
    location: "Empfang",
    firmware: "2S0_2000.005.012",
    sysObjectId: "1.3.6.1.4.1.1347.41",
    counters: { total: 10_000, mono: 8_000, color: 2_000 },
    counterUnit: "impressions",
    supplies: [
      {
        index: "1.1",
        type: "toner",
        class: "consumed",
        color: "black",
        description: "TK-5240K",
        levelPercent: 60,
        state: "ok",
        level: 2400,
        maxCapacity: 4000,
        unit: "impressions",
      },
      {
        index: "1.2",
        type: "toner",
        class: "consumed",
        color: "cyan",
        description: "TK-5240C",
        levelPercent: 50,
        state: "ok",
      },
    ],
    status: { device: "running", printer: "idle", errors: [] },
    alerts: [],
    ...over,
  };
}

/** What a refresh reads of a known device: no MAC, no name or location, the serial and readings. */
export function refreshOf(record: DeviceRecord, over: Partial<DeviceRecord> = {}): DeviceRecord {
  const { mac: _mac, name: _name, location: _location, model: _model, firmware: _firmware, ...rest } = record;
  return { ...rest, ...over };
}

let minute = 0;
/** A scan of `devices`; each call ends a minute after the previous one unless `endedAt` is given. */
export function scanOf(devices: DeviceRecord[], over: Partial<Omit<ScanFile, "devices">> = {}): ScanFile {
  const endedAt =
    over.endedAt ?? new Date(Date.parse("2026-11-30T10:00:00.000Z") + ++minute * 60_000).toISOString();
  return {
    scanId: randomUUID(),
    kind: "discovery",
    startedAt: new Date(Date.parse(endedAt) - 30_000).toISOString(),
    endedAt,
    settingsDigest: "0".repeat(64),
    collector: { id: "c", version: "1.0.0", hostname: "ice", os: "linux" },
    health: { version: "1.0.0", startedAt: "2026-11-29T00:00:00.000Z", queuedScans: 0, errors: [] },
    ranges: [],
    ...over,
    devices: devices.map((device) => ({ credential: 0, device })),
  };
}

/** A time `days` after `iso`, as ISO text. */
export function later(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}
