import type { z } from "zod";
import type { DeviceRecord } from "../device-record.ts";
import { deviceFromXmlElement, deviceToXmlElement } from "../xml/device-xml.ts";
import { buildXml, escapeXmlAttribute, parseXml, type XmlElement, XmlError } from "../xml/safe-xml.ts";
import {
  checkStructure,
  childPath,
  type ElementLayout,
  type FieldPath,
  formatPath,
  prune,
  scanLayout,
} from "./scan-layout.ts";
import { type ScanFile, scanFileSchema } from "./scan-schema.ts";
import { checkSchemaVersion, scanFileSchemaVersion, scanFileVersion } from "./scan-version.ts";

export * from "./scan-schema.ts";
export { type ScanFileVersion, scanFileSchemaVersion, scanFileVersion } from "./scan-version.ts";

/**
 * The scan file as XML (docs/scan-file.md, "Scan document"; schema: scan-file-v1.xsd):
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <scan schemaVersion="1" scanId=".." kind="discovery" startedAt=".." endedAt=".." settingsDigest="..">
 *   <collector id=".." version=".." hostname=".." os=".."/>
 *   <health version=".." startedAt=".." … queuedScans="0"><error>…</error>…</health>
 *   <ranges>
 *   <range target="192.0.2.0/24" tried="254" … />
 *   </ranges>
 *   <devices>
 *   <reading credential="0"><device ip="..">…</device></reading>
 *   </devices>
 *   </scan>
 *
 * One line per range and per device, so a reader's line number points at one device. Names are
 * the ScanFile field names; `<device>` is exactly what deviceToXmlElement writes.
 */

/** Longest document scanFileFromXml accepts by default: the portal's limit for a decompressed payload. */
export const maxScanFileXmlLength = 64 * 1024 * 1024;

/**
 * Deepest nesting accepted: version 1.0 needs 6 (scan, devices, reading, device, supplies,
 * supply); the rest is room for what a later minor version may add.
 */
const maxDepth = 16;

export interface ScanFileFromXmlOptions {
  /** Longest accepted document in UTF-16 code units; default {@link maxScanFileXmlLength}. */
  maxLength?: number;
}

// ---------------------------------------------------------------------------------------------
// Errors

type RawTexts = Map<string, string>;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = Object.hasOwn(value, key) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return value;
}

/** Throws `invalid-value` naming every failing field (up to 5) and the text the document had. */
function invalid(
  message: string,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  rawTexts: RawTexts = new Map(),
): never {
  const first = issues[0];
  const details = issues
    .slice(0, 5)
    .map((issue) => {
      const path = formatPath(issue.path);
      const raw = rawTexts.get(path);
      const got = raw ?? valueAt(input, issue.path);
      const shown = got === undefined ? " (missing)" : ` (got ${JSON.stringify(got)})`;
      return `${path || "(scan)"}: ${issue.message}${shown}`;
    })
    .join("; ");
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
  throw new XmlError(
    "invalid-value",
    `${message}: ${details}${more}`,
    first ? { field: formatPath(first.path) } : {},
  );
}

// ---------------------------------------------------------------------------------------------
// Writing

function attributesOf(source: object, layout: ElementLayout): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const key of layout.attributes) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) attributes[key] = String(value);
  }
  return attributes;
}

function element(name: string, attributes: Record<string, string>, children: XmlElement[] = []): XmlElement {
  return { name, attributes, children, text: "" };
}

const { collector, health, ranges, devices } = scanLayout.children;
const range = ranges.children.range;
const reading = devices.children.reading;

/**
 * Writes a scan as an XML document (UTF-8 text with an XML declaration). Validates it first and
 * throws {@link XmlError} (`invalid-value`) naming the field, e.g. `devices[3].device.counters.total`.
 * Characters XML 1.0 cannot carry are dropped from strings, as in device elements.
 */
