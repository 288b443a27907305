import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeviceRecord, Supply } from "@device-portal/protocol";
import { type IngestWorld, ingestWorld, later, printer, scanOf } from "./ingest.fixtures.ts";

/** Meter readings, supplies and alerts (docs/ingest.md), on the real database. */
describe("ingest: readings, supplies and alerts", () => {
  let w: IngestWorld;
  before(async () => {
    w = await ingestWorld();
  });
  after(() => w.t.drop());

  /** Ingests `records` at `endedAt` and returns the result. */
  const at = (endedAt: string, ...records: DeviceRecord[]) => w.ingest(scanOf(records, { endedAt }));
  const deviceId = async (serial: string) =>
    (await w.rows<{ device_id: string }>("select device_id from devices where serial_key = $1", [serial]))[0]
      ?.device_id as string;
  const meters = (serial: string) =>
    w.rows<{
      read_at: Date;
      counters: Record<string, number>;
      counter_unit: string | null;
      anomaly: string | null;
      anomaly_detail: unknown;
    }>(
      `select m.read_at, m.counters, m.counter_unit, m.anomaly, m.anomaly_detail
       from meter_readings m join devices d using (account_id, device_id)
       where d.serial_key = $1 order by m.read_at`,
      [serial],
    );
  const lastCounters = async (serial: string) =>
    (
      await w.rows<{ last_counters: Record<string, number> }>(
        "select last_counters from devices where serial_key = $1",
        [serial],
      )
    )[0]?.last_counters;
  const alertsOf = (serial: string) =>
    w.rows<{
      kind: string;
      severity: string;
      source: string;
      message: string | null;
      opened_at: Date;
      closed_at: Date | null;
    }>(
      `select a.kind, a.severity, a.source, a.message, a.opened_at, a.closed_at
       from alerts a join devices d using (account_id, device_id)
       where d.serial_key = $1 order by a.opened_at, a.kind`,
      [serial],
    );
  const toner = (over: Partial<Supply> = {}): Supply => ({
    index: "1.1",
    type: "toner",
    class: "consumed",
    color: "black",
    description: "TK-5240K",
    levelPercent: 60,
    state: "ok",
    ...over,
  });

  describe("meter readings", () => {
    it("stores every reading at the scan's end with all counters and the unit", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      const result = await at(
        t0,
        printer({ ip: "10.3.0.1", serial: "M-1", counters: { total: 500, mono: 400 } }),
      );
      assert.equal(result.readings, 1);
      assert.deepEqual(await meters("M-1"), [
        {
          read_at: new Date(t0),
          counters: { total: 500, mono: 400 },
          counter_unit: "impressions",
          anomaly: null,
          anomaly_detail: null,
        },
      ]);
    });

    it("dates a reading no later than its arrival (a collector clock running ahead)", async () => {
      const scan = scanOf([printer({ ip: "10.3.0.2", serial: "M-2" })], {
        endedAt: "2026-12-05T10:00:00.000Z",
      });
      const receivedAt = new Date("2026-12-01T09:00:00.000Z");
      await w.ingest(scan, w.north, receivedAt);
      assert.deepEqual(
        (await meters("M-2")).map((m) => m.read_at),
        [receivedAt],
      );
    });

    it("flags a counter that went backwards, stores it anyway and counts on from it", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      await at(
        t0,
        printer({ ip: "10.3.1.1", serial: "M-BACK", counters: { total: 1_000, mono: 800, color: 200 } }),
      );
      const result = await at(
        later(t0, 1),
        printer({ ip: "10.3.1.1", serial: "M-BACK", counters: { total: 900, mono: 850, color: 50 } }),
      );
      assert.equal(result.readings, 1);
      assert.equal(result.anomalies, 1);
      const flagged = (await meters("M-BACK"))[1];
      assert.equal(flagged?.anomaly, "backwards");
      assert.deepEqual(flagged?.counters, { total: 900, mono: 850, color: 50 });
      assert.deepEqual(flagged?.anomaly_detail, {
        previousReadAt: t0,
        days: 1,
        backwards: { total: { old: 1_000, new: 900 }, color: { old: 200, new: 50 } },
      });
      assert.deepEqual(await lastCounters("M-BACK"), { total: 900, mono: 850, color: 50 });
      // The next reading counts on from the flagged one: not flagged again.
      const next = await at(
        later(t0, 2),
        printer({ ip: "10.3.1.1", serial: "M-BACK", counters: { total: 950, mono: 880, color: 70 } }),
      );
      assert.equal(next.anomalies, 0);
    });

    it("flags an implausible jump, and not a large but plausible rise", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      await at(t0, printer({ ip: "10.3.2.1", serial: "M-JUMP", counters: { total: 10_000 } }));
      const plausible = await at(
        later(t0, 0.5),
        printer({ ip: "10.3.2.1", serial: "M-JUMP", counters: { total: 110_000 } }),
      );
      assert.equal(plausible.anomalies, 0);
      const jump = await at(
        later(t0, 1),
        printer({ ip: "10.3.2.1", serial: "M-JUMP", counters: { total: 210_001 } }),
      );
      assert.equal(jump.anomalies, 1);
      const flagged = (await meters("M-JUMP"))[2];
      assert.equal(flagged?.anomaly, "jump");
      assert.deepEqual(flagged?.anomaly_detail, {
        previousReadAt: later(t0, 0.5),
        days: 0.5,
        jump: { total: { old: 110_000, new: 210_001 } },
      });
      // Ten days later, 500,000 pages (50,000 a day) are plausible.
      const slow = await at(
        later(t0, 11),
        printer({ ip: "10.3.2.1", serial: "M-JUMP", counters: { total: 710_001 } }),
      );
      assert.equal(slow.anomalies, 0);
    });

    it("does not check counters that restart by design, nor counters of another unit", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      await at(
        t0,
        printer({ ip: "10.3.3.1", serial: "M-RESET", counters: { total: 5_000, sincePowerOn: 300 } }),
      );
      const reset = await at(
        later(t0, 1),
        printer({ ip: "10.3.3.1", serial: "M-RESET", counters: { total: 5_100, sincePowerOn: 10 } }),
      );
      assert.equal(reset.anomalies, 0);
      const sheets = await at(
        later(t0, 2),
        printer({ ip: "10.3.3.1", serial: "M-RESET", counters: { total: 2_600 }, counterUnit: "sheets" }),
      );
      assert.equal(sheets.anomalies, 0);
      // Another unit starts the device's counters afresh.
      assert.deepEqual(await lastCounters("M-RESET"), { total: 2_600 });
    });

    it("keeps one reading per device and time: a second scan ending at the same moment adds nothing", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      await at(t0, printer({ ip: "10.3.4.1", serial: "M-SAME", counters: { total: 700 } }));
      const again = await at(t0, printer({ ip: "10.3.4.1", serial: "M-SAME", counters: { total: 1 } }));
      assert.equal(again.stored, true);
      assert.equal(again.readings, 0);
      assert.deepEqual(
        (await meters("M-SAME")).map((m) => m.counters),
        [{ total: 700 }],
      );
      assert.deepEqual(await lastCounters("M-SAME"), { total: 700 });
    });

    it("stores a late upload as history without touching the device", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      await at(
        later(t0, 2),
        printer({ ip: "10.3.5.1", serial: "M-LATE", counters: { total: 2_000 }, status: { errors: [] } }),
      );
      const late = await at(
        t0,
        printer({
          ip: "10.3.5.9",
          serial: "M-LATE",
          counters: { total: 1_500 },
          status: { errors: ["jammed"] },
        }),
      );
      assert.deepEqual(late, { stored: true, devices: 1, newDevices: 0, readings: 1, anomalies: 0 });
      assert.deepEqual(
        (await meters("M-LATE")).map((m) => [m.counters.total, m.anomaly]),
        [
          [1_500, null],
          [2_000, null],
        ],
      );
      const [device] = await w.rows<{ ip: string; errors: string[]; last_reading_at: Date }>(
        "select host(ip) as ip, errors, last_reading_at from devices where serial_key = 'M-LATE'",
      );
      assert.deepEqual(device, { ip: "10.3.5.1", errors: [], last_reading_at: new Date(later(t0, 2)) });
      assert.deepEqual(await lastCounters("M-LATE"), { total: 2_000 });
      assert.deepEqual(await alertsOf("M-LATE"), []);
    });

    it("stores no meter reading for a reading without counters, and keeps the device's counters", async () => {
      const t0 = "2026-12-01T08:00:00.000Z";
      await at(t0, printer({ ip: "10.3.6.1", serial: "M-NONE", counters: { total: 42 } }));
      const result = await at(later(t0, 1), printer({ ip: "10.3.6.1", serial: "M-NONE", counters: {} }));
      assert.equal(result.readings, 0);
      assert.equal((await meters("M-NONE")).length, 1);
      assert.deepEqual(await lastCounters("M-NONE"), { total: 42 });
    });
  });

  describe("supplies", () => {
    const slots = (serial: string) =>
      w.rows<{
        supply_key: string;
        level_percent: number | null;
        state: string;
        last_read_at: Date;
        last_changed_at: Date | null;
      }>(
        `select s.supply_key, s.level_percent, s.state, s.last_read_at, s.last_changed_at
         from supplies s join devices d using (account_id, device_id) where d.serial_key = $1 order by s.supply_key`,
        [serial],
      );
    const history = (serial: string) =>
      w.rows<{ supply_key: string; read_at: Date; level_percent: number | null }>(
        `select r.supply_key, r.read_at, r.level_percent
         from supply_readings r join devices d using (account_id, device_id)
         where d.serial_key = $1 order by r.read_at, r.supply_key`,
        [serial],
      );

    it("keeps one row per slot, keyed by index or else type/colour/description", async () => {
      const t0 = "2026-12-02T08:00:00.000Z";
      const { index: _index, ...noIndex } = toner({ color: "cyan", description: "Cyan", levelPercent: 40 });
      await at(
        t0,
        printer({
          ip: "10.4.0.1",
          serial: "S-KEYS",
          supplies: [toner(), noIndex, { ...noIndex, levelPercent: 30 }],
        }),
      );
      assert.deepEqual(
        (await slots("S-KEYS")).map((s) => [s.supply_key, s.level_percent]),
        [
          ["1.1", 60],
          ["toner/cyan/Cyan", 40],
          ["toner/cyan/Cyan#2", 30],
        ],
      );
      assert.equal((await history("S-KEYS")).length, 3);
    });

    it("records a level history without repeats and detects a cartridge change", async () => {
      const t0 = "2026-12-02T08:00:00.000Z";
      const read = (day: number, levelPercent: number, total: number) =>
        at(
          later(t0, day),
          printer({
            ip: "10.4.1.1",
            serial: "S-CHANGE",
            counters: { total },
            supplies: [toner({ levelPercent, state: levelPercent < 10 ? "low" : "ok" })],
          }),
        );
      await read(0, 15, 1_000);
      await read(1, 15, 1_100); // unchanged: no history row
      await read(2, 5, 1_900);
      await read(3, 14, 2_000); // +9 points: not a new cartridge
      await read(4, 97, 2_050); // a new cartridge
      assert.deepEqual(
        (await history("S-CHANGE")).map((r) => r.level_percent),
        [15, 5, 14, 97],
      );
      const changes = await w.rows(
        `select c.supply_key, c.changed_at, c.level_before, c.level_after, c.total_at_change
         from supply_changes c join devices d using (account_id, device_id) where d.serial_key = 'S-CHANGE'`,
      );
      assert.deepEqual(changes, [
        {
          supply_key: "1.1",
          changed_at: new Date(later(t0, 4)),
          level_before: 14,
          level_after: 97,
          total_at_change: 2_050,
        },
      ]);
      const [slot] = await slots("S-CHANGE");
      assert.equal(slot?.level_percent, 97);
      assert.deepEqual(slot?.last_read_at, new Date(later(t0, 4)));
      assert.deepEqual(slot?.last_changed_at, new Date(later(t0, 4)));
    });

    it("opens supply-low and supply-empty alerts naming the supplies, and closes them", async () => {
      const t0 = "2026-12-02T08:00:00.000Z";
      const cyan = toner({ index: "1.2", color: "cyan", description: "TK-5240C" });
      const magenta = toner({ index: "1.3", color: "magenta", description: undefined });
      await at(
        t0,
        printer({
          ip: "10.4.2.1",
          serial: "S-ALERT",
          supplies: [
            toner({ levelPercent: 5, state: "low" }),
            { ...cyan, levelPercent: 0, state: "empty" },
            { ...magenta, levelPercent: 8, state: "low" },
          ],
        }),
      );
      assert.deepEqual(
        (await alertsOf("S-ALERT")).map((a) => [a.kind, a.severity, a.source, a.message, a.closed_at]),
        [
          ["supply-empty", "critical", "portal", "Empty: TK-5240C", null],
          ["supply-low", "warning", "portal", "Low: TK-5240K, magenta toner", null],
        ],
      );
      // A reading without supplies says nothing about them.
      await at(later(t0, 1), printer({ ip: "10.4.2.1", serial: "S-ALERT", supplies: [] }));
      assert.ok((await alertsOf("S-ALERT")).every((a) => a.closed_at === null));
      // Black replaced, cyan still empty: supply-low closes, supply-empty stays.
      await at(
        later(t0, 2),
        printer({
          ip: "10.4.2.1",
          serial: "S-ALERT",
          supplies: [toner({ levelPercent: 100 }), { ...cyan, levelPercent: 0, state: "empty" }, magenta],
        }),
      );
      assert.deepEqual(
        (await alertsOf("S-ALERT")).map((a) => [a.kind, a.closed_at]),
        [
          ["supply-empty", null],
          ["supply-low", new Date(later(t0, 2))],
        ],
      );
    });
  });

  describe("status and alerts", () => {
    it("sets the status and opens an alert per error, closes it when a later reading lacks it", async () => {
      const t0 = "2026-12-03T08:00:00.000Z";
      const status = (errors: DeviceRecord["status"]["errors"], device: "warning" | "down" | "running") => ({
        device,
        printer: "idle" as const,
        errors,
      });
      await at(
        t0,
        printer({ ip: "10.5.0.1", serial: "A-ERR", status: status(["noPaper", "lowToner"], "down") }),
      );
      const [state] = await w.rows(
        "select device_state, printer_state, errors from devices where serial_key = 'A-ERR'",
      );
      assert.deepEqual(state, {
        device_state: "down",
        printer_state: "idle",
        errors: ["noPaper", "lowToner"],
      });
      assert.deepEqual(
        (await alertsOf("A-ERR")).map((a) => [
          a.kind,
          a.severity,
          a.source,
          a.message,
          a.opened_at,
          a.closed_at,
        ]),
        [
          ["lowToner", "warning", "device", "Toner low", new Date(t0), null],
          ["noPaper", "critical", "device", "Out of paper", new Date(t0), null],
        ],
      );
      await at(
        later(t0, 1),
        printer({ ip: "10.5.0.1", serial: "A-ERR", status: status(["lowToner"], "warning") }),
      );
      assert.deepEqual(
        (await alertsOf("A-ERR")).map((a) => [a.kind, a.opened_at, a.closed_at]),
        [
          ["lowToner", new Date(t0), null],
          ["noPaper", new Date(t0), new Date(later(t0, 1))],
        ],
      );
      // Back again: a new alert, the closed one stays closed.
      await at(
        later(t0, 2),
        printer({ ip: "10.5.0.1", serial: "A-ERR", status: status(["noPaper"], "down") }),
      );
      assert.deepEqual(
        (await alertsOf("A-ERR")).map((a) => [a.kind, a.opened_at, a.closed_at]),
        [
          ["lowToner", new Date(t0), new Date(later(t0, 2))],
          ["noPaper", new Date(t0), new Date(later(t0, 1))],
          ["noPaper", new Date(later(t0, 2)), null],
        ],
      );
    });

    it("opens an alert per Printer-MIB alert code, from the device's time, and closes it", async () => {
      const t0 = "2026-12-03T08:00:00.000Z";
      const raised = "2026-12-03T07:30:00.000Z";
      await at(
        t0,
        printer({
          ip: "10.5.1.1",
          serial: "A-MIB",
          alerts: [
            {
              severity: "critical",
              group: "mediaPath",
              code: "jam",
              description: "Jam in tray 1",
              time: raised,
            },
            { severity: "warning", group: "mediaPath", code: "jam", description: "Jam at fuser" },
            { severity: "other", group: "generalPrinter", code: "other", description: "Sleep mode" },
            // A time ahead of the reading is not believed.
            { severity: "warning", group: "cover", code: "coverOpen", time: "2026-12-04T00:00:00.000Z" },
          ],
        }),
      );
      assert.deepEqual(
        (await alertsOf("A-MIB")).map((a) => [a.kind, a.severity, a.source, a.message, a.opened_at]),
        [
          ["device-alert:jam", "critical", "device", "Jam in tray 1; Jam at fuser", new Date(raised)],
          ["device-alert:coverOpen", "warning", "device", null, new Date(t0)],
          ["device-alert:generalPrinter", "info", "device", "Sleep mode", new Date(t0)],
        ],
      );
      await at(
        later(t0, 1),
        printer({
          ip: "10.5.1.1",
          serial: "A-MIB",
          alerts: [{ severity: "warning", group: "cover", code: "coverOpen" }],
        }),
      );
      assert.deepEqual(
        (await alertsOf("A-MIB")).map((a) => [a.kind, a.closed_at]),
        [
          ["device-alert:jam", new Date(later(t0, 1))],
          ["device-alert:coverOpen", null],
          ["device-alert:generalPrinter", new Date(later(t0, 1))],
        ],
      );
    });

    it("clears not-reporting and closes its alert on a reading; leaves duplicate-serial alone", async () => {
      const t0 = "2026-12-03T08:00:00.000Z";
      await at(t0, printer({ ip: "10.5.2.1", serial: "A-STALE" }));
      const id = await deviceId("A-STALE");
      await w.rows("update devices set not_reporting_since = $2 where device_id = $1", [id, later(t0, 1)]);
      await w.rows(
        `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, opened_at)
         select account_id, device_id, customer_id, site_id, k, 'warning', 'portal', $2 from devices,
           unnest(array['not-reporting', 'duplicate-serial']) k
         where device_id = $1`,
        [id, later(t0, 1)],
      );
      await at(later(t0, 3), printer({ ip: "10.5.2.1", serial: "A-STALE" }));
      const [device] = await w.rows("select not_reporting_since from devices where device_id = $1", [id]);
      assert.deepEqual(device, { not_reporting_since: null });
      assert.deepEqual(
        (await alertsOf("A-STALE")).map((a) => [a.kind, a.closed_at]),
        [
          ["duplicate-serial", null],
          ["not-reporting", new Date(later(t0, 3))],
        ],
      );
    });
  });
});
