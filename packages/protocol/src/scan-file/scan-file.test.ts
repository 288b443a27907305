import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mulberry32, randomRecord } from "../xml/device-xml.fixtures.ts";
import { deviceToXml } from "../xml/device-xml.ts";
import { parseXml, XmlError } from "../xml/safe-xml.ts";
import { documentedExample, fullScan, minimalScan, realisticScan } from "./scan-file.fixtures.ts";
import {
  collectorHealthSchema,
  collectorIdentitySchema,
  rangeReportSchema,
  type ScanFile,
  scanFileFromXml,
  scanFileSchema,
  scanFileToXml,
} from "./scan-file.ts";
import { prune, scanLayout } from "./scan-layout.ts";

const roundTrip = (scan: ScanFile) => scanFileFromXml(scanFileToXml(scan));

describe("scan file round trip", () => {
  it("keeps a full scan", () => {
    assert.deepStrictEqual(roundTrip(fullScan), fullScan);
  });

  it("keeps a minimal scan with no ranges and no devices", () => {
    assert.deepStrictEqual(roundTrip(minimalScan), minimalScan);
  });

  it("keeps 250 realistic devices", () => {
    const scan = realisticScan(250);
    assert.deepStrictEqual(roundTrip(scan), scan);
  });

  it("keeps devices with tricky text and extreme numbers (seeded)", () => {
    const random = mulberry32(0x5ca9f11e);
    const devices = Array.from({ length: 40 }, (_, i) => ({
      credential: i % 5,
      device: { ...randomRecord(random), ip: `10.1.0.${i}` },
    }));
    const scan: ScanFile = { ...fullScan, devices };
    assert.deepStrictEqual(roundTrip(scan), scan);
  });

  it("reads the example in docs/scan-file.md and writes it back", () => {
    const scan = scanFileFromXml(documentedExample());
    assert.equal(scan.devices[1]?.credential, 2);
    assert.equal(scan.ranges[1]?.answeredPing, undefined);
    assert.deepStrictEqual(roundTrip(scan), scan);
  });

  it("sets every optional field in the full fixture", () => {
    for (const key of Object.keys(scanFileSchema.shape)) assert.ok(key in fullScan, key);
    for (const key of Object.keys(collectorIdentitySchema.shape)) assert.ok(key in fullScan.collector, key);
    for (const key of Object.keys(collectorHealthSchema.shape)) assert.ok(key in fullScan.health, key);
    for (const key of Object.keys(rangeReportSchema.shape)) assert.ok(key in (fullScan.ranges[0] ?? {}), key);
  });
});

