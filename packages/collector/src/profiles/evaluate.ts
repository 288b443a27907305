import type { Logger } from "../log.ts";
import type { WalkRow } from "../snmp/client.ts";
import { isValidOid } from "../snmp/oid.ts";
import { asBytes, asNumber, asText, type SnmpValue } from "../snmp/value.ts";
import { brotherLevelSteps, brotherRecordBytes, brotherRecords, pjlDeviceIdField } from "./decoders.ts";
import type { ResolvedProfile } from "./load.ts";
import type { Condition, StandardSource, ValueSpec } from "./schema.ts";

/** What the evaluation reads from: standard values already read, plus the profile's own OIDs. */
export interface ProfileData {
  standard: Partial<Record<StandardSource, string | number>>;
  oids: ReadonlyMap<string, SnmpValue>;
  walks: ReadonlyMap<string, WalkRow[]>;
}

/** The OIDs a profile needs fetched: scalars to GET and subtrees to walk. */
export function requiredOids(profile: ResolvedProfile): { get: string[]; walk: string[] } {
  const get = new Set<string>();
  const walk = new Set<string>();
  const visitOperand = (o: string | ValueSpec) => {
    if (typeof o === "string") {
      if (isValidOid(o)) get.add(o);
    } else visit(o);
  };
  const visit = (spec: ValueSpec) => {
    if ("oid" in spec) get.add(spec.oid);
    else if ("walkSum" in spec) walk.add(spec.walkSum);
    else if ("sum" in spec) spec.sum.forEach(visitOperand);
    else if ("sumAny" in spec) spec.sumAny.forEach(visitOperand);
    else if ("diff" in spec) spec.diff.forEach(visitOperand);
  };
  for (const specs of Object.values(profile.identity)) specs.forEach(visit);
  for (const specs of profile.counters.values()) specs.forEach(visit);
  for (const supply of profile.supplies) {
    supply.levelPercent.forEach(visit);
    for (const condition of [supply.when, supply.unless])
      if (condition && "oid" in condition) get.add(condition.oid);
  }
  return { get: [...get], walk: [...walk] };
}

/** Counter values above this are absurd (and would lose precision in JSON). */
const maxCounter = Number.MAX_SAFE_INTEGER;

/**
 * Applies one resolved profile to the data read from a device. Pure: no I/O. Every value that
 * cannot be used yields "no value", so the next alternative is tried; nothing here throws.
 */
export class ProfileEvaluator {
  readonly #profile: ResolvedProfile;
  readonly #data: ProfileData;
  readonly #log: Logger;
  readonly #counterCache = new Map<string, number | undefined>();
  readonly #evaluating = new Set<string>();

  constructor(profile: ResolvedProfile, data: ProfileData, log: Logger) {
    this.#profile = profile;
    this.#data = data;
    this.#log = log;
  }

