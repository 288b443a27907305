import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { scanFileFromXml } from "@device-portal/protocol";
import { documentedExample, realisticScan } from "../../../protocol/src/scan-file/scan-file.fixtures.ts";
import { type IngestWorld, ingestWorld, later, printer, scanOf } from "./ingest.fixtures.ts";
import { ingestScan, type ScanOrigin } from "./ingest-scan.ts";

/** The tenant wall around ingest, and whole scan files from the protocol's fixtures. */
describe("ingest: tenant wall", () => {
  let w: IngestWorld;
  before(async () => {
    w = await ingestWorld();
  });
  after(() => w.t.drop());

  const counts = async () =>
    (
      await w.rows<{ scans: number; devices: number; readings: number }>(
        `select (select count(*) from scans) as scans, (select count(*) from devices) as devices,
                (select count(*) from meter_readings) as readings`,
      )
    )[0];
  const deviceOf = async (serial: string) =>
    w.rows<{
      customer_id: string;
      ip: string;
      duplicate_serial: boolean;
      last_counters: Record<string, number>;
    }>(
      `select customer_id, host(ip) as ip, duplicate_serial, last_counters from devices
       where serial_key = $1 order by customer_id`,
      [serial],
    );

  it("refuses to write for a customer outside the transaction's scope, and stores nothing", async () => {
    const before = await counts();
    const scan = scanOf([printer({ ip: "10.6.0.1", serial: "WALL-0" })]);
    // The transaction is walled to customer A2; the origin claims A1. The wall hides A1's site
    // (the site check refuses) and would refuse A1's rows besides.
    await assert.rejects(
      w.t.db.tenant({ kind: "customer", accountId: w.tree.a.accountId, customerId: w.tree.a.a2 }, (sql) =>
        ingestScan(sql, { ...w.north, receivedAt: new Date() }, scan),
      ),
      /is not a site of customer/,
    );
    await assert.rejects(
      w.t.db.tenant({ kind: "customer", accountId: w.tree.a.accountId, customerId: w.tree.a.a2 }, (sql) =>
        sql.query(
          `insert into devices (account_id, customer_id, site_id, first_seen_at, last_seen_at)
           values ($1, $2, $3, now(), now())`,
          [w.tree.a.accountId, w.tree.a.a1, w.tree.a.a1North],
        ),
      ),
      /row-level security/,
    );
    assert.deepEqual(await counts(), before);
  });

  it("refuses a site that is not the customer's, and stores nothing", async () => {
    const before = await counts();
    const origin = { ...w.north, siteId: w.tree.a.a2Main };
    await assert.rejects(
      w.ingest(scanOf([printer({ ip: "10.6.1.1", serial: "WALL-1" })]), origin),
      /is not a site of customer/,
    );
    assert.deepEqual(await counts(), before);
  });

  it("cannot reach another customer's device: the same serial there becomes a device here, flagged", async () => {
    const t0 = "2026-12-04T08:00:00.000Z";
    const record = printer({
      ip: "10.6.2.1",
      serial: "WALL-2",
      mac: "02:00:00:06:02:01",
      counters: { total: 100 },
    });
    await w.ingest(scanOf([record], { endedAt: t0 }));
    const result = await w.ingest(
      scanOf([{ ...record, ip: "10.9.2.1", counters: { total: 5 } }], { endedAt: later(t0, 1) }),
      w.a2,
    );
    assert.equal(result.newDevices, 1);
    const devices = await deviceOf("WALL-2");
    const a1 = devices.find((d) => d.customer_id === w.tree.a.a1);
    const a2 = devices.find((d) => d.customer_id === w.tree.a.a2);
    // A1's device is as A1's collector left it; A2's says whose serial it shares.
    assert.deepEqual(a1, {
      customer_id: w.tree.a.a1,
      ip: "10.6.2.1",
      duplicate_serial: false,
      last_counters: { total: 100 },
    });
    assert.equal(a2?.duplicate_serial, true);
    const [alert] = await w.rows<{ message: string }>(
      `select a.message from alerts a join devices d using (account_id, device_id)
       where d.serial_key = 'WALL-2' and a.kind = 'duplicate-serial'`,
    );
    assert.equal(alert?.message, "Serial WALL-2 is also reported by a device of another customer");

    // A1's next reading flags A1's device in turn, still without touching A2's.
    await w.ingest(scanOf([{ ...record, counters: { total: 150 } }], { endedAt: later(t0, 2) }));
    const after = await deviceOf("WALL-2");
    assert.deepEqual(
      after.map((d) => [d.customer_id, d.duplicate_serial, d.last_counters.total]),
      [
        [w.tree.a.a1, true, 150],
        [w.tree.a.a2, true, 5],
      ].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
    );
  });

  it("refuses a scan id another customer of the account already used, without touching that scan", async () => {
    const scan = scanOf([printer({ ip: "10.6.3.1", serial: "WALL-3" })]);
    await w.ingest(scan);
    await assert.rejects(w.ingest(scan, w.a2), /row-level security/);
    const [row] = await w.rows<{ customer_id: string; deliveries: number }>(
      "select customer_id, deliveries from scans where scan_id = $1",
      [scan.scanId],
    );
    assert.deepEqual(row, { customer_id: w.tree.a.a1, deliveries: 1 });
  });

  it("keeps accounts apart: another account stores the same scan id and serial for itself", async () => {
    const scan = scanOf([printer({ ip: "10.6.4.1", serial: "WALL-4", mac: "02:00:00:06:04:01" })]);
    await w.ingest(scan);
    const [collector] = await w.rows<{ collector_id: string }>(
      "insert into collectors (account_id, customer_id, site_id) values ($1, $2, $3) returning collector_id",
      [w.tree.b.accountId, w.tree.b.b1, w.tree.b.b1Main],
    );
    const b: Omit<ScanOrigin, "receivedAt"> = {
      accountId: w.tree.b.accountId,
      customerId: w.tree.b.b1,
      siteId: w.tree.b.b1Main,
      collectorId: collector?.collector_id as string,
    };
    const result = await w.ingest(scan, b);
    assert.equal(result.stored, true);
    assert.equal(result.newDevices, 1);
    // A serial in another account is not a duplicate.
    assert.deepEqual(
      (await deviceOf("WALL-4")).map((d) => d.duplicate_serial),
      [false, false],
    );
  });

  it("answers which serials other customers hold only within the caller's account", async () => {
    await w.ingest(scanOf([printer({ ip: "10.6.5.1", serial: "WALL-5" })]));
    const ask = (accountId: string, customerId: string) =>
      w.t.db.tenant({ kind: "customer", accountId, customerId }, async (sql) =>
        (
          await sql.query<{ serial_key: string }>(
            "select serial_key from dp_serials_of_other_customers($1, $2)",
            [customerId, ["WALL-5"]],
          )
        ).rows.map((r) => r.serial_key),
      );
    assert.deepEqual(await ask(w.tree.a.accountId, w.tree.a.a2), ["WALL-5"]);
    assert.deepEqual(await ask(w.tree.a.accountId, w.tree.a.a1), []);
    assert.deepEqual(await ask(w.tree.b.accountId, w.tree.b.b1), []);
  });
});

