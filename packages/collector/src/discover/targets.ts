import { TargetError } from "./targets-error.ts";
import type { Interval } from "./targets-intervals.ts";
import {
  countAddresses,
  formatInterval,
  intervalsContain,
  mergeIntervals,
  subtractIntervals,
} from "./targets-intervals.ts";
import { formatCount, ipv4ToNumber, numberToIPv4 } from "./targets-ipv4.ts";
import type { ParsedTarget, TargetKind } from "./targets-parse.ts";
import { parseExclusion, parseTarget } from "./targets-parse.ts";

/**
 * The addresses of a scan: the settings' targets (CIDRs, ranges, addresses, list-file entries)
 * merged into sorted, disjoint intervals with the exclusions taken out. Addresses are produced one
 * at a time, so a /16 costs a handful of objects, not 65,536 strings.
 */

export { TargetError } from "./targets-error.ts";
export type { Interval } from "./targets-intervals.ts";
export { ipv4ToNumber, numberToIPv4 } from "./targets-ipv4.ts";
export type { TargetKind } from "./targets-parse.ts";

export const defaultMaxAddresses = 65_536;

/** A target with where it was written: list files give one per line (see targets-list-file.ts). */
export interface TargetEntry {
  /** The address, range or CIDR as written. */
  text: string;
  /** "printers.csv line 12": named in error messages and in the report. */
  source: string;
}

export interface ScanTargetSettings {
  /** "192.0.2.0/24", "192.0.2.10-192.0.2.50", "192.0.2.10-50", "192.0.2.5", or list-file entries. */
  targets: ReadonlyArray<string | TargetEntry>;
  exclusions?: ReadonlyArray<string | TargetEntry>;
  /** Refuse more addresses than this after merging and exclusions (default 65,536). */
  maxAddresses?: number;
}

/** One target or exclusion as written, and what it came to: for the scan report. */
export interface TargetDescription {
  input: string;
  /** Where it was written when it came from a list file: "printers.csv line 12". */
  source?: string;
  kind: TargetKind;
  /** Its addresses after never-scanned ones and (for a target) exclusions are taken out. */
  intervals: string[];
  addresses: number;
  notes: string[];
}

export class ScanTargets implements Iterable<string> {
  /** Sorted, disjoint, inclusive; the exact set of addresses to scan. */
  readonly intervals: readonly Interval[];
  /** Addresses to scan, each counted once. */
  readonly count: number;
  readonly targets: readonly TargetDescription[];
  readonly exclusions: readonly TargetDescription[];

  constructor(
    intervals: readonly Interval[],
    targets: readonly TargetDescription[],
    exclusions: readonly TargetDescription[],
  ) {
    this.intervals = intervals;
    this.count = countAddresses(intervals);
    this.targets = targets;
    this.exclusions = exclusions;
  }

  /** Every address in ascending order, as a 32-bit number. */
  *addressNumbers(): Generator<number, void, undefined> {
    for (const { first, last } of this.intervals) {
      for (let address = first; address <= last; address++) yield address;
    }
  }

  /** Every address in ascending order, dotted. */
  *addresses(): Generator<string, void, undefined> {
    for (const address of this.addressNumbers()) yield numberToIPv4(address);
  }

  [Symbol.iterator](): Generator<string, void, undefined> {
    return this.addresses();
  }

  /** Whether the scan covers `address` (false for anything that is not an IPv4 address). */
  contains(address: string | number): boolean {
    const n = typeof address === "number" ? address : ipv4ToNumber(address);
    return n !== undefined && Number.isInteger(n) && intervalsContain(this.intervals, n);
  }

