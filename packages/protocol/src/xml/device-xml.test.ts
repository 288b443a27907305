import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import {
  alertSchema,
  type DeviceRecord,
  deviceRecordSchema,
  statusSchema,
  supplySchema,
} from "../device-record.ts";
import { fullRecord, minimalRecord, mulberry32, randomRecord } from "./device-xml.fixtures.ts";
import { deviceFromXml, deviceToXml, deviceXmlLayout, formatDecimal } from "./device-xml.ts";
import { XmlError } from "./safe-xml.ts";

function roundTrip(record: DeviceRecord): DeviceRecord {
  return deviceFromXml(deviceToXml(record));
}

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

describe("device XML layout", () => {
  it("maps every field of the device-record schema", () => {
    assert.deepEqual(
      sorted([...deviceXmlLayout.deviceAttributes, ...deviceXmlLayout.deviceElements]),
      sorted(Object.keys(deviceRecordSchema.shape)),
    );
    assert.deepEqual(sorted(deviceXmlLayout.supplyAttributes), sorted(Object.keys(supplySchema.shape)));
    assert.deepEqual(
      sorted([...deviceXmlLayout.statusAttributes, ...deviceXmlLayout.statusElements]),
      sorted(Object.keys(statusSchema.shape)),
    );
    assert.deepEqual(sorted(deviceXmlLayout.alertAttributes), sorted(Object.keys(alertSchema.shape)));
  });

  it("has a full fixture that sets every field, so the round trip covers all of them", () => {
    assert.deepEqual(sorted(Object.keys(fullRecord)), sorted(Object.keys(deviceRecordSchema.shape)));
    const supplyKeys = new Set(fullRecord.supplies.flatMap((s) => Object.keys(s)));
    assert.deepEqual(sorted(supplyKeys), sorted(Object.keys(supplySchema.shape)));
    const alertKeys = new Set(fullRecord.alerts.flatMap((a) => Object.keys(a)));
    assert.deepEqual(sorted(alertKeys), sorted(Object.keys(alertSchema.shape)));
    assert.deepEqual(sorted(Object.keys(fullRecord.status)), sorted(Object.keys(statusSchema.shape)));
    deviceRecordSchema.parse(fullRecord);
  });

  it("writes one compact <device> element without declaration or indentation", () => {
    const xml = deviceToXml(fullRecord);
    assert.match(xml, /^<device ip="192\.0\.2\.17" /);
    assert.ok(xml.endsWith("</device>"));
    assert.doesNotMatch(xml, /<\?xml|>\s+</);
    assert.ok(xml.includes('<counter name="total">9007199254740991</counter>'));
    assert.ok(
      xml.includes(
        '<supply index="1.5" type="waste" class="receptacle" description="Waste Toner Box" state="unknown"/>',
      ),
    );
    assert.ok(
      xml.includes(
        '<status device="warning" printer="idle"><error>lowToner</error><error>doorOpen</error></status>',
      ),
    );
  });

  it("writes a minimal record as a single empty element", () => {
    assert.equal(deviceToXml(minimalRecord), '<device ip="192.0.2.18"/>');
  });

  it("keeps a full device well under 2 KB gzipped", () => {
    const xml = deviceToXml(fullRecord);
    const gz = gzipSync(Buffer.from(xml, "utf8"), { level: 9 }).length;
    assert.ok(gz < 2048, `gzipped ${gz} bytes`);
  });
});

