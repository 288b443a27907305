import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  acceptedTypes,
  type Check,
  type ExpectedEntry,
  modelRule,
  ourCounterName,
  percent,
  type ReadRecord,
  scoreDevice,
  summarise,
  supplyIndexFromOid,
} from "./score.ts";

const oid = (idx: string) => `1.3.6.1.2.1.43.11.1.1.9.${idx}`;

function only(checks: Check[], field: string): Check {
  const found = checks.filter((c) => c.field === field);
  assert.equal(found.length, 1, `one check for ${field}, got ${checks.map((c) => c.field).join(", ")}`);
  return found[0] as Check;
}

function score(
  expected: ExpectedEntry["expected"],
  record: ReadRecord,
  recorded?: ExpectedEntry["recorded"],
) {
  const entry: ExpectedEntry = { file: "x.snmprec", expected };
  if (recorded) entry.recorded = recorded;
  return scoreDevice(entry, { record });
}

describe("identity fields", () => {
  it("vendor: case-insensitive after trimming, no partial match", () => {
    assert.equal(score({ vendor: "HP" }, { vendor: " hp " })[0]?.hit, true);
    assert.equal(score({ vendor: "Konica Minolta" }, { vendor: "KONICA MINOLTA" })[0]?.hit, true);
    assert.equal(score({ vendor: "Xerox" }, { vendor: "Fuji Xerox" })[0]?.hit, false);
    const missing = score({ vendor: "HP" }, {})[0];
    assert.equal(missing?.hit, false);
    assert.equal(missing?.reason, "not reported");
  });

  it("serial and firmware: case-insensitive, whitespace collapsed", () => {
    const checks = score(
      { serial: "VNCRC48198", firmware: "NH62.YS.N636" },
      { serial: "vncrc48198 ", firmware: "NH62.YS.N637" },
    );
    assert.equal(only(checks, "serial").hit, true);
    assert.equal(only(checks, "firmware").hit, false);
  });

  it("mac: lowercase equality", () => {
    assert.equal(score({ mac: "14:CB:19:95:2E:A0" }, { mac: "14:cb:19:95:2e:a0" })[0]?.hit, true);
    assert.equal(score({ mac: "14:cb:19:95:2e:a0" }, { mac: "5c:fb:3a:0d:7d:f0" })[0]?.hit, false);
  });

  it("fields the expectation does not assert are not scored", () => {
    assert.deepEqual(score({}, { vendor: "HP", model: "X", serial: "1", counters: { total: 5 } }), []);
  });
});

describe("model rule", () => {
  it("exact after normalisation", () => {
    assert.equal(modelRule("MFC-L2710DW", "mfc-l2710dw", []), "exact");
  });

  it("contains, after stripping a leading vendor name, on whole words", () => {
    assert.equal(
      modelRule("Color LaserJet flow MFP M880", "HP Color LaserJet flow MFP M880", ["HP"]),
      "contains",
    );
    assert.equal(modelRule("Brother HL-L8260CDW series", "HL-L8260CDW", ["Brother"]), "contains");
    assert.equal(modelRule("EPSON CW-C6500Au", "CW-C6500Au", ["Epson"]), "contains");
    assert.equal(modelRule("Dell S5830dn", "S5830dn", ["Dell"]), "contains");
  });

  it("family range: a model number inside the expected range", () => {
    assert.equal(modelRule("LaserJet MFP M129-M134", "HP LaserJet MFP M130nw", ["HP"]), "family range");
    assert.equal(modelRule("LaserJet MFP M129-M134", "HP LaserJet MFP M140w", ["HP"]), undefined);
    assert.equal(modelRule("LaserJet MFP M129-M134", "HP LaserJet Pro M130nw", ["HP"]), undefined);
  });

  it("never lets a vendor name, a word without digits or a sub-word pass", () => {
    assert.equal(modelRule("LaserJet MFP M129-M134", "HP", ["HP"]), undefined);
    assert.equal(modelRule("Color LaserJet flow MFP M880", "LaserJet", ["HP"]), undefined);
    assert.equal(modelRule("HP LaserJet", "HP LaserJet 4000", ["HP"]), undefined);
    assert.equal(modelRule("Aficio MP C3002", "Aficio MP C300", ["Ricoh"]), undefined);
    assert.equal(modelRule("Develop ineo+ 280", "bizhub C3110", ["Konica Minolta"]), undefined);
    assert.equal(modelRule("MC873", "", []), undefined);
  });

  it("allows at most one extra word, so a pasted sysDescr or trailing serial/firmware is a miss", () => {
    const sysDescr =
      "HP ETHERNET MULTI-ENVIRONMENT,SN:VNCRC48198,FN:4Q817L4,SVCID:31339,PID:HP LaserJet MFP M130nw";
    assert.equal(modelRule("LaserJet MFP M130nw", sysDescr, ["HP"]), undefined);
    assert.equal(modelRule("Dell S5830dn", "Dell S5830dn 7XQ1R92 LW62.DN4.P636", ["Dell"]), undefined);
    assert.equal(modelRule("MFC-L2710DW", "Brother MFC-L2710DW series", ["Brother"]), "contains");
  });

  it("reports the rule on the check", () => {
    const c = score(
      { vendor: "HP", model: "LaserJet MFP M129-M134" },
      { vendor: "HP", model: "HP LaserJet MFP M130nw" },
    );
    assert.equal(only(c, "model").hit, true);
    assert.equal(only(c, "model").rule, "family range");
  });
});

