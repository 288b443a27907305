import type { z } from "zod";
import { type DeviceRecord, deviceRecordSchema } from "../device-record.ts";
import { buildXml, parseXml, type XmlElement, XmlError } from "./safe-xml.ts";

/**
 * The XML form of one device record: a `<device>` element, the unit of the scan file.
 * Layout (docs/scan-file.md, "Device element"; schema: device.xsd beside this file):
 *
 *   <device ip=".." vendor=".." …>            scalar fields as attributes
 *     <sysDescr>…</sysDescr>                  the one long, often multi-line, scalar
 *     <counters unit="impressions"><counter name="total">123</counter>…</counters>
 *     <supplies><supply type="toner" levelPercent="80" state="ok" …/>…</supplies>
 *     <status device="running" printer="idle"><error>lowPaper</error>…</status>
 *     <alerts><alert severity="warning" code="…" …/>…</alerts>
 *   </device>
 *
 * An absent field is an absent attribute or element; an empty list is an absent (or empty)
 * wrapper element; a null `levelPercent` is an absent attribute. The element carries no
 * namespace and no XML declaration, so it can be placed inside the scan document unchanged.
 */

/** How a scalar field is written as an attribute. */
type ValueKind = "string" | "integer" | "decimal";
interface AttributeField {
  key: string;
  kind: ValueKind;
  /** The record holds null (not "absent") when the attribute is absent. */
  nullWhenAbsent?: boolean;
}

const deviceAttributes: readonly AttributeField[] = [
  { key: "ip", kind: "string" },
  { key: "vendor", kind: "string" },
  { key: "model", kind: "string" },
  { key: "serial", kind: "string" },
  { key: "mac", kind: "string" },
  { key: "name", kind: "string" },
  { key: "location", kind: "string" },
  { key: "firmware", kind: "string" },
  { key: "sysObjectId", kind: "string" },
  { key: "uptimeSeconds", kind: "integer" },
];
const supplyAttributes: readonly AttributeField[] = [
  { key: "index", kind: "string" },
  { key: "type", kind: "string" },
  { key: "class", kind: "string" },
  { key: "color", kind: "string" },
  { key: "description", kind: "string" },
  { key: "partNumber", kind: "string" },
  { key: "levelPercent", kind: "decimal", nullWhenAbsent: true },
  { key: "state", kind: "string" },
  { key: "level", kind: "integer" },
  { key: "maxCapacity", kind: "integer" },
  { key: "unit", kind: "string" },
];
const statusAttributes: readonly AttributeField[] = [
  { key: "device", kind: "string" },
  { key: "printer", kind: "string" },
];
const alertAttributes: readonly AttributeField[] = [
  { key: "severity", kind: "string" },
  { key: "group", kind: "string" },
  { key: "code", kind: "string" },
  { key: "description", kind: "string" },
  { key: "time", kind: "string" },
];

/**
 * Where each record field lives in the XML, for tests that check every schema field is mapped.
 * Record fields not listed as attributes: `sysDescr` (element), `counters` and `counterUnit`
 * (`<counters unit>`), `supplies`, `status` (`errors` as `<error>` children), `alerts`.
 */
export const deviceXmlLayout = {
  deviceAttributes: deviceAttributes.map((f) => f.key),
  deviceElements: ["sysDescr", "counters", "counterUnit", "supplies", "status", "alerts"],
  supplyAttributes: supplyAttributes.map((f) => f.key),
  statusAttributes: statusAttributes.map((f) => f.key),
  statusElements: ["errors"],
  alertAttributes: alertAttributes.map((f) => f.key),
} as const;

/** Longest `<device>` document deviceFromXml accepts (characters); a real one is a few KB. */
export const maxDeviceXmlLength = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Writing

/** Writes a number without exponent notation (xs:decimal), exactly as JavaScript shortest form. */
export function formatDecimal(n: number): string {
  const s = String(n);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const sign = s.startsWith("-") ? "-" : "";
  const mantissa = s.slice(sign.length, e);
  const exponent = Number(s.slice(e + 1));
  const [whole = "", fraction = ""] = mantissa.split(".");
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function attributesOf(
  source: Record<string, unknown>,
  fields: readonly AttributeField[],
): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { key, kind } of fields) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    attributes[key] = kind === "string" ? String(value) : formatDecimal(value as number);
  }
  return attributes;
}

function element(
  name: string,
  attributes: Record<string, string> = {},
  children: XmlElement[] = [],
  text = "",
) {
  return { name, attributes, children, text };
}