describe("device XML round trip", () => {
  it("keeps a record with every optional field present", () => {
    assert.deepStrictEqual(roundTrip(fullRecord), fullRecord);
  });

  it("keeps a record with every optional field absent and empty lists", () => {
    assert.deepStrictEqual(roundTrip(minimalRecord), minimalRecord);
  });

  it("keeps a counter unit without counters, and status attributes without errors", () => {
    const r: DeviceRecord = {
      ...minimalRecord,
      counterUnit: "sheets",
      status: { printer: "printing", errors: [] },
    };
    assert.deepStrictEqual(roundTrip(r), r);
    const s: DeviceRecord = { ...minimalRecord, status: { errors: ["jammed"] } };
    assert.deepStrictEqual(roundTrip(s), s);
  });

  it("keeps levelPercent null apart from 0 and keeps fractional and tiny percentages", () => {
    for (const levelPercent of [null, 0, 100, 37.5, 33.333333333333336, 0.1, 1e-7, 5e-324]) {
      const r: DeviceRecord = { ...minimalRecord, supplies: [{ type: "ink", levelPercent, state: "ok" }] };
      assert.deepStrictEqual(roundTrip(r), r, String(levelPercent));
    }
  });

  it("keeps big counters up to 2^53-1", () => {
    const r: DeviceRecord = {
      ...minimalRecord,
      uptimeSeconds: Number.MAX_SAFE_INTEGER,
      counters: { total: Number.MAX_SAFE_INTEGER, mono: 2 ** 52 + 1, color: 0, duplex: 1e15 },
      supplies: [
        {
          type: "drum",
          levelPercent: 1,
          state: "ok",
          level: Number.MAX_SAFE_INTEGER,
          maxCapacity: Number.MAX_SAFE_INTEGER,
        },
      ],
    };
    assert.deepStrictEqual(roundTrip(r), r);
  });

  it("keeps strings that look like numbers, booleans or nothing as strings", () => {
    const looksLikeOther = ["00123", "1234", "1e3", "0x1F", " 42 ", "-0", "true", "null", "NaN", "", " "];
    for (const s of looksLikeOther) {
      const r: DeviceRecord = {
        ...minimalRecord,
        serial: s,
        model: s,
        vendor: s,
        sysDescr: s,
        alerts: [{ severity: s, code: s }],
        supplies: [{ type: "toner", levelPercent: null, state: "ok", index: s, partNumber: s, unit: s }],
      };
      const back = roundTrip(r);
      assert.deepStrictEqual(back, r, JSON.stringify(s));
      assert.equal(typeof back.serial, "string");
    }
  });

  it("keeps markup characters, quotes, whitespace and non-ASCII text", () => {
    const tricky = [
      "a < b && c > d",
      "]]> <![CDATA[ x ]]>",
      `"double" 'single' "mixed'`,
      "&amp; &lt; &#65; &foo;",
      "Büro 2. OG",
      "Zürich – Straße 5 · Ĳ € 漢字 😀 𝔘",
      "tab\there\nnew line\r\nCRLF\rCR",
      "  leading and trailing  ",
      "\u0085\u2028\u00a0 C1 and separators",
    ];
    for (const s of tricky) {
      const r: DeviceRecord = {
        ...minimalRecord,
        name: s,
        location: s,
        sysDescr: s,
        counters: { [s]: 1, plain: 2 },
        supplies: [{ type: "other", color: s, description: s, levelPercent: 50, state: "low" }],
        alerts: [{ severity: s, description: s, time: s }],
      };
      assert.deepStrictEqual(roundTrip(r), r, JSON.stringify(s));
    }
  });

  it("drops characters XML 1.0 cannot carry when writing", () => {
    const r: DeviceRecord = {
      ...minimalRecord,
      location: "Raum\u0000 1\u0001\u0008\u000b\u000c\u001f\ufffe\uffff\ud800 ok",
      sysDescr: "HP\u0000",
      counters: { "a\u0007b": 3 },
    };
    const xml = deviceToXml(r);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the test
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/);
    const back = deviceFromXml(xml);
    assert.equal(back.location, "Raum 1 ok");
    assert.equal(back.sysDescr, "HP");
    assert.deepEqual(back.counters, { ab: 3 });
  });

  it("keeps random records (seeded)", () => {
    const random = mulberry32(0x5eed);
    for (let i = 0; i < 300; i++) {
      const r = randomRecord(random);
      deviceRecordSchema.parse(r);
      assert.deepStrictEqual(roundTrip(r), r, `record ${i}: ${JSON.stringify(r)}`);
    }
  });
});

describe("deviceToXml", () => {
  it("refuses a record that fails the schema, naming the field", () => {
    const bad = { ...minimalRecord, counters: { total: -5 } };
    assert.throws(
      () => deviceToXml(bad),
      (e: unknown) => e instanceof XmlError && e.code === "invalid-value" && e.field === "counters.total",
    );
    const unsafe = { ...minimalRecord, counters: { total: 2 ** 53 } };
    assert.throws(() => deviceToXml(unsafe), /counters\.total/);
  });
});

describe("formatDecimal", () => {
  it("writes numbers without exponent and reads back the same value", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [37.5, "37.5"],
      [1e-7, "0.0000001"],
      [1.25e-8, "0.0000000125"],
      [-1.5e-9, "-0.0000000015"],
      [1e21, "1000000000000000000000"],
      [1.2345e22, "12345000000000000000000"],
    ];
    for (const [n, s] of cases) {
      assert.equal(formatDecimal(n), s);
      assert.equal(Number(s), n);
    }
  });
});
