import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createMemoryLogger } from "../log.ts";
import { snmpValue } from "../testing/values.ts";
import { brotherLevelSteps, brotherRecords, pjlDeviceIdField } from "./decoders.ts";
import { ProfileEvaluator, requiredOids } from "./evaluate.ts";
import { ProfileError, parseProfile, type ResolvedProfile, resolveProfiles } from "./load.ts";
import { matchProfile } from "./match.ts";
import type { ProfileFile } from "./schema.ts";

function resolve(files: Record<string, string>): Map<string, ResolvedProfile> {
  const parsed = new Map<string, ProfileFile>(
    Object.entries(files).map(([n, t]) => [n, parseProfile(t, `${n}.yaml`)]),
  );
  return new Map(resolveProfiles(parsed).map((p) => [p.name, p]));
}

describe("profile files", () => {
  test("unknown keys are errors that name the file and the field", () => {
    assert.throws(
      () => parseProfile("vendor: X\nmodle:\n  - source: sysDescr\n", "x.yaml"),
      /x\.yaml: .*modle|x\.yaml: \(top\)/,
    );
    assert.throws(
      () => parseProfile("counters:\n  total:\n    - oid: 1.3.six\n", "y.yaml"),
      /y\.yaml: counters\.total/,
    );
    assert.throws(() => parseProfile("vendor: [unclosed\n", "z.yaml"), ProfileError);
  });
  test("unknown parent and cycles are reported", () => {
    assert.throws(() => resolve({ a: "extends: [nope]\n" }), /a: extends unknown profile "nope"/);
    assert.throws(() => resolve({ a: "extends: [b]\n", b: "extends: [a]\n" }), /inheritance cycle/);
  });
  test("a value pattern or supply condition that is not a regular expression is refused at load", () => {
    assert.throws(
      () => parseProfile("model:\n  - source: sysDescr\n    pattern: '(['\n", "p.yaml"),
      /p\.yaml: model\.0\.pattern|p\.yaml: model/,
    );
    assert.throws(
      () =>
        parseProfile(
          "supplies:\n  - type: ink\n    when: { oid: 1.3.6.1.4.1.9.1.0, matches: '*x' }\n    levelPercent: { oid: 1.3.6.1.4.1.9.2.0 }\n",
          "q.yaml",
        ),
      /q\.yaml: supplies/,
    );
  });
  test("a bad sysDescr pattern is reported", () => {
    assert.throws(() => resolve({ a: "match:\n  - sysDescr: '(['\n" }), /a: bad sysDescr pattern/);
  });
  test("inheritance: child alternatives first, then the parent's; scalars from the child", () => {
    const profiles = resolve({
      _base: "model:\n  - source: hrDeviceDescr\ncounters:\n  total:\n    - source: prtMarkerLifeCount\n",
      vendor: "extends: [_base]\nvendor: Acme\nprinter: true\nmodel:\n  - oid: 1.3.6.1.4.1.9.1.0\n",
      rebrand: "extends: [vendor]\nvendor: Brand\n",
    });
    const rebrand = profiles.get("rebrand");
    assert.equal(rebrand?.vendor, "Brand");
    assert.equal(rebrand?.printer, true);
    assert.deepEqual(rebrand?.identity.model, [{ oid: "1.3.6.1.4.1.9.1.0" }, { source: "hrDeviceDescr" }]);
    assert.deepEqual(rebrand?.counters.get("total"), [{ source: "prtMarkerLifeCount" }]);
    assert.deepEqual(rebrand?.lineage, ["rebrand", "vendor", "_base"]);
    assert.equal(profiles.get("_base")?.abstract, true);
  });
});