function fail(
  message: string,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  rawTexts: ReadonlyMap<string, string> = new Map(),
): never {
  const first = issues[0];
  const field = first ? formatPath(first.path) : undefined;
  const details = issues
    .slice(0, 5)
    .map((issue) => {
      const path = formatPath(issue.path);
      const raw = rawTexts.get(path);
      const got = valueAt(input, issue.path);
      const shown =
        raw !== undefined
          ? ` (got ${JSON.stringify(raw)})`
          : got === undefined
            ? " (missing)"
            : ` (got ${JSON.stringify(got)})`;
      return `${path || "(record)"}: ${issue.message}${shown}`;
    })
    .join("; ");
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
  throw new XmlError("invalid-value", `${message}: ${details}${more}`, field === undefined ? {} : { field });
}

/**
 * The `<device>` element of a record, for a caller that builds a larger document (the scan file).
 * Validates the record first and throws {@link XmlError} (`invalid-value`) naming the field.
 */
export function deviceToXmlElement(record: DeviceRecord): XmlElement {
  const checked = deviceRecordSchema.safeParse(record);
  if (!checked.success) fail("cannot write device XML", checked.error.issues, record);
  const r = checked.data;

  const children: XmlElement[] = [];
  if (r.sysDescr !== undefined) children.push(element("sysDescr", {}, [], r.sysDescr));

  const counterEntries = Object.entries(r.counters);
  if (counterEntries.length > 0 || r.counterUnit !== undefined) {
    children.push(
      element(
        "counters",
        r.counterUnit === undefined ? {} : { unit: r.counterUnit },
        counterEntries.map(([name, value]) => element("counter", { name }, [], String(value))),
      ),
    );
  }
  if (r.supplies.length > 0) {
    children.push(
      element(
        "supplies",
        {},
        r.supplies.map((s) => element("supply", attributesOf(s, supplyAttributes))),
      ),
    );
  }
  const statusAttrs = attributesOf(r.status, statusAttributes);
  if (Object.keys(statusAttrs).length > 0 || r.status.errors.length > 0) {
    children.push(
      element(
        "status",
        statusAttrs,
        r.status.errors.map((error) => element("error", {}, [], error)),
      ),
    );
  }
  if (r.alerts.length > 0) {
    children.push(
      element(
        "alerts",
        {},
        r.alerts.map((a) => element("alert", attributesOf(a, alertAttributes))),
      ),
    );
  }
  return element("device", attributesOf(r, deviceAttributes), children);
}

/**
 * One device record as a compact `<device>` element (no XML declaration, no indentation).
 * Characters XML 1.0 cannot carry (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, lone
 * surrogates) are dropped from strings; everything else round-trips through deviceFromXml.
 * Throws {@link XmlError} (`invalid-value`) when the record fails the schema.
 */
export function deviceToXml(record: DeviceRecord): string {
  return buildXml(deviceToXmlElement(record));
}

// ---------------------------------------------------------------------------------------------
// Reading

const integerText = /^[+-]?[0-9]+$/;
const decimalText = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/**
 * Numbers are converted when they look like one; anything else is left for zod to reject. The
 * text of every number is kept by record path, so an error shows what the document said.
 */
function readValue(text: string, kind: ValueKind, path: readonly PropertyKey[], rawTexts: RawTexts): unknown {
  if (kind === "string") return text;
  rawTexts.set(formatPath(path), text);
  const trimmed = text.trim();
  const pattern = kind === "integer" ? integerText : decimalText;
  return pattern.test(trimmed) ? Number(trimmed) : text;
}

type RawTexts = Map<string, string>;

function describe(el: XmlElement, index?: number): string {
  return index === undefined ? `<${el.name}>` : `<${el.name}> #${index + 1}`;
}

function structure(message: string, field?: string): never {
  throw new XmlError(
    "unexpected-structure",
    `invalid device XML: ${message}`,
    field === undefined ? {} : { field },
  );
}

function readAttributes(
  el: XmlElement,
  fields: readonly AttributeField[],
  where: string,
  path: readonly PropertyKey[],
  rawTexts: RawTexts,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Set(fields.map((f) => f.key));
  for (const name of Object.keys(el.attributes)) {
    if (!known.has(name)) structure(`unknown attribute "${name}" on ${where}`);
  }
  for (const { key, kind, nullWhenAbsent } of fields) {
    const value = el.attributes[key];
    if (value !== undefined) out[key] = readValue(value, kind, [...path, key], rawTexts);
    else if (nullWhenAbsent) out[key] = null;
  }
  return out;
}

function noText(el: XmlElement, where: string): void {
  if (el.text.trim() !== "")
    structure(`unexpected text ${JSON.stringify(el.text.trim().slice(0, 40))} in ${where}`);
}

function leafText(el: XmlElement, where: string): string {
  if (el.children.length > 0) structure(`unexpected element <${el.children[0]?.name}> in ${where}`);
  return el.text;
}

/** The children of a list wrapper, which must all be `<itemName>` elements. */
function items(el: XmlElement, itemName: string, allowedAttributes: readonly string[] = []): XmlElement[] {
  const where = describe(el);
  for (const name of Object.keys(el.attributes)) {
    if (!allowedAttributes.includes(name)) structure(`unknown attribute "${name}" on ${where}`);
  }
  noText(el, where);
  for (const child of el.children) {
    if (child.name !== itemName)
      structure(`unexpected element <${child.name}> in ${where}, expected <${itemName}>`);
  }
  return el.children;
}