  /** The addresses in ascending batches of at most `size`: only one batch is in memory at a time. */
  *chunks(size: number): Generator<string[], void, undefined> {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`chunk size must be ≥ 1, not ${size}`);
    let batch: string[] = [];
    for (const address of this.addresses()) {
      batch.push(address);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** One line per target and exclusion, for the scan report and the log. */
  report(): string[] {
    return [
      ...this.targets.map((d) => formatDescription(d)),
      ...this.exclusions.map((d) => `excluded ${formatDescription(d)}`),
      `${formatCount(this.count)} addresses to scan`,
    ];
  }
}

/** The scan's addresses, or a TargetError naming the first bad target, exclusion or the limit. */
export function parseScanTargets(settings: ScanTargetSettings): ScanTargets {
  const maxAddresses = settings.maxAddresses ?? defaultMaxAddresses;
  if (!Number.isSafeInteger(maxAddresses) || maxAddresses < 1) {
    throw new RangeError(`maxAddresses must be a whole number of at least 1, not ${maxAddresses}`);
  }
  const targets = settings.targets.map((entry) => parseEntry(entry, parseTarget));
  const exclusions = (settings.exclusions ?? []).map((entry) => parseEntry(entry, parseExclusion));
  const excluded = mergeIntervals(exclusions.flatMap((e) => e.intervals));
  const intervals = subtractIntervals(mergeIntervals(targets.flatMap((t) => t.intervals)), excluded);
  const descriptions = targets.map((t) => describeTarget(t, excluded));
  const count = countAddresses(intervals);
  if (count > maxAddresses) throw limitError(count, maxAddresses, descriptions);
  return new ScanTargets(
    intervals,
    descriptions,
    exclusions.map((e) => describeTarget(e, [])),
  );
}

/** One line: "192.0.2.0/24: 254 addresses, 192.0.2.1-192.0.2.254 (network and broadcast …)". */
export function formatDescription(d: TargetDescription): string {
  const shown = d.intervals.slice(0, 4).join(", ");
  const more = d.intervals.length > 4 ? ` and ${d.intervals.length - 4} more ranges` : "";
  const notes = d.notes.length > 0 ? ` (${d.notes.join("; ")})` : "";
  const where = d.source ? `${d.source}: ` : "";
  const plural = d.addresses === 1 ? "address" : "addresses";
  return `${where}${d.input}: ${formatCount(d.addresses)} ${plural}${shown ? `, ${shown}` : ""}${more}${notes}`;
}

type Parsed = ParsedTarget & { source?: string };

function parseEntry(entry: string | TargetEntry, parse: (text: string) => ParsedTarget): Parsed {
  if (typeof entry === "string") return parse(entry);
  try {
    return { ...parse(entry.text), source: entry.source };
  } catch (err) {
    if (err instanceof TargetError) throw new TargetError(err.input, `${entry.source}: ${err.message}`);
    throw err;
  }
}

function describeTarget(t: Parsed, excluded: readonly Interval[]): TargetDescription {
  const own = countAddresses(t.intervals);
  const kept = subtractIntervals(t.intervals, excluded);
  const addresses = countAddresses(kept);
  const notes = [...t.notes];
  if (addresses === 0 && own > 0) notes.push("all excluded");
  else if (addresses < own) notes.push(`${formatCount(own - addresses)} excluded`);
  const description: TargetDescription = {
    input: t.input,
    kind: t.kind,
    intervals: kept.map(formatInterval),
    addresses,
    notes,
  };
  if (t.source !== undefined) description.source = t.source;
  return description;
}

function limitError(count: number, max: number, targets: readonly TargetDescription[]): TargetError {
  const limit = `more than the limit of ${formatCount(max)} (setting maxAddresses)`;
  const largest = [...targets].sort((a, b) => b.addresses - a.addresses);
  const first = largest[0];
  // One target over the limit by itself is most likely a typo (a /8 for a /24): name it.
  if (first && first.addresses > max) {
    const where = first.source ? `${first.source}: ` : "";
    return new TargetError(
      first.input,
      `${where}${first.input} is ${formatCount(first.addresses)} addresses, ${limit}`,
    );
  }
  const top = largest
    .slice(0, 3)
    .map((d) => `${d.input} (${formatCount(d.addresses)})`)
    .join(", ");
  return new TargetError(
    "targets",
    `the targets add up to ${formatCount(count)} addresses (overlaps counted once, exclusions taken out), ${limit}; the largest: ${top}`,
  );
}