describe("profile matching", () => {
  const profiles = [
    ...resolve({
      kyocera: "match:\n  - sysObjectId: 1.3.6.1.4.1.1347\n",
      utax: "match:\n  - sysObjectId: 1.3.6.1.4.1.1347\n    sysDescr: '^UTAX'\n",
      hp: "match:\n  - sysObjectId: 1.3.6.1.4.1.11.2.3.9\n  - sysDescr: 'JETDIRECT'\n",
      _abstract: "match:\n  - sysObjectId: 1.3.6\n",
    }).values(),
  ];
  const name = (d: Parameters<typeof matchProfile>[1]) => matchProfile(profiles, d)?.name;
  test("prefix on whole arcs", () => {
    assert.equal(name({ sysObjectId: "1.3.6.1.4.1.1347.41" }), "kyocera");
    assert.equal(name({ sysObjectId: "1.3.6.1.4.1.13470.1" }), undefined);
  });
  test("a sysDescr condition beats a plain enterprise match", () => {
    assert.equal(name({ sysObjectId: "1.3.6.1.4.1.1347.41", sysDescr: "UTAX P-4532DN" }), "utax");
    assert.equal(name({ sysObjectId: "1.3.6.1.4.1.1347.41", sysDescr: "HP ETHERNET,JETDIRECT EX" }), "hp");
  });
  test("abstract profiles never match; nothing matches → undefined", () => {
    assert.equal(name({ sysObjectId: "1.3.6.1.2.1" }), undefined);
  });
  test("devices without sysObjectID match by their first enterprise", () => {
    assert.equal(name({ enterpriseOid: "1.3.6.1.4.1.11" }), "hp");
    assert.equal(name({ enterpriseOid: "1.3.6.1.4.1.1347" }), "kyocera");
  });
});

describe("profile evaluation", () => {
  const profile = resolve({
    p: `
model:
  - oid: 1.3.6.1.4.1.9.1.0
    pattern: "^ACME (.+)$"
  - source: hrDeviceDescr
serial:
  - oid: 1.3.6.1.4.1.9.2.0
firmware:
  - oid: 1.3.6.1.4.1.9.3.0
    decode: pjl-device-id
    field: FW
counters:
  printMono: { oid: 1.3.6.1.4.1.9.10.1 }
  copyMono: { oid: 1.3.6.1.4.1.9.10.2 }
  faxMono: { oid: 1.3.6.1.4.1.9.10.3 }
  mono: { sum: [printMono, copyMono] }
  monoAll: { sum: [printMono, copyMono, faxMono, 1.3.6.1.4.1.9.10.99] }
  monoAny: { sumAny: [printMono, 1.3.6.1.4.1.9.10.99] }
  color: { diff: [1.3.6.1.4.1.9.10.4, mono] }
  scan: { walkSum: 1.3.6.1.4.1.9.20 }
  blobTotal: { oid: 1.3.6.1.4.1.9.30.0, decode: brother-records, key: 0 }
  toner: { oid: 1.3.6.1.4.1.9.30.0, decode: brother-records, key: 0x6f, scale: 0.01 }
  negative: { oid: 1.3.6.1.4.1.9.10.5 }
  capped: [{ oid: 1.3.6.1.4.1.9.10.6, max: 1000 }, { counter: printMono }]
  mapped: { oid: 1.3.6.1.4.1.9.10.7, map: { "2": 20 } }
  loop: { counter: loop }
`,
  }).get("p") as ResolvedProfile;

  const oids = new Map([
    ["1.3.6.1.4.1.9.1.0", snmpValue.octets("Something else")],
    ["1.3.6.1.4.1.9.2.0", snmpValue.int(123)],
    ["1.3.6.1.4.1.9.3.0", snmpValue.octets("MFG:Acme;FW:1.2.3;")],
    ["1.3.6.1.4.1.9.10.1", snmpValue.counter(100)],
    ["1.3.6.1.4.1.9.10.2", snmpValue.counter(50)],
    ["1.3.6.1.4.1.9.10.4", snmpValue.counter64(400n)],
    ["1.3.6.1.4.1.9.10.5", snmpValue.int(-5)],
    ["1.3.6.1.4.1.9.10.6", snmpValue.int(5000)],
    ["1.3.6.1.4.1.9.10.7", snmpValue.int(2)],
    ["1.3.6.1.4.1.9.30.0", snmpValue.bytes(Buffer.from("000104000003daff", "hex"))],
  ]);
  const walks = new Map([
    [
      "1.3.6.1.4.1.9.20",
      [
        { oid: "1.3.6.1.4.1.9.20.1", value: snmpValue.int(7) },
        { oid: "1.3.6.1.4.1.9.20.2", value: snmpValue.int(8) },
        { oid: "1.3.6.1.4.1.9.20.3", value: snmpValue.octets("junk") },
      ],
    ],
  ]);
  const log = createMemoryLogger();
  const ev = new ProfileEvaluator(profile, { standard: { hrDeviceDescr: "Acme 3000" }, oids, walks }, log);

  test("identity: pattern miss falls through to the next alternative", () => {
    assert.equal(ev.text(profile.identity.model), "Acme 3000");
    assert.equal(ev.text(profile.identity.serial), "123");
    assert.equal(ev.text(profile.identity.firmware), "1.2.3");
  });
  test("sums, partial sums, differences and table sums", () => {
    assert.equal(ev.counter("mono"), 150);
    assert.equal(ev.counter("monoAll"), undefined, "a sum with a missing term yields nothing");
    assert.equal(ev.counter("monoAny"), 100);
    assert.equal(ev.counter("color"), 250);
    assert.equal(ev.counter("scan"), 15);
  });
  test("decoders, scale, map, min/max and absurd values", () => {
    assert.equal(ev.counter("blobTotal"), 986);
    assert.equal(ev.counter("toner"), undefined, "no record 0x6f in that blob");
    assert.equal(ev.counter("negative"), undefined);
    assert.equal(ev.counter("capped"), 100, "out-of-range value falls back to the next alternative");
    assert.equal(ev.counter("mapped"), 20);
  });
  test("supply conditions hold only on a present, matching value", () => {
    assert.equal(ev.holds({ oid: "1.3.6.1.4.1.9.3.0", matches: "MFG:acme" }), true, "case-insensitive");
    assert.equal(ev.holds({ oid: "1.3.6.1.4.1.9.3.0", matches: "MFG:Other" }), false);
    assert.equal(ev.holds({ oid: "1.3.6.1.4.1.9.99.0", matches: "" }), false, "absent never holds");
    assert.equal(ev.holds({ source: "hrDeviceDescr", matches: "^Acme 3" }), true);
  });
  test("a counter that refers to itself yields nothing and is logged", () => {
    assert.equal(ev.counter("loop"), undefined);
    assert.ok(log.lines.some((l) => l.includes("refers to itself")));
  });
  test("required OIDs: scalars to GET and subtrees to walk", () => {
    const needed = requiredOids(profile);
    assert.ok(needed.get.includes("1.3.6.1.4.1.9.10.99"));
    assert.ok(needed.get.includes("1.3.6.1.4.1.9.30.0"));
    assert.deepEqual(needed.walk, ["1.3.6.1.4.1.9.20"]);
  });
});