function emptyItem(el: XmlElement, index: number): void {
  const where = describe(el, index);
  noText(el, where);
  if (el.children.length > 0) structure(`unexpected element <${el.children[0]?.name}> in ${where}`);
}

const deviceChildNames = new Set(["sysDescr", "counters", "supplies", "status", "alerts"]);

/**
 * The record of a parsed `<device>` element (e.g. one child of the scan document's root).
 * Throws {@link XmlError}: `unexpected-structure` for unknown or repeated elements and
 * attributes, `invalid-value` (with `field`) when a value fails the device-record schema.
 */
export function deviceFromXmlElement(el: XmlElement): DeviceRecord {
  if (el.name !== "device") structure(`expected a <device> element, found <${el.name}>`);
  noText(el, "<device>");
  const byName = new Map<string, XmlElement>();
  for (const child of el.children) {
    if (!deviceChildNames.has(child.name)) structure(`unexpected element <${child.name}> in <device>`);
    if (byName.has(child.name)) structure(`<${child.name}> appears more than once in <device>`);
    byName.set(child.name, child);
  }

  const rawTexts: RawTexts = new Map();
  const record: Record<string, unknown> = readAttributes(el, deviceAttributes, "<device>", [], rawTexts);

  const sysDescr = byName.get("sysDescr");
  if (sysDescr) {
    if (Object.keys(sysDescr.attributes).length > 0) structure("unexpected attribute on <sysDescr>");
    record.sysDescr = leafText(sysDescr, "<sysDescr>");
  }

  const counters: [string, unknown][] = [];
  const countersEl = byName.get("counters");
  if (countersEl) {
    const seen = new Set<string>();
    items(countersEl, "counter", ["unit"]).forEach((c, i) => {
      const where = describe(c, i);
      const name = c.attributes.name;
      if (name === undefined) structure(`${where} in <counters> has no "name" attribute`, "counters");
      for (const attr of Object.keys(c.attributes)) {
        if (attr !== "name") structure(`unknown attribute "${attr}" on ${where}`);
      }
      if (seen.has(name)) structure(`counter "${name}" appears more than once`, `counters.${name}`);
      seen.add(name);
      counters.push([name, readValue(leafText(c, where), "integer", ["counters", name], rawTexts)]);
    });
    if (countersEl.attributes.unit !== undefined) record.counterUnit = countersEl.attributes.unit;
  }
  // fromEntries defines own properties, so a counter named "__proto__" cannot reach a prototype.
  record.counters = Object.fromEntries(counters);

  const suppliesEl = byName.get("supplies");
  record.supplies = suppliesEl
    ? items(suppliesEl, "supply").map((s, i) => {
        emptyItem(s, i);
        return readAttributes(s, supplyAttributes, describe(s, i), ["supplies", i], rawTexts);
      })
    : [];

  const statusEl = byName.get("status");
  const status: Record<string, unknown> = statusEl
    ? readAttributes(statusEl, statusAttributes, "<status>", ["status"], rawTexts)
    : {};
  if (statusEl) {
    noText(statusEl, "<status>");
    status.errors = statusEl.children.map((child, i) => {
      if (child.name !== "error")
        structure(`unexpected element <${child.name}> in <status>, expected <error>`);
      if (Object.keys(child.attributes).length > 0)
        structure(`unexpected attribute on ${describe(child, i)}`);
      return leafText(child, describe(child, i));
    });
  } else {
    status.errors = [];
  }
  record.status = status;

  const alertsEl = byName.get("alerts");
  record.alerts = alertsEl
    ? items(alertsEl, "alert").map((a, i) => {
        emptyItem(a, i);
        return readAttributes(a, alertAttributes, describe(a, i), ["alerts", i], rawTexts);
      })
    : [];

  const checked = deviceRecordSchema.safeParse(record);
  if (!checked.success) fail("invalid device XML", checked.error.issues, record, rawTexts);
  return checked.data;
}

/**
 * Parses and validates one `<device>` document (as written by deviceToXml; an XML declaration,
 * comments and whitespace between elements are accepted). Rejects DOCTYPE/ENTITY declarations,
 * undefined entities, characters XML 1.0 does not allow, inputs over {@link maxDeviceXmlLength}
 * and anything failing the device-record schema, always with an {@link XmlError}.
 */
export function deviceFromXml(xml: string): DeviceRecord {
  return deviceFromXmlElement(parseXml(xml, { maxLength: maxDeviceXmlLength, maxDepth: 4 }));
}

// ---------------------------------------------------------------------------------------------
// Error helpers

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && identifier.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = Object.hasOwn(value, key) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return value;
}
