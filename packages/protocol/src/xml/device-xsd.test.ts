import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  counterUnits,
  type DeviceRecord,
  deviceStates,
  printerErrorNames,
  printerStates,
  supplySchema,
  supplyStates,
  supplyTypes,
} from "../device-record.ts";
import { fullRecord, minimalRecord, mulberry32, randomRecord } from "./device-xml.fixtures.ts";
import { deviceToXml, deviceXmlLayout } from "./device-xml.ts";
import { parseXml, type XmlElement } from "./safe-xml.ts";

const xsdPath = new URL("./device.xsd", import.meta.url);
const xsd = readFileSync(xsdPath, "utf8");

/**
 * XSD validation needs libxml2: the npm package `xmllint-wasm` (WebAssembly, no native build)
 * when installed, else Debian's `xmllint` command (package libxml2-utils). Without either, the
 * validation tests skip with a message; the schema-consistency tests below always run.
 */
type Validate = (xml: string) => Promise<{ valid: boolean; errors: string }>;

async function findValidator(): Promise<{ name: string; validate: Validate } | undefined> {
  const wasmName = "xmllint-wasm";
  try {
    const wasm = (await import(wasmName)) as {
      validateXML(options: unknown): Promise<{ valid: boolean; errors: readonly { rawMessage: string }[] }>;
    };
    return {
      name: "xmllint-wasm",
      validate: async (xml) => {
        const result = await wasm.validateXML({
          xml: [{ fileName: "device.xml", contents: xml }],
          schema: [{ fileName: "device.xsd", contents: xsd }],
        });
        return { valid: result.valid, errors: result.errors.map((e) => e.rawMessage).join("\n") };
      },
    };
  } catch {
    // not installed: try the command
  }
  const probe = spawnSync("xmllint", ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) return undefined;
  return {
    name: "xmllint command",
    validate: async (xml) => {
      const run = spawnSync("xmllint", ["--noout", "--nonet", "--schema", xsdPath.pathname, "-"], {
        input: xml,
        encoding: "utf8",
      });
      if (run.error) throw run.error;
      return { valid: run.status === 0, errors: run.stderr };
    },
  };
}

const validator = await findValidator();
const skip = validator
  ? false
  : "no XSD validator: install the npm package xmllint-wasm or Debian's libxml2-utils (xmllint)";

describe(`device.xsd validation (${validator?.name ?? "skipped"})`, () => {
  const validate = async (xml: string) => {
    if (!validator) throw new Error("unreachable");
    return validator.validate(xml);
  };
  const valid = async (xml: string) => {
    const result = await validate(xml);
    assert.ok(result.valid, `${xml}\n${result.errors}`);
  };
  const invalid = async (xml: string, message: RegExp) => {
    const result = await validate(xml);
    assert.ok(!result.valid, `expected the schema to reject ${xml}`);
    assert.match(result.errors, message);
  };

  it("accepts the XML of a full record", { skip }, async () => {
    await valid(deviceToXml(fullRecord));
  });

  it("accepts the XML of a minimal record and of edge values", { skip }, async () => {
    await valid(deviceToXml(minimalRecord));
    const edges: DeviceRecord = {
      ...minimalRecord,
      name: "",
      location: "Büro 2. OG <&> \"'\t\n",
      sysDescr: "\r\n",
      counterUnit: "other",
      counters: { total: Number.MAX_SAFE_INTEGER, "": 0, "a b": 1 },
      supplies: [
        { type: "ink", levelPercent: 1e-7, state: "ok", maxCapacity: 1 },
        { type: "ink", levelPercent: 100, state: "empty" },
      ],
      status: { errors: ["overduePreventMaint"] },
    };
    await valid(deviceToXml(edges));
  });

  it("accepts the XML of random records (seeded)", { skip }, async () => {
    const random = mulberry32(0xd5d);
    for (let i = 0; i < 25; i++) await valid(deviceToXml(randomRecord(random)));
  });

  it("rejects what deviceFromXml rejects", { skip }, async () => {
    await invalid(
      `<device ip="1"><supplies><supply type="plasma" state="ok"/></supplies></device>`,
      /plasma/,
    );
    await invalid(`<device ip="1"><counters><counter name="total">-5</counter></counters></device>`, /-5/);
    await invalid(`<device ip="1" uptimeSeconds="9007199254740992"/>`, /9007199254740992/);
    await invalid(
      `<device ip="1"><counters><counter name="a">1</counter><counter name="a">2</counter></counters></device>`,
      /uniqueCounterName|[Dd]uplicate/,
    );
    await invalid(`<device vendor="x"/>`, /ip/);
    await invalid(`<device ip="1"><colour/></device>`, /colour/);
  });
});

// --- The schema agrees with the zod schema and the codec, validator or not --------------------

const schema = parseXml(xsd);

function find(el: XmlElement, predicate: (e: XmlElement) => boolean): XmlElement | undefined {
  if (predicate(el)) return el;
  for (const child of el.children) {
    const found = find(child, predicate);
    if (found) return found;
  }
  return undefined;
}

function named(kind: string, name: string): XmlElement {
  const el = find(schema, (e) => e.name === `xs:${kind}` && e.attributes.name === name);
  assert.ok(el, `xs:${kind} ${name} in device.xsd`);
  return el;
}

function enumeration(typeName: string): string[] {
  const values: string[] = [];
  find(named("simpleType", typeName), (e) => {
    if (e.name === "xs:enumeration") values.push(e.attributes.value ?? "");
    return false;
  });
  return values;
}

function attributeNames(el: XmlElement): string[] {
  const names: string[] = [];
  find(el, (e) => {
    if (e.name === "xs:attribute") names.push(e.attributes.name ?? "");
    return false;
  });
  return names;
}

describe("device.xsd consistency", () => {
  it("lists the same enumeration values as the zod schema", () => {
    assert.deepEqual(enumeration("CounterUnit"), [...counterUnits]);
    assert.deepEqual(enumeration("SupplyType"), [...supplyTypes]);
    assert.deepEqual(enumeration("SupplyClass"), [...supplySchema.shape.class.unwrap().options]);
    assert.deepEqual(enumeration("SupplyState"), [...supplyStates]);
    assert.deepEqual(enumeration("PrinterError"), [...printerErrorNames]);
    assert.deepEqual(enumeration("PrinterState"), [...printerStates]);
    assert.deepEqual(enumeration("DeviceState"), [...deviceStates]);
  });

  it("declares the attributes the codec writes", () => {
    assert.deepEqual(attributeNames(named("complexType", "Device")), deviceXmlLayout.deviceAttributes);
    assert.deepEqual(attributeNames(named("complexType", "Supply")), deviceXmlLayout.supplyAttributes);
    assert.deepEqual(attributeNames(named("complexType", "Status")), deviceXmlLayout.statusAttributes);
    assert.deepEqual(attributeNames(named("complexType", "Alert")), deviceXmlLayout.alertAttributes);
  });
});
