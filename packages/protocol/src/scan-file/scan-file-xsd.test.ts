import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { mulberry32, randomRecord } from "../xml/device-xml.fixtures.ts";
import { parseXml, type XmlElement } from "../xml/safe-xml.ts";
import { documentedExample, fullScan, minimalScan, realisticScan } from "./scan-file.fixtures.ts";
import { type ScanFile, scanFileToXml, scanKinds } from "./scan-file.ts";
import { scanLayout } from "./scan-layout.ts";

const xsdPath = new URL("./scan-file-v1.xsd", import.meta.url);
const deviceXsdPath = new URL("../xml/device.xsd", import.meta.url);

/**
 * Validation runs Debian's `xmllint` (libxml2-utils), which resolves the schema's include of
 * ../xml/device.xsd from the file system. Without it, these tests skip with a message; the
 * consistency tests below always run.
 */
const hasXmllint = spawnSync("xmllint", ["--version"], { encoding: "utf8" }).status === 0;
const skip = hasXmllint ? false : "no XSD validator: install Debian's libxml2-utils (xmllint)";

function validate(xml: string): { valid: boolean; errors: string } {
  const run = spawnSync("xmllint", ["--noout", "--nonet", "--schema", xsdPath.pathname, "-"], {
    input: xml,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  return { valid: run.status === 0, errors: run.stderr };
}

function valid(xml: string): void {
  const result = validate(xml);
  assert.ok(result.valid, result.errors);
}

function invalid(xml: string, message: RegExp): void {
  const result = validate(xml);
  assert.ok(!result.valid, `expected the schema to reject:\n${xml.slice(0, 2000)}`);
  assert.match(result.errors, message);
}

describe(`scan-file-v1.xsd validation (${hasXmllint ? "xmllint" : "skipped"})`, () => {
  const small = scanFileToXml(minimalScan);
  const full = scanFileToXml(fullScan);

  it("accepts a full and a minimal scan", { skip }, () => {
    valid(full);
    valid(small);
  });

  it("accepts the example in docs/scan-file.md", { skip }, () => {
    valid(documentedExample());
  });

  it("accepts 250 realistic devices", { skip }, () => {
    valid(scanFileToXml(realisticScan(250)));
  });

  it("accepts devices with tricky text and extreme numbers (seeded)", { skip }, () => {
    const random = mulberry32(0x0d5d);
    const devices = Array.from({ length: 30 }, (_, i) => ({
      credential: i,
      device: { ...randomRecord(random), ip: `10.1.0.${i}` },
    }));
    valid(scanFileToXml({ ...fullScan, devices } satisfies ScanFile));
  });

  it("accepts a later minor version number", { skip }, () => {
    valid(small.replace('schemaVersion="1"', 'schemaVersion="1.12"'));
  });

  it("rejects what scanFileFromXml rejects", { skip }, () => {
    invalid(small.replace('schemaVersion="1"', 'schemaVersion="2"'), /schemaVersion/);
    invalid(small.replace(/scanId="[^"]+"/, 'scanId="5D1C2B3A-4E5F-4A6B-8C7D-9E0F1A2B3C4D"'), /scanId/);
    invalid(small.replace('kind="refresh"', 'kind="full"'), /kind/);
    invalid(small.replace("10:20:00Z", "10:20:00"), /startedAt/);
    invalid(small.replace(/<collector [^>]*\/>/, ""), /collector/);
    invalid(small.replace("<scan ", '<scan site="x" '), /site/);
    invalid(full.replace('ip="192.0.2.18"', 'ip="192.0.2.17"'), /uniqueDeviceIp|[Dd]uplicate/);
    invalid(full.replace('credential="3"', 'credential="-1"'), /credential/);
    invalid(
      full.replace('<device ip="192.0.2.18"/>', '<device ip="192.0.2.18"/><device ip="192.0.2.19"/>'),
      /device/,
    );
    invalid(full.replace('tried="253"', 'tried="many"'), /tried/);
  });

  it("checks the included <device> element too", { skip }, () => {
    invalid(full.replace('<counter name="total">9007199254740991<', '<counter name="total">-5<'), /-5/);
    invalid(full.replace('name="mono"', 'name="total"'), /uniqueCounterName|[Dd]uplicate/);
    invalid(full.replace('type="waste"', 'type="plasma"'), /plasma/);
  });
});

// --- The schema agrees with the layout and the zod schema, validator or not --------------------

const schema = parseXml(readFileSync(xsdPath, "utf8"));

function all(el: XmlElement, predicate: (e: XmlElement) => boolean): XmlElement[] {
  return [...(predicate(el) ? [el] : []), ...el.children.flatMap((c) => all(c, predicate))];
}

function complexType(name: string): XmlElement {
  const [el] = all(schema, (e) => e.name === "xs:complexType" && e.attributes.name === name);
  assert.ok(el, `xs:complexType ${name} in scan-file-v1.xsd`);
  return el;
}

const attributeNames = (el: XmlElement) =>
  all(el, (e) => e.name === "xs:attribute").map((e) => e.attributes.name ?? "");
const elementNames = (el: XmlElement) =>
  all(el, (e) => e.name === "xs:element").map((e) => e.attributes.name ?? `ref:${e.attributes.ref}`);

describe("scan-file-v1.xsd consistency", () => {
  const { collector, health, ranges, devices } = scanLayout.children;

  it("declares the attributes and elements of the layout", () => {
    assert.deepEqual(attributeNames(complexType("Scan")), scanLayout.attributes);
    assert.deepEqual(elementNames(complexType("Scan")), Object.keys(scanLayout.children));
    assert.deepEqual(attributeNames(complexType("ScanCollector")), collector.attributes);
    assert.deepEqual(attributeNames(complexType("ScanHealth")), health.attributes);
    assert.deepEqual(elementNames(complexType("ScanHealth")), Object.keys(health.children));
    assert.deepEqual(elementNames(complexType("ScanRanges")), Object.keys(ranges.children));
    assert.deepEqual(attributeNames(complexType("ScanRange")), ranges.children.range.attributes);
    assert.deepEqual(elementNames(complexType("ScanDevices")), Object.keys(devices.children));
    assert.deepEqual(attributeNames(complexType("ScanReading")), devices.children.reading.attributes);
  });

  it("lists the scan kinds of the zod schema", () => {
    const values = all(schema, (e) => e.name === "xs:simpleType" && e.attributes.name === "ScanKind").flatMap(
      (t) => all(t, (e) => e.name === "xs:enumeration").map((e) => e.attributes.value),
    );
    assert.deepEqual(values, [...scanKinds]);
  });

  it("keeps one definition of <device>: device.xsd's, included and referred to", () => {
    const include = all(schema, (e) => e.name === "xs:include");
    assert.deepEqual(
      include.map((e) => e.attributes.schemaLocation),
      ["../xml/device.xsd"],
    );
    assert.deepEqual(elementNames(complexType("ScanReading")), ["ref:device"]);
    assert.deepEqual(
      all(schema, (e) => e.name === "xs:element" && e.attributes.name === "device"),
      [],
    );
    const deviceSchema = parseXml(readFileSync(deviceXsdPath, "utf8"));
    assert.equal(
      all(deviceSchema, (e) => e.name === "xs:element" && e.attributes.name === "device").length,
      1,
    );
  });
});
