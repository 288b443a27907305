import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * Hardened XML reading and writing on top of fast-xml-parser, shared by everything that reads or
 * writes the scan file (the collector writes it, the portal parses uploads with the same code).
 *
 * Reading rejects any document type declaration (so no entity can be defined, no external
 * resource named, no "billion laughs"), decodes only the five predefined entities and character
 * references, and rejects characters that XML 1.0 cannot carry. Writing escapes every value and
 * drops characters that XML 1.0 cannot carry.
 */

/** One element: its attributes, its child elements in document order and its character data. */
export interface XmlElement {
  name: string;
  /** Attribute values, already decoded. Parsed elements get an object without prototype. */
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  /**
   * The character data directly inside the element (CDATA sections included), pieces joined.
   * Whitespace between child elements is kept here too: callers ignore what they don't expect.
   */
  text: string;
}

export type XmlErrorCode =
  /** The input is longer than the reader's limit. */
  | "too-large"
  /** The input contains a `<!DOCTYPE` or `<!ENTITY` declaration. */
  | "dtd-forbidden"
  /** The input contains a character XML 1.0 does not allow (also as a character reference). */
  | "invalid-char"
  /** The input is not well-formed XML, or uses an entity other than the five predefined ones. */
  | "malformed"
  /** Well-formed, but elements or attributes are not the ones expected. */
  | "unexpected-structure"
  /** The structure is right, but a value fails the schema (device record, scan file). */
  | "invalid-value"
  /** A versioned document (the scan file) declares a major version this reader does not know. */
  | "unsupported-version";

/** Every problem reading (or refusing to write) scan-file XML is thrown as this error. */
export class XmlError extends Error {
  readonly code: XmlErrorCode;
  /** Record path of the offending field, e.g. `supplies[0].type`, when the problem has one. */
  readonly field: string | undefined;
  /** 1-based line and column in the input, when known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    code: XmlErrorCode,
    message: string,
    where: { field?: string; line?: number; column?: number } = {},
  ) {
    const at = where.line === undefined ? "" : ` (line ${where.line}, column ${where.column ?? 0})`;
    super(message + at);
    this.name = "XmlError";
    this.code = code;
    this.field = where.field;
    this.line = where.line;
    this.column = where.column;
  }
}

export interface ParseXmlOptions {
  /** Longest accepted input, in UTF-16 code units. Default 16 MiB. */
  maxLength?: number;
  /** Deepest accepted element nesting (the root is depth 1). Default 32. */
  maxDepth?: number;
}

const defaultMaxLength = 16 * 1024 * 1024;
const defaultMaxDepth = 32;

/** Characters XML 1.0 cannot carry: C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates. */
const invalidXmlChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const invalidXmlChars = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const dtdDeclaration = /<!(?:DOCTYPE|ENTITY)/i;

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

const predefinedEntities: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

