import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCounters, nextLastCounters } from "./counters.ts";
import { deviceAlertKind, followsReadings, reportedAlerts } from "./device-alerts.ts";
import { type Candidate, identify, type ReadingKeys } from "./identity.ts";
import { printer } from "./ingest.fixtures.ts";
import { ipKey, macKey, serialKey, vendorKey } from "./keys.ts";
import { isCartridgeChange, keyedSupplies, supplyAlerts } from "./supplies.ts";

/** The rules of docs/ingest.md, checked at their edges without a database. */

describe("identity keys", () => {
  it("normalises serials and drops placeholders", () => {
    assert.equal(serialKey(" vcf 509\t2824 "), "VCF5092824");
    for (const none of [
      undefined,
      "",
      "   ",
      "0",
      "000000",
      "N/A",
      "na",
      "unknown",
      "None",
      "-",
      "XXXXXXXX",
      "....",
    ]) {
      assert.equal(serialKey(none), undefined, String(none));
    }
    assert.equal(serialKey("00123"), "00123");
  });

  it("normalises vendors, MACs and addresses", () => {
    assert.equal(vendorKey(" HP "), "hp");
    assert.equal(vendorKey(""), undefined);
    assert.equal(macKey("00:00:00:00:00:00"), undefined);
    assert.equal(macKey("ff:ff:ff:ff:ff:ff"), undefined);
    assert.equal(macKey("00:17:c8:4a:0b:9e"), "00:17:c8:4a:0b:9e");
    assert.equal(ipKey("192.0.2.17"), "192.0.2.17");
    assert.equal(ipKey("2001:DB8:0:0::1"), "2001:db8::1");
    assert.equal(ipKey("printer.local"), undefined);
    assert.equal(ipKey("fe80::1%eth0"), undefined);
  });
});

describe("identity decisions", () => {
  const site = "site-1";
  const stored = (over: Partial<Candidate> & { deviceId: string }): Candidate => ({
    siteId: site,
    vendor: "kyocera",
    serialKey: undefined,
    mac: undefined,
    ip: undefined,
    lastSeenAt: 0,
    duplicateSerial: false,
    isNew: false,
    ...over,
  });
  const decide = (
    readings: Partial<ReadingKeys>[],
    candidates: Candidate[],
    foreign = [] as { serialKey: string; vendor: string | undefined }[],
  ) => {
    let n = 0;
    return identify({
      readings: readings.map((r) => ({
        vendor: undefined,
        serial: undefined,
        mac: undefined,
        ip: undefined,
        ...r,
      })),
      candidates,
      siteId: site,
      foreignSerials: foreign,
      newDevice: (k) =>
        stored({
          deviceId: `new-${++n}`,
          serialKey: k.serial,
          mac: k.mac,
          ip: k.ip,
          vendor: k.vendor,
          isNew: true,
        }),
    });
  };

  it("prefers, among devices sharing a serial, the one at the reading's address, then the latest seen", () => {
    const a = stored({ deviceId: "a", serialKey: "S", ip: "10.0.0.1", lastSeenAt: 1, duplicateSerial: true });
    const b = stored({ deviceId: "b", serialKey: "S", ip: "10.0.0.2", lastSeenAt: 2, duplicateSerial: true });
    const atA = decide([{ serial: "S", ip: "10.0.0.1" }], [a, b]);
    assert.equal(atA.identities[0]?.device.deviceId, "a");
    const elsewhere = decide([{ serial: "S", ip: "10.0.0.9" }], [a, b]);
    assert.equal(elsewhere.identities[0]?.device.deviceId, "b");
  });

  it("does not take a device at the same address whose MAC differs", () => {
    const old = stored({ deviceId: "old", ip: "10.0.0.1", mac: "02:00:00:00:00:01" });
    const d = decide([{ ip: "10.0.0.1", mac: "02:00:00:00:00:02" }], [old]);
    assert.equal(d.identities[0]?.device.deviceId, "new-1");
    assert.equal(d.duplicates.size, 0);
  });

  it("does not take a device of another vendor for the same serial", () => {
    const hp = stored({ deviceId: "hp", vendor: "hp", serialKey: "S", mac: "02:00:00:00:00:01" });
    const d = decide([{ vendor: "canon", serial: "S", mac: "02:00:00:00:00:02" }], [hp]);
    assert.equal(d.identities[0]?.device.deviceId, "new-1");
    assert.equal(d.duplicates.size, 0);
  });

  it("matches a reading without vendor to a device with one (and the other way round)", () => {
    const hp = stored({ deviceId: "hp", vendor: "hp", serialKey: "S" });
    assert.equal(decide([{ serial: "S" }], [hp]).identities[0]?.device.deviceId, "hp");
    const anonymous = stored({ deviceId: "x", vendor: undefined, serialKey: "S" });
    assert.equal(decide([{ vendor: "hp", serial: "S" }], [anonymous]).identities[0]?.device.deviceId, "x");
  });

  it("reads the same serial twice without MAC in one scan as one device at two addresses", () => {
    const a = stored({ deviceId: "a", serialKey: "S", ip: "10.0.0.1" });
    const d = decide(
      [
        { serial: "S", ip: "10.0.0.1" },
        { serial: "S", ip: "10.0.0.2" },
      ],
      [a],
    );
    assert.deepEqual(
      d.identities.map((i) => [i.kind, i.device.deviceId]),
      [
        ["device", "a"],
        ["repeat", "a"],
      ],
    );
  });

  it("flags a device whose serial another customer holds, unless already flagged", () => {
    const a = stored({ deviceId: "a", serialKey: "S" });
    const d = decide([{ serial: "S" }], [a], [{ serialKey: "S", vendor: "kyocera" }]);
    assert.deepEqual([...d.duplicates.values()], [[{ kind: "other-customer" }]]);
    const flagged = stored({ deviceId: "f", serialKey: "S", duplicateSerial: true });
    assert.equal(
      decide([{ serial: "S" }], [flagged], [{ serialKey: "S", vendor: undefined }]).duplicates.size,
      0,
    );
    const otherVendor = decide(
      [{ serial: "S" }],
      [stored({ deviceId: "b", serialKey: "S" })],
      [{ serialKey: "S", vendor: "hp" }],
    );
    assert.equal(otherVendor.duplicates.size, 0);
  });
});

