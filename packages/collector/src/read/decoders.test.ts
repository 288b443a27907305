import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SnmpValue } from "../snmp/value.ts";
import { snmpValue } from "../testing/values.ts";
import { decodeAlertRow } from "./alerts.ts";
import { decodeDetectedErrorState, decodeDeviceStatus, decodePrinterStatus } from "./host-resources.ts";
import { formatMac, pickMac } from "./standard.ts";
import { colorFromText, decodeSupplyRow, partNumberFromDescription, supplyLevel } from "./supplies.ts";
import type { TableRow } from "./table.ts";
import { groupTable } from "./table.ts";

describe("hrPrinterDetectedErrorState", () => {
  test("bit 0 is the most significant bit of the first octet", () => {
    assert.deepEqual(decodeDetectedErrorState(Buffer.from([0x80])), ["lowPaper"]);
    assert.deepEqual(decodeDetectedErrorState(Buffer.from([0x01])), ["serviceRequested"]);
    assert.deepEqual(decodeDetectedErrorState(Buffer.from([0x24])), ["lowToner", "jammed"]);
  });
  test("second octet bits and undefined trailing bits", () => {
    assert.deepEqual(decodeDetectedErrorState(Buffer.from([0x00, 0x80])), ["inputTrayMissing"]);
    assert.deepEqual(decodeDetectedErrorState(Buffer.from([0x00, 0x02])), ["overduePreventMaint"]);
    // Bit 15 is not defined by the MIB and must not produce anything.
    assert.deepEqual(decodeDetectedErrorState(Buffer.from([0x00, 0x01, 0xff])), []);
  });
  test("every defined bit decodes to a distinct name", () => {
    const all = decodeDetectedErrorState(Buffer.from([0xff, 0xfe]));
    assert.equal(all.length, 15);
    assert.equal(new Set(all).size, 15);
  });
  test("empty octet string means no errors", () => {
    assert.deepEqual(decodeDetectedErrorState(Buffer.alloc(0)), []);
  });
});

describe("device and printer status", () => {
  test("known codes decode, unknown codes are absent", () => {
    assert.equal(decodeDeviceStatus(2), "running");
    assert.equal(decodeDeviceStatus(5), "down");
    assert.equal(decodeDeviceStatus(9), undefined);
    assert.equal(decodePrinterStatus(3), "idle");
    assert.equal(decodePrinterStatus(4), "printing");
    assert.equal(decodePrinterStatus(5), "warmup");
    assert.equal(decodePrinterStatus(undefined), undefined);
  });
});

describe("supply levels", () => {
  test("level / max capacity as a percentage", () => {
    assert.deepEqual(supplyLevel(7500, 15000, 7), { levelPercent: 50, state: "ok" });
    assert.deepEqual(supplyLevel(5, 100, 19), { levelPercent: 5, state: "low" });
    assert.deepEqual(supplyLevel(0, 100, 19), { levelPercent: 0, state: "empty" });
  });
  test("-3 is 'some remaining': ok, never a made-up percentage", () => {
    assert.deepEqual(supplyLevel(-3, -2, 1), { levelPercent: null, state: "ok" });
    assert.deepEqual(supplyLevel(-3, 100, 19), { levelPercent: null, state: "ok" });
  });
  test("-1 (other) and -2 (unknown) are unknown", () => {
    assert.deepEqual(supplyLevel(-1, 100, 19), { levelPercent: null, state: "unknown" });
    assert.deepEqual(supplyLevel(-2, 100, 19), { levelPercent: null, state: "unknown" });
  });
  test("unknown capacity: percent only when the unit is percent, else just some or none", () => {
    assert.deepEqual(supplyLevel(40, -2, 19), { levelPercent: 40, state: "ok" });
    assert.deepEqual(supplyLevel(40, -2, 7), { levelPercent: null, state: "ok" });
    assert.deepEqual(supplyLevel(0, -2, 7), { levelPercent: null, state: "empty" });
  });
  test("a level above its capacity is absurd and gives no percentage", () => {
    assert.deepEqual(supplyLevel(250, 100, 19), { levelPercent: null, state: "unknown" });
  });
});