const reference = /&(?:#([0-9]+)|#x([0-9a-fA-F]+)|([A-Za-z_][A-Za-z0-9._-]*))?(;?)/y;

/**
 * An error found while decoding `raw` (an attribute value or a piece of text); parseXml adds
 * the position by finding `raw` in the input, then `snippet` in it.
 */
class DecodeError extends Error {
  readonly code: XmlErrorCode;
  readonly raw: string;
  readonly snippet: string;
  constructor(code: XmlErrorCode, message: string, raw: string, snippet: string) {
    super(message);
    this.code = code;
    this.raw = raw;
    this.snippet = snippet;
  }
}

function locate(xml: string, e: DecodeError): { line: number; column: number } | undefined {
  const at = e.raw === "" ? -1 : xml.indexOf(e.raw);
  const offset = at < 0 ? -1 : e.raw.indexOf(e.snippet);
  const index = offset < 0 ? xml.indexOf(e.snippet) : at + offset;
  return index < 0 ? undefined : lineAndColumn(xml, index);
}

/**
 * Decodes attribute values and character data: the five predefined entities and character
 * references, nothing else. Installed as fast-xml-parser's entity decoder, which is not called
 * for CDATA sections.
 */
function decodeReferences(raw: string): string {
  // Character data never holds a '<' here (the parser splits there); an attribute value may.
  if (raw.includes("<")) {
    throw new DecodeError("malformed", "a '<' in an attribute value must be written as &lt;", raw, "<");
  }
  if (!raw.includes("&")) return raw;
  let out = "";
  let last = 0;
  for (let amp = raw.indexOf("&"); amp !== -1; amp = raw.indexOf("&", last)) {
    out += raw.slice(last, amp);
    reference.lastIndex = amp;
    const m = reference.exec(raw);
    const [whole = "&", dec, hexDigits, name, semicolon] = m ?? [];
    if (semicolon !== ";" || (dec === undefined && hexDigits === undefined && name === undefined)) {
      throw new DecodeError(
        "malformed",
        "a '&' that does not start a reference such as &amp; (write a literal '&' as &amp;)",
        raw,
        whole,
      );
    }
    if (name !== undefined) {
      if (!Object.hasOwn(predefinedEntities, name)) {
        throw new DecodeError(
          "malformed",
          `undefined entity ${whole}: only &amp; &lt; &gt; &quot; &apos; and character references are allowed`,
          raw,
          whole,
        );
      }
      out += predefinedEntities[name];
    } else {
      const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hexDigits ?? "", 16);
      if (!isXmlChar(cp)) {
        throw new DecodeError(
          "invalid-char",
          `character reference ${whole} names a character XML 1.0 does not allow`,
          raw,
          whole,
        );
      }
      out += String.fromCodePoint(cp);
    }
    last = amp + whole.length;
  }
  return out + raw.slice(last);
}

const entityDecoder = {
  setExternalEntities(_entities: Record<string, string>): void {
    throw new DecodeError("dtd-forbidden", "entity definitions are not allowed", "", "<!ENTITY");
  },
  addInputEntities(entities: Record<string, string>): void {
    if (Object.keys(entities).length > 0) {
      throw new DecodeError("dtd-forbidden", "entity definitions are not allowed", "", "<!ENTITY");
    }
  },
  reset(): void {},
  setXmlVersion(_version: number): void {},
  decode: decodeReferences,
};

type OrderedNode = Record<string, unknown>;

function parserFor(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    allowBooleanAttributes: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: false,
    entityDecoder,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: false,
    cdataPropName: false,
    removeNSPrefix: false,
    maxNestedTags: maxDepth,
    // Only for the root's end index: the parser drops text after a root element silently.
    captureMetaData: true,
  });
}

const parsers = new Map<number, XMLParser>();
const metaData = XMLParser.getMetaDataSymbol() as unknown as string;

function toElement(node: OrderedNode, name: string): XmlElement {
  const attributes: Record<string, string> = Object.create(null);
  const rawAttributes = node[":@"] as Record<string, unknown> | undefined;
  if (rawAttributes) {
    for (const [key, value] of Object.entries(rawAttributes)) attributes[key.slice(2)] = String(value);
  }
  const children: XmlElement[] = [];
  let text = "";
  for (const child of node[name] as OrderedNode[]) {
    const childName = Object.keys(child).find((k) => k !== ":@");
    if (childName === undefined) continue;
    if (childName === "#text") text += String(child[childName]);
    else children.push(toElement(child, childName));
  }
  return { name, attributes, children, text };
}

/**
 * Parses one XML document into its root element, refusing anything beyond plain elements,
 * attributes, text, CDATA, comments and processing instructions (the last two are dropped).
 * Throws {@link XmlError}.
 */