describe("counter checks", () => {
  const t0 = new Date("2026-12-01T00:00:00.000Z");
  const after = (days: number) => new Date(t0.getTime() + days * 86_400_000);
  const previous = { counters: { total: 1_000 }, unit: "impressions", readAt: t0 };

  it("allows up to 100,000 pages, and 50,000 a day over longer gaps", () => {
    assert.equal(checkCounters(previous, { total: 101_000 }, "impressions", after(0.01)).anomaly, null);
    assert.equal(checkCounters(previous, { total: 101_001 }, "impressions", after(0.01)).anomaly, "jump");
    assert.equal(checkCounters(previous, { total: 101_001 }, "impressions", after(2.1)).anomaly, null);
    assert.equal(checkCounters(previous, { total: 501_000 }, "impressions", after(10)).anomaly, null);
    assert.equal(checkCounters(previous, { total: 501_001 }, "impressions", after(10)).anomaly, "jump");
  });

  it("calls a reading that went back and jumped backwards, listing both", () => {
    const check = checkCounters(
      { counters: { total: 1_000, color: 5 }, unit: null, readAt: t0 },
      { total: 900, color: 200_000 },
      undefined,
      after(1),
    );
    assert.equal(check.anomaly, "backwards");
    assert.deepEqual(check.detail, {
      previousReadAt: t0.toISOString(),
      days: 1,
      backwards: { total: { old: 1_000, new: 900 } },
      jump: { color: { old: 5, new: 200_000 } },
    });
  });

  it("checks nothing without a previous reading, for another unit, or for new counter names", () => {
    assert.equal(checkCounters(undefined, { total: 5 }, "impressions", t0).anomaly, null);
    assert.equal(checkCounters(previous, { total: 5 }, "sheets", after(1)).anomaly, null);
    assert.equal(checkCounters(previous, { copy: 5 }, "impressions", after(1)).anomaly, null);
  });

  it("merges the device's counters unless the unit changed", () => {
    assert.deepEqual(nextLastCounters(previous, { color: 3 }, "impressions"), { total: 1_000, color: 3 });
    assert.deepEqual(nextLastCounters(previous, { color: 3 }, "sheets"), { color: 3 });
  });
});

describe("supplies", () => {
  it("sees a new cartridge in a rise of 20 points or more", () => {
    assert.equal(isCartridgeChange(10, 29.9), false);
    assert.equal(isCartridgeChange(10, 30), true);
    assert.equal(isCartridgeChange(15, 95), true);
    assert.equal(isCartridgeChange(null, 95), false);
    assert.equal(isCartridgeChange(15, null), false);
    assert.equal(isCartridgeChange(80, 20), false);
  });

  it("keys slots by index, else type/colour/description, numbering repeats", () => {
    const base = { type: "toner" as const, levelPercent: 1, state: "ok" as const };
    assert.deepEqual(
      keyedSupplies([
        { ...base, index: "1.1" },
        { ...base, color: "cyan" },
        { ...base, color: "cyan" },
        { ...base, description: "Drum" },
      ]).map((s) => s.key),
      ["1.1", "toner/cyan/", "toner/cyan/#2", "toner//Drum"],
    );
  });

  it("raises nothing while every supply is ok or unknown", () => {
    assert.deepEqual(supplyAlerts([{ type: "waste", levelPercent: null, state: "unknown" }]), []);
  });
});

describe("device alerts", () => {
  it("names a Printer-MIB alert by its code, else its group", () => {
    assert.equal(deviceAlertKind({ code: "jam", group: "mediaPath" }), "device-alert:jam");
    assert.equal(deviceAlertKind({ code: "other", group: "generalPrinter" }), "device-alert:generalPrinter");
    assert.equal(deviceAlertKind({ code: "unknown" }), "device-alert:unknown");
    assert.equal(deviceAlertKind({}), "device-alert:other");
  });

  it("closes only the kinds that follow the readings", () => {
    for (const kind of ["noPaper", "device-alert:jam", "supply-low", "supply-empty", "not-reporting"])
      assert.equal(followsReadings(kind), true, kind);
    for (const kind of ["duplicate-serial", "contract-expired"])
      assert.equal(followsReadings(kind), false, kind);
  });

  it("gives every printer error a severity", () => {
    const readAt = new Date("2026-12-01T00:00:00.000Z");
    const alerts = reportedAlerts(
      printer({ ip: "10.0.0.1", status: { errors: ["serviceRequested", "jammed"] } }),
      readAt,
    );
    assert.deepEqual(
      alerts.map((a) => [a.kind, a.severity]),
      [
        ["serviceRequested", "warning"],
        ["jammed", "critical"],
      ],
    );
  });
});