describe("supply rows", () => {
  const row = (cols: Record<number, SnmpValue>): TableRow =>
    new Map(Object.entries(cols).map(([k, v]) => [Number(k), v]));
  test("typed toner with a colorant", () => {
    const colorants = new Map([["1.1", snmpValue.octets("black")]]);
    const supply = decodeSupplyRow(
      "1.1",
      row({
        3: snmpValue.int(1),
        4: snmpValue.int(3),
        5: snmpValue.int(3),
        6: snmpValue.octets("Black Cartridge HP CF217A"),
        7: snmpValue.int(19),
        8: snmpValue.int(100),
        9: snmpValue.int(28),
      }),
      colorants,
    );
    assert.deepEqual(supply, {
      index: "1.1",
      type: "toner",
      class: "consumed",
      color: "black",
      description: "Black Cartridge HP CF217A",
      partNumber: "CF217A",
      levelPercent: 28,
      state: "ok",
      level: 28,
      maxCapacity: 100,
      unit: "percent",
    });
  });
  test("type 'other' is inferred from the description; waste box is a receptacle", () => {
    const supply = decodeSupplyRow(
      "1.13",
      row({
        4: snmpValue.int(4),
        5: snmpValue.int(1),
        6: snmpValue.octets("Waste Toner Box"),
        8: snmpValue.int(-2),
        9: snmpValue.int(-3),
      }),
      new Map(),
    );
    assert.equal(supply?.type, "waste");
    assert.equal(supply?.class, "receptacle");
    assert.equal(supply?.levelPercent, null);
    assert.equal(supply?.state, "ok");
    assert.equal(supply?.maxCapacity, undefined);
  });
  test("a row with nothing usable is dropped", () => {
    assert.equal(decodeSupplyRow("1.9", row({ 2: snmpValue.int(1) }), new Map()), undefined);
  });
  test("a wrongly typed level is ignored, not misread", () => {
    const supply = decodeSupplyRow(
      "1.2",
      row({
        5: snmpValue.int(3),
        6: snmpValue.octets("Cyan Toner"),
        8: snmpValue.int(100),
        9: snmpValue.oid("1.3.6"),
      }),
      new Map(),
    );
    assert.equal(supply?.levelPercent, null);
    assert.equal(supply?.color, "cyan");
  });
  test("colour and part number from text", () => {
    assert.equal(colorFromText("Toner (Magenta)"), "magenta");
    assert.equal(colorFromText("Light Cyan Ink"), "light cyan");
    assert.equal(colorFromText("Fuser Kit"), undefined);
    assert.equal(partNumberFromDescription("TK-8527C"), "TK-8527C");
    assert.equal(partNumberFromDescription("Imaging Drum HP CF219A"), "CF219A");
    assert.equal(partNumberFromDescription("Waste Toner Box"), undefined);
  });
});

describe("alerts", () => {
  test("decodes severity, group, code, description and time", () => {
    const now = new Date("2026-01-01T12:00:00Z");
    const alert = decodeAlertRow(
      new Map([
        [2, snmpValue.int(3)],
        [4, snmpValue.int(8)],
        [7, snmpValue.int(808)],
        [8, snmpValue.octets("Tray 2 empty")],
        [9, snmpValue.ticks(1000)],
      ]),
      61000,
      now,
    );
    assert.deepEqual(alert, {
      severity: "critical",
      group: "input",
      code: "inputMediaSupplyEmpty",
      description: "Tray 2 empty",
      time: "2026-01-01T11:50:00.000Z",
    });
  });
  test("an alert time after the uptime is not turned into a time", () => {
    const alert = decodeAlertRow(
      new Map([
        [2, snmpValue.int(4)],
        [9, snmpValue.ticks(5000)],
      ]),
      100,
      new Date(),
    );
    assert.equal(alert?.time, undefined);
    assert.equal(alert?.severity, "warning");
  });
});

describe("MAC address", () => {
  const ifRows = (entries: Array<[number, Buffer, number]>) => ({
    addresses: entries.map(([i, mac]) => ({ oid: `1.3.6.1.2.1.2.2.1.6.${i}`, value: snmpValue.bytes(mac) })),
    types: entries.map(([i, , type]) => ({ oid: `1.3.6.1.2.1.2.2.1.3.${i}`, value: snmpValue.int(type) })),
  });
  test("skips zero, loopback-less and non-LAN interfaces", () => {
    const { addresses, types } = ifRows([
      [1, Buffer.alloc(0), 24],
      [2, Buffer.alloc(6), 6],
      [3, Buffer.from("0a0b0c0d0e0f", "hex"), 23],
      [4, Buffer.from("14cb19952ea0", "hex"), 6],
    ]);
    assert.equal(pickMac(addresses, types), "14:cb:19:95:2e:a0");
  });
  test("no usable address → undefined", () => {
    const { addresses, types } = ifRows([[1, Buffer.from("ffffffffffff", "hex"), 6]]);
    assert.equal(pickMac(addresses, types), undefined);
  });
  test("format", () =>
    assert.equal(formatMac(Buffer.from([0, 0x20, 0x6b, 0x4a, 0xf3, 0x25])), "00:20:6b:4a:f3:25"));
});

describe("table grouping", () => {
  test("groups columns by row index", () => {
    const entry = "1.3.6.1.2.1.43.11.1.1";
    const table = groupTable(
      [
        { oid: `${entry}.6.1.1`, value: snmpValue.octets("a") },
        { oid: `${entry}.6.1.2`, value: snmpValue.octets("b") },
        { oid: `${entry}.9.1.1`, value: snmpValue.int(5) },
        { oid: "1.3.6.1.2.1.43.12.1", value: snmpValue.int(1) },
      ],
      entry,
    );
    assert.deepEqual([...table.keys()], ["1.1", "1.2"]);
    assert.equal(table.get("1.1")?.get(9)?.kind, "integer");
  });
});
