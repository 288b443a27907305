import { deviceXmlLayout } from "../xml/device-xml.ts";
import type { XmlElement } from "../xml/safe-xml.ts";
import { XmlError } from "../xml/safe-xml.ts";

/**
 * The element tree of the scan document as data: which attributes and children each element
 * has. The reader checks a document against it (strictly for versions it knows) or prunes a
 * newer minor version down to it; the XSD test checks scan-file-v1.xsd declares the same names.
 */

export interface ElementLayout {
  readonly attributes: readonly string[];
  /** Attributes read as whole numbers. */
  readonly integers?: readonly string[];
  readonly children?: Readonly<Record<string, ChildLayout>>;
  /** The element holds character data and no elements. */
  readonly text?: boolean;
  /** A `<device>`: deviceFromXmlElement checks it, this layout only serves pruning. */
  readonly device?: boolean;
}

export interface ChildLayout extends ElementLayout {
  /** The element may repeat (a list item); its index joins the field path. */
  readonly many?: boolean;
  /** The record key the element maps to, for field paths; list items of a wrapper have none. */
  readonly field?: string;
}

const leaf = (field?: string): ChildLayout => ({
  attributes: [],
  text: true,
  many: true,
  ...(field && { field }),
});

/** The `<device>` element as device-xml.ts writes it (its own reader checks the details). */
const deviceLayout: ChildLayout = {
  field: "device",
  device: true,
  attributes: deviceXmlLayout.deviceAttributes,
  children: {
    sysDescr: { attributes: [], text: true },
    counters: {
      attributes: ["unit"],
      children: { counter: { attributes: ["name"], text: true, many: true } },
    },
    supplies: {
      attributes: [],
      children: { supply: { attributes: deviceXmlLayout.supplyAttributes, many: true } },
    },
    status: { attributes: deviceXmlLayout.statusAttributes, children: { error: leaf() } },
    alerts: {
      attributes: [],
      children: { alert: { attributes: deviceXmlLayout.alertAttributes, many: true } },
    },
  },
};

export const scanLayout = {
  attributes: ["schemaVersion", "scanId", "kind", "startedAt", "endedAt", "settingsDigest"],
  children: {
    collector: { field: "collector", attributes: ["id", "version", "hostname", "os"] },
    health: {
      field: "health",
      attributes: [
        "version",
        "startedAt",
        "lastDiscoveryAt",
        "lastRefreshAt",
        "lastScanDevices",
        "queuedScans",
      ],
      integers: ["lastScanDevices", "queuedScans"],
      children: { error: leaf("errors") },
    },
    ranges: {
      field: "ranges",
      attributes: [],
      children: {
        range: {
          many: true,
          attributes: [
            "target",
            "tried",
            "answeredPing",
            "answeredSnmp",
            "printers",
            "noPing",
            "noSnmp",
            "notPrinter",
          ],
          integers: ["tried", "answeredPing", "answeredSnmp", "printers", "noPing", "noSnmp", "notPrinter"],
        },
      },
    },
    devices: {
      field: "devices",
      attributes: [],
      children: {
        reading: {
          many: true,
          attributes: ["credential"],
          integers: ["credential"],
          children: { device: deviceLayout },
        },
      },
    },
  },
} as const satisfies ElementLayout;

export type FieldPath = readonly (string | number)[];

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `devices[3].device.counters.total`, the form zod paths are shown in. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && identifier.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function childLayout(layout: ElementLayout, name: string): ChildLayout | undefined {
  return layout.children && Object.hasOwn(layout.children, name) ? layout.children[name] : undefined;
}

/** The field path of the `index`-th child `<name>` of an element at `path` (list items counted). */
export function childPath(path: FieldPath, child: ChildLayout, index: number): FieldPath {
  const withField = child.field === undefined ? path : [...path, child.field];
  return child.many ? [...withField, index] : withField;
}

function structure(message: string, path: FieldPath): never {
  const field = formatPath(path);
  throw new XmlError(
    "unexpected-structure",
    `invalid scan file: ${message}${field === "" ? "" : ` (${field})`}`,
    field === "" ? {} : { field },
  );
}

function describe(el: XmlElement, index: number | undefined): string {
  return index === undefined ? `<${el.name}>` : `<${el.name}> #${index + 1}`;
}

/**
 * Throws `unexpected-structure` for an attribute or element the layout does not have, a repeated
 * single element, or text where only elements belong. `<device>` elements are left to
 * deviceFromXmlElement.
 */
export function checkStructure(
  el: XmlElement,
  layout: ElementLayout,
  path: FieldPath = [],
  index?: number,
): void {
  const where = describe(el, index);
  for (const name of Object.keys(el.attributes)) {
    if (!layout.attributes.includes(name)) structure(`unknown attribute "${name}" on ${where}`, path);
  }
  if (layout.text) {
    const [first] = el.children;
    if (first) structure(`unexpected element <${first.name}> in ${where}`, path);
    return;
  }
  const text = el.text.trim();
  if (text !== "") structure(`unexpected text ${JSON.stringify(text.slice(0, 40))} in ${where}`, path);
  const counts = new Map<string, number>();
  for (const child of el.children) {
    const sub = childLayout(layout, child.name);
    if (!sub) structure(`unexpected element <${child.name}> in ${where}`, path);
    const n = counts.get(child.name) ?? 0;
    counts.set(child.name, n + 1);
    const at = childPath(path, sub, n);
    if (!sub.many && n > 0) structure(`<${child.name}> appears more than once in ${where}`, at);
    if (!sub.device) checkStructure(child, sub, at, sub.many ? n : undefined);
  }
}

/**
 * The element without the attributes and elements the layout does not have, at any depth
 * (inside `<device>` too): how a reader skips what a newer minor version added.
 */
export function prune(el: XmlElement, layout: ElementLayout): XmlElement {
  const attributes: Record<string, string> = Object.create(null);
  for (const name of layout.attributes) {
    const value = el.attributes[name];
    if (value !== undefined) attributes[name] = value;
  }
  const children: XmlElement[] = [];
  for (const child of el.children) {
    const sub = childLayout(layout, child.name);
    if (sub) children.push(prune(child, sub));
  }
  return { name: el.name, attributes, children, text: el.text };
}