export function scanFileToXml(scan: ScanFile): string {
  const checked = scanFileSchema.safeParse(scan);
  if (!checked.success) invalid("cannot write scan file", checked.error.issues, scan);
  const s = checked.data;

  // The version first, then the layout's order.
  const rootAttributes = { schemaVersion: scanFileSchemaVersion, ...attributesOf(s, scanLayout) };
  const attrs = Object.entries(rootAttributes)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(value)}"`)
    .join("");

  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<scan${attrs}>`];
  lines.push(buildXml(element("collector", attributesOf(s.collector, collector))));
  lines.push(
    buildXml({
      ...element("health", attributesOf(s.health, health)),
      children: s.health.errors.map((line) => ({ ...element("error", {}), text: line })),
    }),
  );
  if (s.ranges.length > 0) {
    lines.push(
      "<ranges>",
      ...s.ranges.map((r) => buildXml(element("range", attributesOf(r, range)))),
      "</ranges>",
    );
  }
  if (s.devices.length > 0) {
    lines.push(
      "<devices>",
      ...s.devices.map((d) =>
        buildXml(element("reading", attributesOf(d, reading), [deviceToXmlElement(d.device)])),
      ),
      "</devices>",
    );
  }
  lines.push("</scan>", "");
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Reading

const integerText = /^[+-]?[0-9]+$/;

/** Attributes of the layout; whole numbers converted when they look like one, else left for zod. */
function readAttributes(
  el: XmlElement,
  layout: ElementLayout,
  path: FieldPath,
  rawTexts: RawTexts,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of layout.attributes) {
    const value = el.attributes[key];
    if (value === undefined) continue;
    if (layout.integers?.includes(key)) {
      rawTexts.set(formatPath([...path, key]), value);
      out[key] = integerText.test(value.trim()) ? Number(value.trim()) : value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

function readDevice(el: XmlElement, index: number): DeviceRecord {
  const path = ["devices", index, "device"];
  const [deviceEl] = childrenNamed(el, "device");
  if (!deviceEl) {
    throw new XmlError("unexpected-structure", `invalid scan file: <reading> #${index + 1} has no <device>`, {
      field: formatPath(path),
    });
  }
  try {
    return deviceFromXmlElement(deviceEl);
  } catch (e) {
    if (!(e instanceof XmlError)) throw e;
    // Say which device, and make the field a scan path: devices[3].device.counters.total.
    const ip = deviceEl.attributes.ip;
    const which = `${formatPath(path)}${ip === undefined ? "" : ` (ip ${JSON.stringify(ip)})`}`;
    const field = e.field === undefined ? formatPath(path) : `${formatPath(path)}.${e.field}`;
    const message = e.message.replace(/^invalid device XML: /, "");
    throw new XmlError(e.code, `invalid scan file: ${which}: ${message}`, { field });
  }
}

/**
 * Parses and validates a scan document. Refuses, always with an {@link XmlError}: DOCTYPE and
 * ENTITY declarations, undefined entities, characters XML 1.0 does not allow, inputs longer than
 * `maxLength` (`too-large`), nesting deeper than 16, a root other than `<scan>`, a major version
 * other than 1 (`unsupported-version`), unknown or repeated elements and attributes in a version it
 * knows (`unexpected-structure`), and values failing the schema (`invalid-value`, `field` set to
 * e.g. `devices[3].device.counters.total`). In a newer 1.x document, what 1.0 does not know is
 * skipped.
 */
export function scanFileFromXml(xml: string, options: ScanFileFromXmlOptions = {}): ScanFile {
  const parsed = parseXml(xml, { maxLength: options.maxLength ?? maxScanFileXmlLength, maxDepth });
  if (parsed.name !== "scan") {
    throw new XmlError(
      "unexpected-structure",
      `invalid scan file: expected a <scan> root element, found <${parsed.name}>`,
    );
  }
  const version = checkSchemaVersion(parsed.attributes.schemaVersion);
  const root = version.minor > scanFileVersion.minor ? prune(parsed, scanLayout) : parsed;
  checkStructure(root, scanLayout);

  const rawTexts: RawTexts = new Map();
  const scan = readAttributes(root, scanLayout, [], rawTexts);
  delete scan.schemaVersion;

  const [collectorEl] = childrenNamed(root, "collector");
  if (collectorEl) scan.collector = readAttributes(collectorEl, collector, ["collector"], rawTexts);

  const [healthEl] = childrenNamed(root, "health");
  if (healthEl) {
    const h = readAttributes(healthEl, health, ["health"], rawTexts);
    h.errors = healthEl.children.map((e) => e.text);
    scan.health = h;
  }

  const [rangesEl] = childrenNamed(root, "ranges");
  scan.ranges = childrenNamed(rangesEl, "range").map((r, i) =>
    readAttributes(r, range, childPath(["ranges"], range, i), rawTexts),
  );

  const [devicesEl] = childrenNamed(root, "devices");
  scan.devices = childrenNamed(devicesEl, "reading").map((r, i) => {
    const entry = readAttributes(r, reading, childPath(["devices"], reading, i), rawTexts);
    entry.device = readDevice(r, i);
    return entry;
  });

  const checked = scanFileSchema.safeParse(scan);
  if (!checked.success) invalid("invalid scan file", checked.error.issues, scan, rawTexts);
  return checked.data;
}