describe("scanFileToXml", () => {
  it("writes a declaration, the version first, one line per range and per device", () => {
    // Line breaks inside text (a multi-line sysDescr) stay as they are; realisticScan has none.
    const lines = scanFileToXml(realisticScan(3)).split("\n");
    assert.equal(lines[0], '<?xml version="1.0" encoding="UTF-8"?>');
    assert.match(lines[1] ?? "", /^<scan schemaVersion="1" scanId="7e3f2a10-/);
    assert.deepEqual(
      lines.map((line) => /^(<\?xml|<\/?[a-z]+)/i.exec(line)?.[0] ?? line),
      [
        "<?xml",
        "<scan",
        "<collector",
        "<health",
        "<ranges",
        ...Array(4).fill("<range"),
        "</ranges",
        "<devices",
        ...Array(3).fill("<reading"),
        "</devices",
        "</scan",
        "",
      ],
    );
  });

  it("puts each <device> exactly as deviceToXml writes it", () => {
    const xml = scanFileToXml(fullScan);
    const [first, second] = fullScan.devices;
    assert.ok(first && second);
    assert.ok(xml.includes(`\n<reading credential="0">${deviceToXml(first.device)}</reading>\n`));
    assert.ok(xml.includes(`\n<reading credential="3">${deviceToXml(second.device)}</reading>\n`));
  });

  it("never writes a secret a caller left on the objects", () => {
    const secret = "s3cret-community";
    const [first] = fullScan.devices;
    assert.ok(first);
    // Extra keys, as a careless caller might spread settings into the objects.
    const device = { ...first.device, community: secret };
    const reading = { ...first, community: secret, device };
    const leaky = { ...fullScan, community: secret, collector: { ...fullScan.collector, authKey: secret } };
    const out = scanFileToXml({ ...leaky, devices: [reading] });
    assert.ok(!out.includes(secret), out);
  });

  it("refuses an invalid scan, naming the field", () => {
    const devices = realisticScan(5).devices.map((d, i) =>
      i === 3 ? { ...d, device: { ...d.device, counters: { ...d.device.counters, total: -1 } } } : d,
    );
    assert.throws(
      () => scanFileToXml({ ...fullScan, devices }),
      (e: unknown) =>
        e instanceof XmlError &&
        e.code === "invalid-value" &&
        e.field === "devices[3].device.counters.total" &&
        /devices\[3\]\.device\.counters\.total: .*>=0 \(got -1\)/.test(e.message),
    );
  });

  it("refuses two readings of one address", () => {
    const [first] = fullScan.devices;
    assert.ok(first);
    assert.throws(
      () => scanFileToXml({ ...fullScan, devices: [first, { ...first, credential: 1 }] }),
      (e: unknown) =>
        e instanceof XmlError &&
        e.field === "devices[1].device.ip" &&
        /duplicate address, already in devices\[0\]/.test(e.message),
    );
  });
});

describe("scan file versions", () => {
  const xml = scanFileToXml(fullScan);

  it('reads "1.0" as "1"', () => {
    assert.deepStrictEqual(
      scanFileFromXml(xml.replace('schemaVersion="1"', 'schemaVersion="1.0"')),
      fullScan,
    );
  });

  /** What a 1.1 writer might add: optional attributes and elements at every level. */
  const newer = xml
    .replace('schemaVersion="1"', 'schemaVersion="1.1" site="Berlin"')
    .replace("<collector ", '<collector arch="arm64" ')
    .replace("</health>", "<memory rss='81234944'><heap>1</heap></memory></health>")
    .replace("<ranges>", "<ranges><note>added later</note>")
    .replace('<reading credential="0">', '<reading credential="0" snmpVersion="2c"><timing ms="84"/>')
    .replace('<device ip="192.0.2.17"', '<device ip="192.0.2.17" ipv6="2001:db8::17"')
    .replace('<supply index="1.1"', '<supply index="1.1" serial="X1"')
    .replace("</devices>", "<pending ip='192.0.2.99'/></devices>")
    .replace("</scan>", "<summary>3 printers</summary></scan>");

  it("skips what a newer minor version adds", () => {
    for (const added of [
      "site=",
      "arch=",
      "<memory",
      "<note>",
      "snmpVersion=",
      "<timing",
      "ipv6=",
      'serial="X1"',
    ]) {
      assert.ok(newer.includes(added), added);
    }
    assert.deepStrictEqual(scanFileFromXml(newer), fullScan);
  });

  it("refuses the same additions in a version it knows", () => {
    assert.throws(
      () => scanFileFromXml(newer.replace('schemaVersion="1.1"', 'schemaVersion="1"')),
      (e: unknown) => e instanceof XmlError && e.code === "unexpected-structure",
    );
  });

  it("still checks what it knows in a newer minor version", () => {
    assert.throws(
      () => scanFileFromXml(newer.replace('queuedScans="1"', 'queuedScans="-1"')),
      (e: unknown) => e instanceof XmlError && e.code === "invalid-value" && e.field === "health.queuedScans",
    );
  });

  it("prunes nothing a 1.0 document has (the layout covers the device element)", () => {
    const parsed = parseXml(scanFileToXml(realisticScan(20)));
    assert.deepStrictEqual(prune(parsed, scanLayout), parsed);
    const full = parseXml(xml);
    assert.deepStrictEqual(prune(full, scanLayout), full);
  });
});

describe("scan layout", () => {
  it("names the fields of the zod schemas", () => {
    const { collector, health, ranges } = scanLayout.children;
    const shape = scanFileSchema.shape;
    assert.deepEqual(
      [...scanLayout.attributes, ...Object.keys(scanLayout.children)].sort(),
      ["schemaVersion", ...Object.keys(shape)].sort(),
    );
    assert.deepEqual(collector.attributes, Object.keys(collectorIdentitySchema.shape));
    assert.deepEqual([...health.attributes, "errors"], Object.keys(collectorHealthSchema.shape));
    assert.deepEqual(ranges.children.range.attributes, Object.keys(rangeReportSchema.shape));
  });
});