describe("page counters", () => {
  it("maps expected.json names onto ours", () => {
    assert.equal(ourCounterName("copy_black"), "copyMono");
    assert.equal(ourCounterName("print_total"), "print");
    assert.equal(ourCounterName("scan_total"), "scan");
    assert.equal(ourCounterName("since_power_on"), "sincePowerOn");
    assert.equal(ourCounterName("cyan"), "imageCyan");
    assert.equal(ourCounterName("some_new_name"), "someNewName");
  });

  it("counts only exact equality, and only asserted counters", () => {
    const checks = score(
      { page_counters: { total: 15232, since_power_on: 237, copy_black: 3672 } },
      { counters: { total: 15232, sincePowerOn: 238, mono: 1 } },
    );
    assert.equal(checks.length, 3);
    assert.equal(only(checks, "counters.total").hit, true);
    assert.equal(only(checks, "counters.sincePowerOn (since_power_on)").hit, false);
    assert.equal(only(checks, "counters.copyMono (copy_black)").reason, "not reported");
  });
});

describe("supplies", () => {
  const hpExpected = [
    { index: 1, type: "toner", level_percent: 28, max_capacity: 100, oid: oid("1.1"), color: "black" },
    { index: 5, type: "opc", level_percent: 71, max_capacity: 100, oid: oid("1.5") },
  ];

  it("derives the Printer-MIB index from the OID", () => {
    assert.equal(supplyIndexFromOid(oid("1.30")), "1.30");
    assert.equal(supplyIndexFromOid("1.3.6.1.2.1.43.10.2.1.4.1.1"), undefined);
  });

  it("maps supply types", () => {
    assert.deepEqual(acceptedTypes("opc"), ["drum"]);
    assert.deepEqual(acceptedTypes("wasteToner"), ["waste"]);
    assert.deepEqual(acceptedTypes("belt"), ["transfer"]);
    assert.deepEqual(acceptedTypes("paper_feed_kit_1"), ["maintenance"]);
    assert.equal(acceptedTypes("markerSupply"), "any");
    assert.deepEqual(acceptedTypes("somethingNew"), ["somethingNew"]);
  });

  it("matches by index when ours carries it; level within ±1", () => {
    const checks = score(
      { supplies: hpExpected },
      {
        supplies: [
          { index: "1.5", type: "drum", levelPercent: 70, state: "ok" },
          { index: "1.1", type: "toner", color: "black", levelPercent: 28.4, state: "ok" },
        ],
      },
    );
    assert.deepEqual(
      checks.map((c) => c.hit),
      [true, true],
    );
  });

  it("an index match with the wrong type or level is a miss with the reason", () => {
    const checks = score(
      { supplies: hpExpected },
      {
        supplies: [
          { index: "1.1", type: "toner", color: "black", levelPercent: 30, state: "ok" },
          { index: "1.5", type: "toner", levelPercent: 71, state: "ok" },
        ],
      },
    );
    assert.equal(checks[0]?.hit, false);
    assert.match(checks[0]?.reason ?? "", /level off by 2/);
    assert.equal(checks[1]?.hit, false);
    assert.match(checks[1]?.reason ?? "", /type opc/);
  });

  it("falls back to type + colour + level, one-to-one", () => {
    const checks = score(
      {
        supplies: [
          { type: "drum", level_percent: 68, color: "black" },
          { type: "drum", level_percent: 68, color: "cyan" },
          { type: "toner", level_percent: 91, color: "black" },
          { type: "belt", level_percent: 83 },
          { type: "paper_feed_kit_1", level_percent: 92 },
        ],
      },
      {
        supplies: [
          { type: "toner", color: "black", levelPercent: 91, state: "ok" },
          { type: "drum", levelPercent: 68, state: "ok" },
          { type: "transfer", levelPercent: 83, state: "ok" },
          { type: "maintenance", levelPercent: 92, state: "ok" },
        ],
      },
    );
    // Only one drum was reported: one of the two expected drums is a miss.
    assert.deepEqual(
      checks.map((c) => c.hit),
      [true, false, true, true, true],
    );
    assert.match(checks[1]?.reason ?? "", /no unmatched supply of drum \(cyan\)/);
  });

  it("does not pair a supply with a contradicting colour or a different index", () => {
    const checks = score(
      { supplies: [{ type: "toner", level_percent: 40, color: "cyan", oid: oid("1.3") }] },
      {
        supplies: [
          { type: "toner", color: "black", levelPercent: 40, state: "ok" },
          { index: "1.4", type: "toner", levelPercent: 40, state: "ok" },
        ],
      },
    );
    assert.equal(checks[0]?.hit, false);
  });

  it("markerSupply / other accept any type", () => {
    const checks = score(
      { supplies: [{ type: "markerSupply", level_percent: 20, color: "black", oid: oid("1.1") }] },
      { supplies: [{ type: "toner", color: "black", levelPercent: 20, state: "ok" }] },
    );
    assert.equal(checks[0]?.hit, true);
  });

  describe("Printer-MIB -3 (some remaining), shown as 50 % by LibreNMS", () => {
    const expected = {
      supplies: [{ type: "wasteToner", level_percent: 50, max_capacity: 100, oid: oid("1.13") }],
    };
    const recorded = { prtMarkerSupplies: [{ index: "1.13", level: -3, max_capacity: -2 }] };

    it("null + ok is the right reading and a hit, tagged", () => {
      const c = score(
        expected,
        { supplies: [{ index: "1.13", type: "waste", levelPercent: null, state: "ok" }] },
        recorded,
      );
      assert.equal(c[0]?.hit, true);
      assert.equal(c[0]?.rule, "-3 → some remaining");
      const byType = score(
        expected,
        { supplies: [{ type: "waste", levelPercent: null, state: "ok" }] },
        recorded,
      );
      assert.equal(byType[0]?.hit, true);
    });

    it("an invented 50 % or a wrong state is a miss", () => {
      const fifty = score(
        expected,
        { supplies: [{ index: "1.13", type: "waste", levelPercent: 50, state: "ok" }] },
        recorded,
      );
      assert.equal(fifty[0]?.hit, false);
      assert.match(fifty[0]?.reason ?? "", /no percentage/);
      const unknown = score(
        expected,
        { supplies: [{ index: "1.13", type: "waste", levelPercent: null, state: "unknown" }] },
        recorded,
      );
      assert.equal(unknown[0]?.hit, false);
    });

    it("without the raw -3 in `recorded`, null is a miss", () => {
      const c = score(expected, {
        supplies: [{ index: "1.13", type: "waste", levelPercent: null, state: "ok" }],
      });
      assert.equal(c[0]?.hit, false);
    });
  });
});