export function parseXml(xml: string, options: ParseXmlOptions = {}): XmlElement {
  const maxLength = options.maxLength ?? defaultMaxLength;
  const maxDepth = options.maxDepth ?? defaultMaxDepth;
  if (typeof xml !== "string") throw new XmlError("malformed", "XML input must be a string");
  if (xml.length > maxLength) {
    throw new XmlError("too-large", `XML input is ${xml.length} characters long, the limit is ${maxLength}`);
  }
  if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1);
  if (xml.trim() === "") throw new XmlError("malformed", "XML input is empty");

  const dtd = dtdDeclaration.exec(xml);
  if (dtd) {
    throw new XmlError(
      "dtd-forbidden",
      `XML input contains a '${dtd[0]}' declaration; document type and entity declarations are not allowed`,
      lineAndColumn(xml, dtd.index),
    );
  }
  const bad = invalidXmlChar.exec(xml);
  if (bad) {
    throw new XmlError(
      "invalid-char",
      `XML input contains the character ${hex(bad[0].codePointAt(0) ?? 0)}, which XML 1.0 does not allow`,
      lineAndColumn(xml, bad.index),
    );
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new XmlError("malformed", `malformed XML: ${valid.err.msg}`, {
      line: valid.err.line,
      column: valid.err.col,
    });
  }

  let parser = parsers.get(maxDepth);
  if (!parser) {
    parser = parserFor(maxDepth);
    parsers.set(maxDepth, parser);
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (e) {
    if (e instanceof DecodeError) {
      throw new XmlError(e.code, `malformed XML: ${e.message}`, locate(xml, e));
    }
    const message = e instanceof Error ? e.message : String(e);
    if (/nested tags/i.test(message)) {
      throw new XmlError("malformed", `XML elements are nested deeper than ${maxDepth} levels`);
    }
    throw new XmlError("malformed", `malformed XML: ${message}`);
  }

  const roots: XmlElement[] = [];
  let rootEnd = 0;
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ":@");
    if (name === undefined) continue;
    if (name === "#text") {
      if (String(node[name]).trim() !== "")
        throw new XmlError("malformed", "malformed XML: text outside the root element");
      continue;
    }
    roots.push(toElement(node, name));
    rootEnd = (node[metaData] as { endIndex?: number } | undefined)?.endIndex ?? rootEnd;
  }
  const [root, second] = roots;
  if (!root) throw new XmlError("malformed", "malformed XML: no root element");
  if (second) {
    throw new XmlError(
      "malformed",
      `malformed XML: more than one root element (<${root.name}>, <${second.name}>)`,
    );
  }
  const tail = xml.slice(rootEnd).replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, "");
  if (tail.trim() !== "") {
    throw new XmlError(
      "malformed",
      "malformed XML: text after the root element",
      lineAndColumn(xml, rootEnd),
    );
  }
  return root;
}

/** Removes the characters XML 1.0 cannot carry (see module comment); other text is unchanged. */
export function stripInvalidXmlChars(value: string): string {
  return invalidXmlChar.test(value) ? value.replace(invalidXmlChars, "") : value;
}

/** Escapes character data. `\r` is written as a reference so readers don't turn it into `\n`. */
export function escapeXmlText(value: string): string {
  return stripInvalidXmlChars(value).replace(/[&<>\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#13;",
  );
}

/**
 * Escapes a double-quoted attribute value. Tab, LF and CR are written as references, since a
 * reader normalises literal ones to spaces.
 */
export function escapeXmlAttribute(value: string): string {
  return stripInvalidXmlChars(value).replace(/[&<"\t\n\r]/g, (c) => attributeEscapes[c] ?? c);
}

const attributeEscapes: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  '"': "&quot;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

const xmlName = /^[A-Za-z_][A-Za-z0-9._:-]*$/;

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  processEntities: false,
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  format: false,
  tagValueProcessor: (_name: string, value: unknown) => escapeXmlText(String(value)),
  attributeValueProcessor: (_name: string, value: unknown) => escapeXmlAttribute(String(value)),
});

function toOrdered(element: XmlElement): OrderedNode {
  if (!xmlName.test(element.name))
    throw new Error(`not an XML element name: ${JSON.stringify(element.name)}`);
  const content: OrderedNode[] = [];
  if (element.text !== "") content.push({ "#text": element.text });
  for (const child of element.children) content.push(toOrdered(child));
  const node: OrderedNode = { [element.name]: content };
  const names = Object.keys(element.attributes);
  if (names.length > 0) {
    const attributes: Record<string, string> = {};
    for (const name of names) {
      if (!xmlName.test(name)) throw new Error(`not an XML attribute name: ${JSON.stringify(name)}`);
      attributes[`@${name}`] = element.attributes[name] ?? "";
    }
    node[":@"] = attributes;
  }
  return node;
}

/**
 * Writes an element as compact XML (no declaration, no indentation), escaping every value and
 * dropping characters XML 1.0 cannot carry. Element and attribute names must be plain ASCII names.
 */
export function buildXml(element: XmlElement): string {
  return builder.build([toOrdered(element)]) as string;
}