describe("ingest: whole scan files", () => {
  let w: IngestWorld;
  before(async () => {
    w = await ingestWorld();
  });
  after(() => w.t.drop());

  it("stores a realistic discovery of 60 printers, and a second scan of them as the same devices", async () => {
    const first = realisticScan(60);
    const result = await w.ingest(first, w.south);
    assert.deepEqual(result, { stored: true, devices: 60, newDevices: 60, readings: 60, anomalies: 0 });
    const supplies = first.devices.reduce((n, d) => n + d.device.supplies.length, 0);
    const [stored] = await w.rows<{ devices: number; supplies: number; history: number; alerts: number }>(
      `select (select count(*) from devices where site_id = $1) as devices,
              (select count(*) from supplies) as supplies, (select count(*) from supply_readings) as history,
              (select count(*) from alerts where closed_at is null) as alerts`,
      [w.tree.a.a1South],
    );
    assert.equal(stored?.devices, 60);
    assert.equal(stored?.supplies, supplies);
    assert.equal(stored?.history, supplies);
    const expectedAlerts = first.devices.reduce((n, { device }) => {
      const kinds = new Set([
        ...device.status.errors,
        ...device.alerts.map((a) => a.code),
        ...device.supplies.flatMap((s) => (s.state === "low" || s.state === "empty" ? [s.state] : [])),
      ]);
      return n + kinds.size;
    }, 0);
    assert.equal(stored?.alerts, expectedAlerts);

    const second = realisticScan(60);
    second.scanId = "7e3f2a10-9c4b-4d8e-a1f2-3b4c5d6e7f81";
    second.endedAt = later(first.endedAt, 1);
    for (const { device } of second.devices) {
      for (const name of Object.keys(device.counters))
        device.counters[name] = (device.counters[name] ?? 0) + 100;
    }
    const again = await w.ingest(second, w.south);
    assert.deepEqual(again, { stored: true, devices: 60, newDevices: 0, readings: 60, anomalies: 0 });
  });

  it("stores the documented example scan file", async () => {
    // In account B: the example's Kyocera serial is also one of the realistic scan's.
    const [collector] = await w.rows<{ collector_id: string }>(
      "insert into collectors (account_id, customer_id, site_id) values ($1, $2, $3) returning collector_id",
      [w.tree.b.accountId, w.tree.b.b1, w.tree.b.b1Main],
    );
    const b = {
      accountId: w.tree.b.accountId,
      customerId: w.tree.b.b1,
      siteId: w.tree.b.b1Main,
      collectorId: collector?.collector_id as string,
    };
    const xml = documentedExample();
    const scan = scanFileFromXml(xml);
    const xmlGz = gzipSync(xml);
    const receivedAt = new Date("2026-11-30T10:01:15.000Z");
    const result = await w.t.db.tenant(
      { kind: "customer", accountId: b.accountId, customerId: b.customerId },
      (sql) => ingestScan(sql, { ...b, receivedAt }, scan, xmlGz),
    );
    assert.deepEqual(result, { stored: true, devices: 2, newDevices: 2, readings: 2, anomalies: 0 });
    const alerts = await w.rows<{ kind: string; ip: string }>(
      `select a.kind, host(d.ip) as ip from alerts a join devices d using (account_id, device_id)
       where d.ip in ('192.0.2.17', '192.0.2.40') order by a.kind`,
    );
    assert.deepEqual(alerts, [
      { kind: "device-alert:inputMediaSupplyLow", ip: "192.0.2.40" },
      { kind: "lowPaper", ip: "192.0.2.40" },
    ]);
    const [row] = await w.rows("select * from scans where account_id = $1 and scan_id = $2", [
      b.accountId,
      scan.scanId,
    ]);
    assert.deepEqual(row, {
      account_id: b.accountId,
      scan_id: scan.scanId,
      collector_id: b.collectorId,
      customer_id: b.customerId,
      site_id: b.siteId,
      kind: "discovery",
      started_at: new Date(scan.startedAt),
      ended_at: new Date(scan.endedAt),
      received_at: receivedAt,
      deliveries: 1,
      device_count: 2,
      ranges: scan.ranges,
      xml_gz: xmlGz,
    });
  });

  it("stores a scan without devices", async () => {
    const result = await w.ingest(scanOf([], { kind: "refresh" }));
    assert.deepEqual(result, { stored: true, devices: 0, newDevices: 0, readings: 0, anomalies: 0 });
  });
});