describe("presence, failures, summary", () => {
  it("has_supplies / has_page_counter", () => {
    const c = score(
      { has_supplies: true, has_page_counter: true },
      { supplies: [], counters: { total: 12 } },
    );
    assert.equal(only(c, "has_supplies").hit, false);
    assert.equal(only(c, "has_page_counter").hit, true);
  });

  it("a failed read is a miss for every asserted field", () => {
    const entry: ExpectedEntry = {
      file: "y.snmprec",
      expected: {
        vendor: "HP",
        page_counters: { total: 1 },
        supplies: [{ type: "toner", level_percent: 5 }],
      },
    };
    const checks = scoreDevice(entry, { error: "exit code 1" });
    assert.equal(checks.length, 3);
    assert.ok(checks.every((c) => !c.hit && c.reason === "read failed: exit code 1"));
  });

  it("tallies per kind and overall", () => {
    const checks = score(
      { vendor: "HP", mac: "00:00:00:00:00:01", page_counters: { total: 3 } },
      { vendor: "HP", counters: { total: 3 } },
    );
    const s = summarise(checks);
    assert.deepEqual(s.overall, { hits: 2, asserted: 3 });
    assert.deepEqual(s.byKind.mac, { hits: 0, asserted: 1 });
    assert.equal(percent(s.overall), "66.7 %");
    assert.equal(percent(s.byKind.supplies), "—");
  });
});
