import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type IngestWorld, ingestWorld, printer, refreshOf, scanOf } from "./ingest.fixtures.ts";
import { ingestScan } from "./ingest-scan.ts";

/** Device identity (docs/ingest.md, "Device identity"), on the real database. */
describe("ingest: device identity", () => {
  let w: IngestWorld;
  before(async () => {
    w = await ingestWorld();
  });
  after(() => w.t.drop());

  interface DeviceRow {
    device_id: string;
    site_id: string;
    ip: string | null;
    mac: string | null;
    serial: string | null;
    serial_key: string | null;
    name: string | null;
    location: string | null;
    model: string | null;
    duplicate_serial: boolean;
    last_counters: Record<string, number> | null;
  }
  const devicesWith = (where: string, params: unknown[]) =>
    w.rows<DeviceRow>(
      `select device_id, site_id, host(ip) as ip, mac::text as mac, serial, serial_key, name, location, model,
              duplicate_serial, last_counters
       from devices where ${where} order by first_seen_at, ip, device_id`,
      params,
    );
  const bySerial = (serialKey: string) => devicesWith("serial_key = $1", [serialKey]);
  const openAlerts = (deviceId: string) =>
    w.rows<{ kind: string; message: string | null; source: string }>(
      "select kind, message, source from alerts where device_id = $1 and closed_at is null order by kind",
      [deviceId],
    );

  it("creates a device with everything the reading reports", async () => {
    const scan = scanOf([printer({ ip: "10.1.0.1", serial: "ID-NEW", mac: "00:17:c8:01:00:01" })]);
    const result = await w.ingest(scan);
    assert.deepEqual(result, { stored: true, devices: 1, newDevices: 1, readings: 1, anomalies: 0 });
    const [row] = await w.rows(
      `select customer_id, site_id, collector_id, vendor, model, serial, serial_key, mac::text as mac, host(ip) as ip,
              name, location, firmware, sys_object_id, counter_unit, snmp_credential, duplicate_serial, first_seen_at,
              last_seen_at, last_reading_at, last_counters, device_state, printer_state, errors
       from devices where serial_key = 'ID-NEW'`,
    );
    const readAt = new Date(scan.endedAt);
    assert.deepEqual(row, {
      customer_id: w.tree.a.a1,
      site_id: w.tree.a.a1North,
      collector_id: w.north.collectorId,
      vendor: "Kyocera",
      model: "ECOSYS M6630cidn",
      serial: "ID-NEW",
      serial_key: "ID-NEW",
      mac: "00:17:c8:01:00:01",
      ip: "10.1.0.1",
      name: "KM-EMPFANG",
      location: "Empfang",
      firmware: "2S0_2000.005.012",
      sys_object_id: "1.3.6.1.4.1.1347.41",
      counter_unit: "impressions",
      snmp_credential: 0,
      duplicate_serial: false,
      first_seen_at: readAt,
      last_seen_at: readAt,
      last_reading_at: readAt,
      last_counters: { total: 10_000, mono: 8_000, color: 2_000 },
      device_state: "running",
      printer_state: "idle",
      errors: [],
    });
  });

  it("keeps a device that moved to another address (same serial)", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.1.1", serial: "ID-MOVE", mac: "00:17:c8:01:01:01" })]));
    const result = await w.ingest(
      scanOf([
        printer({
          ip: "10.1.1.99",
          serial: "ID-MOVE",
          mac: "00:17:c8:01:01:01",
          counters: { total: 10_050 },
        }),
      ]),
    );
    assert.equal(result.newDevices, 0);
    const devices = await bySerial("ID-MOVE");
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.ip, "10.1.1.99");
    const readings = await w.rows("select 1 from meter_readings where device_id = $1", [
      devices[0]?.device_id,
    ]);
    assert.equal(readings.length, 2);
  });

  it("compares serials without case and spaces and vendors without case", async () => {
    await w.ingest(
      scanOf([printer({ ip: "10.1.2.1", vendor: "Kyocera", serial: "id-case 7", mac: undefined })]),
    );
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.2.2", vendor: "KYOCERA", serial: " ID-CASE7 ", mac: undefined })]),
    );
    assert.equal(result.newDevices, 0);
    const devices = await bySerial("ID-CASE7");
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.ip, "10.1.2.2");
  });

  it("keeps devices of different vendors with the same serial apart, unflagged", async () => {
    await w.ingest(
      scanOf([
        printer({ ip: "10.1.3.1", vendor: "HP", serial: "SAME-0001", mac: "3c:52:82:00:00:01" }),
        printer({ ip: "10.1.3.2", vendor: "Canon", serial: "SAME-0001", mac: "00:1e:8f:00:00:01" }),
      ]),
    );
    const devices = await bySerial("SAME-0001");
    assert.equal(devices.length, 2);
    assert.deepEqual(
      devices.map((d) => d.duplicate_serial),
      [false, false],
    );
  });

  it("finds a device without serial by its MAC, at a new address", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.4.1", serial: undefined, mac: "02:00:00:00:04:01" })]));
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.4.2", serial: undefined, mac: "02:00:00:00:04:01" })]),
    );
    assert.equal(result.newDevices, 0);
    const devices = await devicesWith("mac = $1", ["02:00:00:00:04:01"]);
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.ip, "10.1.4.2");
  });

  it("treats placeholder serials as none and falls back to the MAC", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.5.1", serial: "0000000000", mac: "02:00:00:00:05:01" })]));
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.5.2", serial: "N/A", mac: "02:00:00:00:05:01" })]),
    );
    assert.equal(result.newDevices, 0);
    const devices = await devicesWith("mac = $1", ["02:00:00:00:05:01"]);
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.serial_key, null);
    assert.equal(devices[0]?.serial, null);
  });

  it("finds a device without serial and MAC by its address, within the site only", async () => {
    const bare = { ip: "10.1.6.1", counters: { total: 5 }, supplies: [], status: { errors: [] }, alerts: [] };
    await w.ingest(scanOf([bare]));
    const again = await w.ingest(scanOf([{ ...bare, counters: { total: 6 } }]));
    assert.equal(again.newDevices, 0);
    const elsewhere = await w.ingest(scanOf([{ ...bare, counters: { total: 7 } }]), w.south);
    assert.equal(elsewhere.newDevices, 1);
    const devices = await devicesWith("ip = '10.1.6.1'", []);
    assert.deepEqual(devices.map((d) => d.site_id).sort(), [w.tree.a.a1North, w.tree.a.a1South].sort());
  });

  it("takes a new serial at a known address for a new printer", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.7.1", serial: "OLD-7", mac: "02:00:00:00:07:01" })]));
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.7.1", serial: "NEW-7", mac: "02:00:00:00:07:02" })]),
    );
    assert.equal(result.newDevices, 1);
    assert.equal((await bySerial("OLD-7")).length, 1);
    assert.equal((await bySerial("NEW-7")).length, 1);
  });

  it("teaches a device found by MAC its serial", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.8.1", serial: undefined, mac: "02:00:00:00:08:01" })]));
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.8.1", serial: "LEARN-8", mac: "02:00:00:00:08:01" })]),
    );
    assert.equal(result.newDevices, 0);
    const [device] = await bySerial("LEARN-8");
    assert.equal(device?.mac, "02:00:00:00:08:01");
  });

  it("flags two devices with the same serial and different MACs in one scan, both ways", async () => {
    const result = await w.ingest(
      scanOf([
        printer({ ip: "10.1.9.1", serial: "DUP-9", mac: "02:00:00:00:09:01" }),
        printer({ ip: "10.1.9.2", serial: "DUP-9", mac: "02:00:00:00:09:02" }),
      ]),
    );
    assert.equal(result.newDevices, 2);
    const devices = await bySerial("DUP-9");
    assert.deepEqual(
      devices.map((d) => d.duplicate_serial),
      [true, true],
    );
    const [first, second] = devices;
    assert.deepEqual(await openAlerts(first?.device_id as string), [
      {
        kind: "duplicate-serial",
        message: "Serial DUP-9 is also reported by the device at 10.1.9.2",
        source: "portal",
      },
    ]);
    assert.deepEqual(await openAlerts(second?.device_id as string), [
      {
        kind: "duplicate-serial",
        message: "Serial DUP-9 is also reported by the device at 10.1.9.1",
        source: "portal",
      },
    ]);

    // A refresh (no MAC) of the pair finds each by its address, and flags nothing new.
    const refresh = await w.ingest(
      scanOf(
        [
          refreshOf(printer({ ip: "10.1.9.2", serial: "DUP-9", counters: { total: 22_000 } })),
          refreshOf(printer({ ip: "10.1.9.1", serial: "DUP-9", counters: { total: 11_000 } })),
        ],
        { kind: "refresh" },
      ),
    );
    assert.equal(refresh.newDevices, 0);
    const after = await bySerial("DUP-9");
    assert.deepEqual(
      after.map((d) => [d.ip, d.last_counters?.total]),
      [
        ["10.1.9.1", 11_000],
        ["10.1.9.2", 22_000],
      ],
    );
    const alerts = await w.rows(
      "select 1 from alerts where kind = 'duplicate-serial' and device_id = any($1)",
      [after.map((d) => d.device_id)],
    );
    assert.equal(alerts.length, 2);
  });

  it("flags a serial that already belongs to a device with another MAC, and that device too", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.10.1", serial: "DUP-10", mac: "02:00:00:00:0a:01" })]));
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.10.2", serial: "DUP-10", mac: "02:00:00:00:0a:02" })]),
    );
    assert.equal(result.newDevices, 1);
    const devices = await bySerial("DUP-10");
    assert.equal(devices.length, 2);
    assert.ok(devices.every((d) => d.duplicate_serial));
    for (const d of devices) assert.equal((await openAlerts(d.device_id))[0]?.kind, "duplicate-serial");
  });

  it("merges a refresh: matched by serial, keeps MAC, name, location and model", async () => {
    const discovered = printer({ ip: "10.1.11.1", serial: "MERGE-11", mac: "02:00:00:00:0b:01" });
    await w.ingest(scanOf([discovered]));
    const result = await w.ingest(
      scanOf([refreshOf(discovered, { ip: "10.1.11.5", counters: { total: 10_100, mono: 8_100 } })], {
        kind: "refresh",
      }),
    );
    assert.equal(result.newDevices, 0);
    const [device] = await bySerial("MERGE-11");
    assert.equal(device?.ip, "10.1.11.5");
    assert.equal(device?.mac, "02:00:00:00:0b:01");
    assert.equal(device?.name, "KM-EMPFANG");
    assert.equal(device?.location, "Empfang");
    assert.equal(device?.model, "ECOSYS M6630cidn");
    // Counters the refresh did not carry keep their last value.
    assert.deepEqual(device?.last_counters, { total: 10_100, mono: 8_100, color: 2_000 });
  });

  it("matches a refresh without serial by its address within the site", async () => {
    const discovered = printer({ ip: "10.1.12.1", serial: "BYIP-12", mac: "02:00:00:00:0c:01" });
    await w.ingest(scanOf([discovered]));
    const { serial: _serial, ...withoutSerial } = refreshOf(discovered, { counters: { total: 10_200 } });
    const result = await w.ingest(scanOf([withoutSerial], { kind: "refresh" }));
    assert.equal(result.newDevices, 0);
    const [device] = await bySerial("BYIP-12");
    assert.equal(device?.serial, "BYIP-12");
    assert.equal(device?.last_counters?.total, 10_200);
  });

  it("reads a device seen at two addresses in one scan once", async () => {
    const result = await w.ingest(
      scanOf([
        printer({ ip: "10.1.13.1", serial: "TWICE-13", mac: "02:00:00:00:0d:01" }),
        printer({ ip: "10.1.13.2", serial: "TWICE-13", mac: "02:00:00:00:0d:01" }),
      ]),
    );
    assert.deepEqual(result, { stored: true, devices: 1, newDevices: 1, readings: 1, anomalies: 0 });
    const devices = await bySerial("TWICE-13");
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.ip, "10.1.13.1");
    assert.equal(devices[0]?.duplicate_serial, false);
  });

  it("moves a device to the site whose collector read it last, with its open alerts", async () => {
    const record = printer({
      ip: "10.1.14.1",
      serial: "MOVE-14",
      mac: "02:00:00:00:0e:01",
      status: { errors: ["jammed"] },
    });
    await w.ingest(scanOf([record]));
    const result = await w.ingest(scanOf([{ ...record, ip: "10.2.14.1" }]), w.south);
    assert.equal(result.newDevices, 0);
    const [device] = await bySerial("MOVE-14");
    assert.equal(device?.site_id, w.tree.a.a1South);
    const alerts = await w.rows<{ site_id: string }>(
      "select site_id from alerts where device_id = $1 and closed_at is null",
      [device?.device_id],
    );
    assert.deepEqual(alerts, [{ site_id: w.tree.a.a1South }]);
  });

  it("does not match a retired device: its serial comes back as a new device, unflagged", async () => {
    await w.ingest(scanOf([printer({ ip: "10.1.15.1", serial: "RETIRED-15", mac: "02:00:00:00:0f:01" })]));
    await w.rows("update devices set retired_at = now() where serial_key = 'RETIRED-15'");
    const result = await w.ingest(
      scanOf([printer({ ip: "10.1.15.1", serial: "RETIRED-15", mac: "02:00:00:00:0f:01" })]),
    );
    assert.equal(result.newDevices, 1);
    const devices = await bySerial("RETIRED-15");
    assert.equal(devices.length, 2);
    assert.ok(devices.every((d) => !d.duplicate_serial));
  });

  it("creates a printer two scans find at once only once (the second waits and matches it)", async () => {
    const record = printer({ ip: "10.1.17.1", serial: "RACE-17", mac: "02:00:00:00:11:01" });
    const scope = { kind: "customer", accountId: w.tree.a.accountId, customerId: w.tree.a.a1 } as const;
    let ingested!: () => void;
    const firstIngested = new Promise<void>((resolve) => {
      ingested = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first scan creates the device and holds its transaction open ...
    const first = w.t.db.tenant(scope, async (sql) => {
      const result = await ingestScan(sql, { ...w.north, receivedAt: new Date() }, scanOf([record]));
      ingested();
      await released;
      return result;
    });
    await firstIngested;
    // ... while the second, from the other site's collector, finds the same printer.
    let secondDone = false;
    const second = w.ingest(scanOf([{ ...record, ip: "10.2.17.1" }]), w.south).finally(() => {
      secondDone = true;
    });
    // It must wait for the first (without the creation lock it would not, and create a second device).
    while (
      !secondDone &&
      (await w.rows("select 1 from pg_locks where locktype = 'advisory' and not granted")).length === 0
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.newDevices, 1);
    assert.equal(b.newDevices, 0);
    const devices = await bySerial("RACE-17");
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.site_id, w.tree.a.a1South);
  });

  it("stores a scan once per scan id: a second delivery only counts", async () => {
    const scan = scanOf([printer({ ip: "10.1.16.1", serial: "ONCE-16", mac: "02:00:00:00:10:01" })]);
    await w.ingest(scan);
    // The same id with other content: still nothing stored.
    const changed = {
      ...scan,
      devices: [
        {
          credential: 0,
          device: printer({ ip: "10.1.16.1", serial: "ONCE-16", counters: { total: 99_999 } }),
        },
        { credential: 0, device: printer({ ip: "10.1.16.2", serial: "ONCE-16B", mac: "02:00:00:00:10:02" }) },
      ],
    };
    const again = await w.ingest(changed);
    assert.deepEqual(again, { stored: false, devices: 0, newDevices: 0, readings: 0, anomalies: 0 });
    const [row] = await w.rows<{ deliveries: number }>("select deliveries from scans where scan_id = $1", [
      scan.scanId,
    ]);
    assert.equal(row?.deliveries, 2);
    assert.equal((await bySerial("ONCE-16B")).length, 0);
    const [device] = await bySerial("ONCE-16");
    assert.equal(device?.last_counters?.total, 10_000);
    const readings = await w.rows("select 1 from meter_readings where scan_id = $1", [scan.scanId]);
    assert.equal(readings.length, 1);
  });
});
