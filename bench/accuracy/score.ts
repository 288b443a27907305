/**
 * Accuracy scoring: compares what `ice read --json` printed for one recording with the
 * `expected` entry of the shared fixtures' expected.json. Pure functions, no I/O.
 * The rules are documented in bench/README.md ("Scoring rules"); keep both in step.
 */

/** Field kinds of the score table, in print order. */
export const fieldKinds = [
  "vendor",
  "model",
  "serial",
  "firmware",
  "mac",
  "counters",
  "supplies",
  "presence",
] as const;
export type FieldKind = (typeof fieldKinds)[number];

/** One asserted field and its outcome. */
export interface Check {
  file: string;
  kind: FieldKind;
  /** e.g. "model", "counters.total", "supplies[1.5] opc", "supplies[black toner]". */
  field: string;
  expected: unknown;
  got: unknown;
  hit: boolean;
  /** Which rule made a hit, when not plain equality ("contains", "family range", "-3 → some remaining"). */
  rule?: string;
  /** Why it is a miss (or a note on a hit). */
  reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Input shapes (loose: the JSON comes from outside and may not follow the schema)

export interface ExpectedSupply {
  type?: string;
  color?: string;
  level_percent?: number;
  max_capacity?: number;
  oid?: string;
  index?: number;
  description?: string;
  source_field?: string;
}

export interface RecordedSupply {
  index?: string;
  level?: number;
  max_capacity?: number;
  description?: string;
}

export interface ExpectedEntry {
  file: string;
  community?: string;
  expected: {
    vendor?: string;
    model?: string;
    serial?: string;
    firmware?: string;
    mac?: string;
    page_counters?: Record<string, number>;
    supplies?: ExpectedSupply[];
    has_supplies?: boolean;
    has_page_counter?: boolean;
    [key: string]: unknown;
  };
  recorded?: { prtMarkerSupplies?: RecordedSupply[]; [key: string]: unknown };
}

export interface ReadSupply {
  type?: string;
  color?: string;
  description?: string;
  levelPercent?: number | null;
  state?: string;
  /** Printer-MIB index "hrDeviceIndex.prtMarkerSuppliesIndex" (e.g. "1.5"), when the reader gives it. */
  index?: string;
  [key: string]: unknown;
}

export interface ReadRecord {
  vendor?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  mac?: string;
  counters?: Record<string, number>;
  supplies?: ReadSupply[];
  [key: string]: unknown;
}

/** What the reader produced for one recording: a record, or why there is none. */
export type ReadOutcome = { record: ReadRecord } | { error: string };

// ---------------------------------------------------------------------------------------------
// Mappings

/**
 * expected.json's normalised page-counter names → our counter names (DeviceRecord.counters).
 * Names not listed here are looked up as their camelCase form (e.g. `foo_bar` → `fooBar`).
 */
export const counterNameMap: Readonly<Record<string, string>> = {
  total: "total",
  mono: "mono",
  color: "color",
  duplex: "duplex",
  since_power_on: "sincePowerOn",
  print_total: "print",
  print_black: "printMono",
  print_color: "printColor",
  copy_total: "copy",
  copy_black: "copyMono",
  copy_color: "copyColor",
  fax_total: "fax",
  scan: "scan",
  scan_total: "scan",
  scan_black: "scanMono",
  scan_color: "scanColor",
  // Brother: per-colour image counts and their sum (image_counter).
  black: "imageBlack",
  cyan: "imageCyan",
  magenta: "imageMagenta",
  yellow: "imageYellow",
  image: "image",
  // HP: engine page count (same value as total on the M130nw), flatbed scans.
  engine_total: "engineTotal",
  scan_flatbed: "scanFlatbed",
  // Sharp: ADF scans, scan-to-e-mail/FTP, scan-to-HDD, single-colour and two-colour pages.
  adf_scans: "scanAdf",
  scan_to_email_ftp: "scanToEmailFtp",
  scan_to_hdd: "scanToHdd",
  single_color: "singleColor",
  two_color: "twoColor",
};

export function ourCounterName(expectedName: string): string {
  return (
    counterNameMap[expectedName] ?? expectedName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
  );
}

/**
 * Expected supply type (LibreNMS Printer-MIB names, brother library names) → our supply types
 * that count as the same part. "any" = the source does not say what the part is.
 */
export const supplyTypeMap: Readonly<Record<string, readonly string[] | "any">> = {
  toner: ["toner"],
  tonerCartridge: ["toner"],
  ink: ["ink"],
  inkCartridge: ["ink"],
  opc: ["drum"],
  drum: ["drum"],
  developer: ["developer"],
  fuser: ["fuser"],
  wasteToner: ["waste"],
  wasteInk: ["waste"],
  transferUnit: ["transfer"],
  belt: ["transfer"],
  staples: ["staples"],
  markerSupply: "any",
  other: "any",
};

/** Our types accepted for an expected type; unknown expected types need the same name. */
export function acceptedTypes(expectedType: string | undefined): readonly string[] | "any" {
  if (expectedType === undefined) return "any";
  if (/^paper_feed_kit/.test(expectedType)) return ["maintenance"];
  return supplyTypeMap[expectedType] ?? [expectedType];
}

// ---------------------------------------------------------------------------------------------
// String rules

/** Lowercase, trimmed, inner whitespace collapsed to one space. */
export function norm(s: string): string {
  return s.trim().replace(/\s+/g, " ").toLowerCase();
}

export function sameVendor(expected: string, got: string): boolean {
  return norm(expected) === norm(got);
}

/** Removes a leading vendor name (whole words) from a normalised model string. */
function stripVendor(model: string, vendors: string[]): string {
  for (const v of vendors) {
    const nv = norm(v);
    if (nv && (model === nv || model.startsWith(`${nv} `))) return model.slice(nv.length).trim();
  }
  return model;
}

function containsTokens(longer: string[], shorter: string[]): boolean {
  for (let i = 0; i + shorter.length <= longer.length; i++) {
    if (shorter.every((t, j) => longer[i + j] === t)) return true;
  }
  return false;
}

/** "m129-m134" and "m130nw": same letter prefix, number inside the range, any suffix letters. */
function inFamilyRange(rangeToken: string, token: string): boolean {
  const r = /^([a-z]*)(\d+)-([a-z]*)(\d+)$/.exec(rangeToken);
  const t = /^([a-z]*)(\d+)[a-z]*$/.exec(token);
  if (!r || !t) return false;
  const [, p1, lo, p2, hi] = r;
  const [, pt, n] = t;
  if (p1 !== pt || (p2 !== "" && p2 !== p1)) return false;
  return Number(n) >= Number(lo) && Number(n) <= Number(hi);
}

/**
 * Model comparison. Returns the rule that matched, or undefined for a miss.
 * - "exact": equal after norm().
 * - "contains": after removing a leading vendor name (expected's or ours) from both, the
 *   shorter one's words appear as a contiguous run of the longer one's words, the longer one
 *   has at most one word more (e.g. "series"), and the shorter one holds a digit (so "HP" or
 *   "LaserJet" alone never matches, and neither does a whole sysDescr pasted into `model`).
 * - "family range": after removing the vendor, both have the same words except one, where
 *   the expected word is a model range ("M129-M134") and ours a model number inside it
 *   ("M130nw"): the device reports both (PJL MDL vs DES), ours is the more precise one.
 */
export function modelRule(expected: string, got: string, vendors: string[]): string | undefined {
  const e = norm(expected);
  const g = norm(got);
  if (!e || !g) return undefined;
  if (e === g) return "exact";
  const es = stripVendor(e, vendors);
  const gs = stripVendor(g, vendors);
  const et = es.split(" ").filter(Boolean);
  const gt = gs.split(" ").filter(Boolean);
  const [shorter, longer] = et.length <= gt.length ? [et, gt] : [gt, et];
  const extraWords = longer.length - shorter.length;
  if (
    shorter.length > 0 &&
    extraWords <= 1 &&
    /\d/.test(shorter.join(" ")) &&
    containsTokens(longer, shorter)
  ) {
    return "contains";
  }
  if (et.length === gt.length && et.length > 0) {
    const diff = et.map((t, i) => (t === gt[i] ? -1 : i)).filter((i) => i >= 0);
    if (diff.length === 1) {
      const i = diff[0] as number;
      if (inFamilyRange(et[i] as string, gt[i] as string)) return "family range";
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Supplies

/** Printer-MIB index "1.5" from an expected supply's prtMarkerSuppliesLevel OID. */
export function supplyIndexFromOid(oid: string | undefined): string | undefined {
  const m = oid && /^\.?1\.3\.6\.1\.2\.1\.43\.11\.1\.1\.9\.(\d+)\.(\d+)$/.exec(oid);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

function colourOf(s: { color?: string | undefined }): string | undefined {
  return typeof s.color === "string" && s.color.trim() ? norm(s.color) : undefined;
}

function typeOk(exp: ExpectedSupply, ours: ReadSupply): boolean {
  const accepted = acceptedTypes(exp.type);
  return accepted === "any" || (typeof ours.type === "string" && accepted.includes(ours.type));
}

/** Colour does not contradict: expected has none, ours has none, or both equal. */
function colourOk(exp: ExpectedSupply, ours: ReadSupply): boolean {
  const e = colourOf(exp);
  const o = colourOf(ours);
  return e === undefined || o === undefined || e === o;
}

interface LevelVerdict {
  hit: boolean;
  rule?: string;
  reason?: string;
  diff: number;
}

function judgeLevel(exp: ExpectedSupply, ours: ReadSupply, raw: RecordedSupply | undefined): LevelVerdict {
  const want = exp.level_percent;
  const got = ours.levelPercent;
  if (raw?.level === -3) {
    // Printer-MIB -3 = "some remaining"; LibreNMS shows it as 50 %, our record says null + ok.
    if (got === null && ours.state === "ok") return { hit: true, rule: "-3 → some remaining", diff: 0 };
    if (got === null) {
      return {
        hit: false,
        reason: `raw level -3 (some remaining): want state "ok", got "${ours.state}"`,
        diff: 1,
      };
    }
    return {
      hit: false,
      reason: `raw level -3 (some remaining) is no percentage; want levelPercent null + state ok, got ${got}`,
      diff: 100,
    };
  }
  if (typeof want !== "number") return { hit: false, reason: "expected level missing", diff: 1000 };
  if (typeof got !== "number") {
    const rawNote = raw ? ` (recorded level ${raw.level}, max_capacity ${raw.max_capacity})` : "";
    return { hit: false, reason: `no percentage reported${rawNote}`, diff: 1000 };
  }
  const diff = Math.abs(got - want);
  return diff <= 1
    ? { hit: true, diff }
    : { hit: false, reason: `level off by ${Math.round(diff * 10) / 10}`, diff };
}

function describeExpected(exp: ExpectedSupply): string {
  const parts = [exp.type ?? "?", colourOf(exp) ?? "", `${exp.level_percent ?? "?"}%`].filter(Boolean);
  return parts.join(" ");
}

function describeOurs(s: ReadSupply | undefined): string {
  if (!s) return "—";
  const level = s.levelPercent === null ? "null" : s.levelPercent === undefined ? "?" : `${s.levelPercent}%`;
  const idx = s.index ? `[${s.index}] ` : "";
  return `${idx}${[s.type ?? "?", colourOf(s) ?? "", level, s.state ?? ""].filter(Boolean).join(" ")}`;
}

function scoreSupplies(entry: ExpectedEntry, supplies: ReadSupply[]): Check[] {
  const expected = entry.expected.supplies ?? [];
  const recorded = entry.recorded?.prtMarkerSupplies ?? [];
  const used = new Set<ReadSupply>();
  const results: (Check | undefined)[] = expected.map(() => undefined);
  const label = (exp: ExpectedSupply, idx: string | undefined) =>
    `supplies[${idx ?? (exp.source_field || [colourOf(exp), exp.type].filter(Boolean).join(" "))}]`;

  // Phase 1: by Printer-MIB index, when both sides carry it.
  expected.forEach((exp, i) => {
    const idx = supplyIndexFromOid(exp.oid);
    if (!idx) return;
    const ours = supplies.find((s) => s.index === idx && !used.has(s));
    if (!ours) return;
    used.add(ours);
    const raw = recorded.find((r) => r.index === idx);
    const problems: string[] = [];
    if (!typeOk(exp, ours))
      problems.push(`type ${exp.type} → want ${acceptedTypes(exp.type)}, got ${ours.type}`);
    if (!colourOk(exp, ours)) problems.push(`colour want ${colourOf(exp)}, got ${colourOf(ours)}`);
    const level = judgeLevel(exp, ours, raw);
    if (!level.hit && level.reason) problems.push(level.reason);
    const check: Check = {
      file: entry.file,
      kind: "supplies",
      field: `${label(exp, idx)} ${exp.type ?? ""}`.trim(),
      expected: describeExpected(exp),
      got: describeOurs(ours),
      hit: problems.length === 0,
    };
    if (problems.length === 0 && level.rule) check.rule = level.rule;
    if (problems.length > 0) check.reason = `matched by index ${idx}: ${problems.join("; ")}`;
    results[i] = check;
  });

  // Phase 2: the rest by type + colour + level, one-to-one, best pairs first.
  const pending = expected.map((exp, i) => ({ exp, i })).filter(({ i }) => results[i] === undefined);
  const free = supplies.filter((s) => !used.has(s));
  interface Pair {
    i: number;
    exp: ExpectedSupply;
    ours: ReadSupply;
    level: LevelVerdict;
    colourExact: boolean;
  }
  const pairs: Pair[] = [];
  for (const { exp, i } of pending) {
    const idx = supplyIndexFromOid(exp.oid);
    const raw = idx ? recorded.find((r) => r.index === idx) : undefined;
    for (const ours of free) {
      // A supply that carries a different Printer-MIB index is not this one.
      if (idx && ours.index !== undefined && ours.index !== idx) continue;
      if (!typeOk(exp, ours) || !colourOk(exp, ours)) continue;
      const colourExact = colourOf(exp) === colourOf(ours);
      pairs.push({ i, exp, ours, level: judgeLevel(exp, ours, raw), colourExact });
    }
  }
  pairs.sort(
    (a, b) =>
      Number(b.level.hit) - Number(a.level.hit) ||
      Number(b.colourExact) - Number(a.colourExact) ||
      a.level.diff - b.level.diff,
  );
  for (const p of pairs) {
    if (results[p.i] !== undefined || used.has(p.ours)) continue;
    used.add(p.ours);
    const idx = supplyIndexFromOid(p.exp.oid);
    const check: Check = {
      file: entry.file,
      kind: "supplies",
      field: `${label(p.exp, idx)}${idx ? ` ${p.exp.type ?? ""}` : ""}`.trim(),
      expected: describeExpected(p.exp),
      got: describeOurs(p.ours),
      hit: p.level.hit,
    };
    if (p.level.hit && p.level.rule) check.rule = p.level.rule;
    if (!p.level.hit) check.reason = `matched by type/colour: ${p.level.reason}`;
    results[p.i] = check;
  }
  expected.forEach((exp, i) => {
    if (results[i] !== undefined) return;
    const idx = supplyIndexFromOid(exp.oid);
    const accepted = acceptedTypes(exp.type);
    const want = accepted === "any" ? "any type" : accepted.join("/");
    results[i] = {
      file: entry.file,
      kind: "supplies",
      field: `${label(exp, idx)}${idx ? ` ${exp.type ?? ""}` : ""}`.trim(),
      expected: describeExpected(exp),
      got: "—",
      hit: false,
      reason: `no unmatched supply of ${want}${colourOf(exp) ? ` (${colourOf(exp)})` : ""}${idx ? ` or with index ${idx}` : ""}`,
    };
  });
  return results as Check[];
}

// ---------------------------------------------------------------------------------------------
// Device

/** Scores one device: one Check per asserted field (only fields the expectation asserts). */
export function scoreDevice(entry: ExpectedEntry, outcome: ReadOutcome): Check[] {
  const exp = entry.expected;
  const file = entry.file;
  const checks: Check[] = [];
  const failed = "error" in outcome ? outcome.error : undefined;
  const rec: ReadRecord = "record" in outcome ? outcome.record : {};
  const miss = (kind: FieldKind, field: string, expected: unknown, got: unknown, reason: string): Check => ({
    file,
    kind,
    field,
    expected,
    got,
    hit: false,
    reason: failed ? `read failed: ${failed}` : reason,
  });

  const str = (v: unknown) => (typeof v === "string" ? v : undefined);

  if (typeof exp.vendor === "string") {
    const got = str(rec.vendor);
    checks.push(
      got !== undefined && sameVendor(exp.vendor, got)
        ? { file, kind: "vendor", field: "vendor", expected: exp.vendor, got, hit: true }
        : miss("vendor", "vendor", exp.vendor, got, got === undefined ? "not reported" : "differs"),
    );
  }
  if (typeof exp.model === "string") {
    const got = str(rec.model);
    const vendors = [exp.vendor, str(rec.vendor)].filter((v): v is string => typeof v === "string");
    const rule = got !== undefined ? modelRule(exp.model, got, vendors) : undefined;
    if (rule) {
      const check: Check = { file, kind: "model", field: "model", expected: exp.model, got, hit: true };
      if (rule !== "exact") check.rule = rule;
      checks.push(check);
    } else {
      checks.push(miss("model", "model", exp.model, got, got === undefined ? "not reported" : "differs"));
    }
  }
  for (const kind of ["serial", "firmware"] as const) {
    const want = exp[kind];
    if (typeof want !== "string") continue;
    const got = str(rec[kind]);
    checks.push(
      got !== undefined && norm(want) === norm(got)
        ? { file, kind, field: kind, expected: want, got, hit: true }
        : miss(kind, kind, want, got, got === undefined ? "not reported" : "differs"),
    );
  }
  if (typeof exp.mac === "string") {
    const got = str(rec.mac);
    checks.push(
      got !== undefined && exp.mac.toLowerCase() === got.toLowerCase()
        ? { file, kind: "mac", field: "mac", expected: exp.mac, got, hit: true }
        : miss("mac", "mac", exp.mac, got, got === undefined ? "not reported" : "differs"),
    );
  }

  const counters = rec.counters && typeof rec.counters === "object" ? rec.counters : {};
  for (const [name, want] of Object.entries(exp.page_counters ?? {})) {
    const ours = ourCounterName(name);
    const field = `counters.${ours}${ours === name ? "" : ` (${name})`}`;
    const got = counters[ours];
    checks.push(
      got === want
        ? { file, kind: "counters", field, expected: want, got, hit: true }
        : miss("counters", field, want, got, got === undefined ? "not reported" : "differs"),
    );
  }

  if (exp.supplies && exp.supplies.length > 0) {
    if (failed) {
      for (const c of scoreSupplies(entry, [])) checks.push({ ...c, reason: `read failed: ${failed}` });
    } else {
      const supplies = Array.isArray(rec.supplies) ? rec.supplies : [];
      checks.push(...scoreSupplies(entry, supplies));
    }
  }

  if (exp.has_supplies === true) {
    const n = Array.isArray(rec.supplies) ? rec.supplies.length : 0;
    checks.push(
      n > 0
        ? { file, kind: "presence", field: "has_supplies", expected: true, got: `${n} supplies`, hit: true }
        : miss("presence", "has_supplies", true, "0 supplies", "no supply reported"),
    );
  }
  if (exp.has_page_counter === true) {
    const total = counters.total;
    checks.push(
      typeof total === "number" && total > 0
        ? { file, kind: "presence", field: "has_page_counter", expected: "total > 0", got: total, hit: true }
        : miss("presence", "has_page_counter", "total > 0", total, "no positive counters.total"),
    );
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Summary

export interface Tally {
  hits: number;
  asserted: number;
}

export interface Summary {
  byKind: Record<FieldKind, Tally>;
  overall: Tally;
}

export function summarise(checks: Check[]): Summary {
  const byKind = Object.fromEntries(fieldKinds.map((k) => [k, { hits: 0, asserted: 0 }])) as Record<
    FieldKind,
    Tally
  >;
  const overall: Tally = { hits: 0, asserted: 0 };
  for (const c of checks) {
    byKind[c.kind].asserted++;
    overall.asserted++;
    if (c.hit) {
      byKind[c.kind].hits++;
      overall.hits++;
    }
  }
  return { byKind, overall };
}

/** "73.3 %" (one decimal), or "—" when nothing was asserted. */
export function percent(t: Tally): string {
  return t.asserted === 0 ? "—" : `${((100 * t.hits) / t.asserted).toFixed(1)} %`;
}