describe("decoders", () => {
  test("brother records: 4-byte and 1-byte values, stops at 0xFF", () => {
    const blob = Buffer.from("110104000061a83101010141010103ff6301040000000a", "hex");
    assert.deepEqual(
      [...brotherRecords(blob)],
      [
        [0x11, 25000],
        [0x31, 1],
        [0x41, 3],
      ],
    );
  });
  test("brother records: truncated or malformed blobs yield what was whole", () => {
    assert.deepEqual([...brotherRecords(Buffer.from("6f0104000023", "hex"))], []);
    assert.deepEqual([...brotherRecords(Buffer.from("00010400000001" + "7702", "hex"))], [[0, 1]]);
    assert.deepEqual([...brotherRecords(Buffer.alloc(0))], []);
  });
  test("brother level steps: two bytes, steps of full scale", () => {
    assert.equal(brotherLevelSteps(Buffer.from([0x0c, 0x14])), 60);
    assert.equal(
      brotherLevelSteps(Buffer.from([0x15, 0x14])),
      undefined,
      "more steps than the scale is absurd",
    );
    assert.equal(brotherLevelSteps(Buffer.from([0x0c])), undefined);
  });
  test("IEEE 1284 device id fields", () => {
    const id = "MFG:Brother;CMD:PJL,HBP;MDL:DCP-1618W;CLS:PRINTER;";
    assert.equal(pjlDeviceIdField(id, "MDL"), "DCP-1618W");
    assert.equal(pjlDeviceIdField("MANUFACTURER:X;MODEL:Y 2;", "MDL"), "Y 2");
    assert.equal(pjlDeviceIdField(id, "SN"), undefined);
  });
});