  text(specs: readonly ValueSpec[]): string | undefined {
    for (const spec of specs) {
      const value = this.#textOf(spec);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  number(specs: readonly ValueSpec[]): number | undefined {
    for (const spec of specs) {
      const value = this.#numberOf(spec);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** A page counter by name: a non-negative safe integer, or undefined. */
  counter(name: string): number | undefined {
    if (this.#counterCache.has(name)) return this.#counterCache.get(name);
    const specs = this.#profile.counters.get(name);
    if (!specs || this.#evaluating.has(name)) {
      if (specs) this.#log.warn(`profile ${this.#profile.name}: counter ${name} refers to itself`);
      return undefined;
    }
    this.#evaluating.add(name);
    let value: number | undefined;
    for (const spec of specs) {
      const candidate = this.#numberOf(spec);
      if (candidate === undefined) continue;
      const rounded = Math.round(candidate);
      if (rounded < 0 || rounded > maxCounter) {
        this.#log.warn(`counter ${name}: absurd value ${candidate} skipped`);
        continue;
      }
      value = rounded;
      break;
    }
    this.#evaluating.delete(name);
    this.#counterCache.set(name, value);
    return value;
  }

  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.#profile.counters.keys()) {
      const value = this.counter(name);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  #textOf(spec: ValueSpec): string | undefined {
    let raw: string | number | undefined;
    if ("oid" in spec) {
      const value = this.#data.oids.get(spec.oid);
      if (spec.decode === "pjl-device-id") {
        const text = asText(value);
        raw = text === undefined ? undefined : pjlDeviceIdField(text, spec.field ?? "MDL");
      } else if (spec.decode === "brother-records") {
        raw = this.#brother(value, spec.key);
      } else raw = asText(value);
    } else if ("source" in spec) {
      raw = this.#data.standard[spec.source];
    } else {
      raw = this.#numberOf(spec);
      return raw === undefined ? undefined : String(raw);
    }
    const refined = refine(raw, spec);
    if (refined === undefined) return undefined;
    const text = String(refined).trim();
    return text === "" ? undefined : text;
  }

  #numberOf(spec: ValueSpec): number | undefined {
    let raw: string | number | undefined;
    if ("oid" in spec) {
      const value = this.#data.oids.get(spec.oid);
      if (spec.decode === "brother-records") raw = this.#brother(value, spec.key);
      else if (spec.decode === "brother-level-steps") raw = this.#brotherSteps(value, spec.key);
      else if (spec.decode === "pjl-device-id") raw = undefined;
      else raw = spec.pattern ? asText(value) : asNumber(value);
    } else if ("source" in spec) {
      raw = this.#data.standard[spec.source];
    } else if ("counter" in spec) {
      raw = this.counter(spec.counter);
    } else if ("sum" in spec) {
      const terms = spec.sum.map((t) => this.#operand(t));
      raw = terms.every((t) => t !== undefined)
        ? terms.reduce((a, b) => (a as number) + (b as number), 0)
        : undefined;
    } else if ("sumAny" in spec) {
      const terms = spec.sumAny.map((t) => this.#operand(t)).filter((t): t is number => t !== undefined);
      raw = terms.length > 0 ? terms.reduce((a, b) => a + b, 0) : undefined;
    } else if ("diff" in spec) {
      const [a, b] = spec.diff.map((t) => this.#operand(t));
      raw = a !== undefined && b !== undefined && a >= b ? a - b : undefined;
    } else if ("walkSum" in spec) {
      const rows = this.#data.walks.get(spec.walkSum) ?? [];
      const values = rows.map((r) => asNumber(r.value)).filter((v): v is number => v !== undefined && v >= 0);
      raw = values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
    }
    const refined = refine(raw, spec);
    if (refined === undefined) return undefined;
    const n = typeof refined === "number" ? refined : Number(String(refined).replace(/[\s,]/g, ""));
    return Number.isFinite(n) ? n : undefined;
  }

  #operand(term: string | ValueSpec): number | undefined {
    if (typeof term !== "string") return this.#numberOf(term);
    if (isValidOid(term)) return asNumber(this.#data.oids.get(term));
    return this.counter(term);
  }

  /** Whether a supply condition holds: the value is there and matches. */
  holds(condition: Condition): boolean {
    const text =
      "oid" in condition ? asText(this.#data.oids.get(condition.oid)) : this.#data.standard[condition.source];
    return text !== undefined && compiled(condition.matches).test(String(text));
  }

  #brotherSteps(value: SnmpValue | undefined, key: number | undefined): number | undefined {
    const bytes = asBytes(value);
    const record = bytes && key !== undefined ? brotherRecordBytes(bytes).get(key) : undefined;
    return record ? brotherLevelSteps(record) : undefined;
  }

  #brother(value: SnmpValue | undefined, key: number | undefined): number | undefined {
    const bytes = asBytes(value);
    if (!bytes || key === undefined) return undefined;
    return brotherRecords(bytes).get(key);
  }
}

/** Profile patterns, compiled once: a scan evaluates the same few for every device. */
const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "i");
    patterns.set(pattern, re);
  }
  return re;
}

/** Applies pattern → map → scale → min/max, in that order. */
function refine(raw: string | number | undefined, spec: ValueSpec): string | number | undefined {
  let value = raw;
  if (value === undefined) return undefined;
  if (spec.pattern !== undefined) {
    const m = compiled(spec.pattern).exec(String(value));
    if (!m) return undefined;
    value = m[1] ?? m[0];
  }
  if (spec.map !== undefined) {
    value = spec.map[String(value)];
    if (value === undefined) return undefined;
  }
  if (spec.scale !== undefined) {
    const n = Number(value);
    if (!Number.isFinite(n)) return undefined;
    value = n * spec.scale;
  }
  if (spec.min !== undefined || spec.max !== undefined) {
    const n = Number(value);
    if (!Number.isFinite(n)) return undefined;
    if (spec.min !== undefined && n < spec.min) return undefined;
    if (spec.max !== undefined && n > spec.max) return undefined;
  }
  return value;
}
