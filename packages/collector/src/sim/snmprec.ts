/**
 * snmpsim `.snmprec` recordings: one `OID|TAG|VALUE` line per varbind. Tags are the BER type
 * numbers in decimal (2 Integer32, 4 OctetString, 5 Null, 6 OID, 64 IpAddress, 65 Counter32,
 * 66 Gauge32, 67 TimeTicks, 68 Opaque, 70 Counter64); a trailing `x` means the value is hex,
 * a trailing `e` means it is a Python-escaped string (snmpsim writes both).
 *
 * A bad line is skipped and reported in `issues`, never thrown: recordings of real devices
 * carry odd lines and the simulator must still serve the rest.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { compareArcs, encodeOid, encodeValue, integerRange, parseOid, type SnmpValue, Type } from "./ber.ts";

export interface SnmpRecord {
  oid: string;
  arcs: number[];
  /** BER tag (see `Type`). */
  type: number;
  /** Integers: number (bigint when not a safe integer); OctetString/Opaque/IpAddress: bytes; OID: arcs; Null: null. */
  value: SnmpValue;
  /** Pre-encoded TLVs, so that answering is mostly copying bytes. */
  oidTlv: Buffer;
  valueTlv: Buffer;
}

export interface ParseIssue {
  line: number;
  text: string;
  reason: string;
}

export interface Recording {
  /** File name without `.snmprec`: the community that selects it. */
  name: string;
  file?: string;
  /** Sorted by OID (numeric arc order), no duplicates. */
  records: SnmpRecord[];
  issues: ParseIssue[];
}

const TYPES = new Set<number>([
  Type.Integer32,
  Type.OctetString,
  Type.Null,
  Type.OID,
  Type.IpAddress,
  Type.Counter32,
  Type.Gauge32,
  Type.TimeTicks,
  Type.Opaque,
  Type.Counter64,
]);

// Python's str.strip() on latin1 text (snmpsim strips each line before splitting it).
const isPySpace = (c: number) => (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0;
function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s.charCodeAt(a))) a++;
  while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

const PY_ESCAPES: Record<string, number> = {
  "\\": 92,
  "'": 39,
  '"': 34,
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
};

function unescapePython(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== "\\") {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const e = text[++i];
    if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e !== undefined && PY_ESCAPES[e] !== undefined) {
      out.push(PY_ESCAPES[e]);
    } else {
      throw new Error(`unknown escape \\${e ?? ""}`);
    }
  }
  return Buffer.from(out);
}

function hexBytes(text: string): Buffer {
  const hex = text.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error("not a hex string");
  return Buffer.from(hex, "hex");
}

/** Parses VALUE of a line; throws with the reason when it does not fit the type. */
function parseValue(type: number, raw: string, encoding: string): SnmpValue {
  const range = integerRange[type];
  if (range) {
    // `x` on an integer type: the number in hex (what pyasn1 does with hexValue).
    const big = encoding === "x" ? BigInt(`0x${hexBytes(raw).toString("hex") || "0"}`) : undefined;
    if (big === undefined && !/^[+-]?\d+$/.test(raw)) throw new Error("not an integer");
    const v = big ?? BigInt(raw);
    if (v < range[0] || v > range[1]) throw new Error("integer out of range for its type");
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  }
  const bytes = () =>
    encoding === "x" ? hexBytes(raw) : encoding === "e" ? unescapePython(raw) : Buffer.from(raw, "latin1");
  switch (type) {
    case Type.OctetString:
    case Type.Opaque:
      return bytes();
    case Type.Null:
      return null;
    case Type.OID: {
      const arcs = parseOid(encoding ? bytes().toString("latin1") : raw);
      if (!arcs) throw new Error("not an encodable OID");
      return arcs;
    }
    case Type.IpAddress: {
      if (encoding) {
        const b = bytes();
        if (b.length !== 4) throw new Error("IpAddress must be 4 bytes");
        return b;
      }
      const parts = raw.split(".");
      if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
        throw new Error("not a dotted IPv4 address");
      }
      return Buffer.from(parts.map(Number));
    }
  }
  throw new Error("unsupported type");
}

/** Parses one line; returns a record, or a reason string for a bad line, or undefined for blank/comment. */
export function parseLine(line: string): SnmpRecord | string | undefined {
  const text = pyStrip(line);
  if (text === "" || text.startsWith("#")) return undefined;
  const bar1 = text.indexOf("|");
  const bar2 = bar1 < 0 ? -1 : text.indexOf("|", bar1 + 1);
  if (bar2 < 0) return "expected OID|TAG|VALUE";
  const oid = text.slice(0, bar1);
  const tagText = text.slice(bar1 + 1, bar2);
  const raw = text.slice(bar2 + 1);
  const arcs = parseOid(oid);
  if (!arcs) return `bad OID ${JSON.stringify(oid)}`;
  const m = /^(\d+)([xe]?)$/.exec(tagText);
  const type = m ? Number(m[1]) : Number.NaN;
  if (!m || !TYPES.has(type)) {
    return tagText.includes(":")
      ? `variation modules are not supported (${tagText})`
      : `unknown tag ${tagText}`;
  }
  try {
    const value = parseValue(type, raw, m[2] ?? "");
    return {
      oid: arcs.join("."),
      arcs,
      type,
      value,
      oidTlv: encodeOid(arcs),
      valueTlv: encodeValue(type, value),
    };
  } catch (err) {
    return `tag ${tagText}: ${(err as Error).message}`;
  }
}

/**
 * Parses recording text. Give a Buffer (or latin1 text) so that OctetString values keep their
 * exact bytes, as snmpsim serves them.
 */
export function parseSnmprec(input: string | Buffer, name = "recording"): Recording {
  const text = typeof input === "string" ? input : input.toString("latin1");
  const lines = text.split("\n");
  const parsed: SnmpRecord[] = [];
  const issues: ParseIssue[] = [];
  lines.forEach((line, i) => {
    const r = parseLine(line);
    if (typeof r === "string") issues.push({ line: i + 1, text: line.slice(0, 200), reason: r });
    else if (r) parsed.push(r);
  });
  // Stable sort: of duplicate OIDs the first line wins, the others are reported.
  parsed.sort((a, b) => compareArcs(a.arcs, b.arcs));
  const records: SnmpRecord[] = [];
  for (const r of parsed) {
    const prev = records[records.length - 1];
    if (prev && compareArcs(prev.arcs, r.arcs) === 0) {
      issues.push({ line: 0, text: r.oid, reason: "duplicate OID, first one kept" });
    } else {
      records.push(r);
    }
  }
  return { name, records, issues };
}

export function loadSnmprec(file: string): Recording {
  const recording = parseSnmprec(readFileSync(file), basename(file).replace(/\.snmprec$/, ""));
  recording.file = file;
  return recording;
}

/** Index of the first record whose OID is greater than `arcs` (or equal, with `inclusive`). */
export function lowerBound(
  records: readonly SnmpRecord[],
  arcs: readonly number[],
  inclusive: boolean,
): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareArcs((records[mid] as SnmpRecord).arcs, arcs);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the record with exactly this OID, or -1. */
export function findRecord(records: readonly SnmpRecord[], arcs: readonly number[]): number {
  const i = lowerBound(records, arcs, true);
  const r = records[i];
  return r && compareArcs(r.arcs, arcs) === 0 ? i : -1;
}
