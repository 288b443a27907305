import { numberToIPv4 } from "./targets-ipv4.ts";

/**
 * Sets of IPv4 addresses as sorted, disjoint, inclusive intervals of 32-bit numbers: a /16 is one
 * object, not 65,536, so memory grows with the number of targets, never with their size.
 */
export interface Interval {
  readonly first: number;
  readonly last: number;
}

/** Sorted, with overlapping and touching intervals joined (so an address is counted once). */
export function mergeIntervals(intervals: Iterable<Interval>): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const prev = merged.at(-1);
    if (prev && next.first <= prev.last + 1) {
      if (next.last > prev.last) merged[merged.length - 1] = { first: prev.first, last: next.last };
    } else {
      merged.push(next);
    }
  }
  return merged;
}

/** `from` without the addresses of `remove`; both sorted and disjoint (as mergeIntervals makes them). */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  for (const interval of from) {
    let first = interval.first;
    // Binary search to the first removal that can touch this interval: many targets × many exclusions stays fast.
    for (let i = firstEndingAtOrAfter(remove, first); i < remove.length; i++) {
      const cut = remove[i] as Interval;
      if (cut.first > interval.last) break;
      if (cut.first > first) result.push({ first, last: cut.first - 1 });
      first = Math.max(first, cut.last + 1);
      if (first > interval.last) break;
    }
    if (first <= interval.last) result.push({ first, last: interval.last });
  }
  return result;
}

export function countAddresses(intervals: readonly Interval[]): number {
  let count = 0;
  for (const { first, last } of intervals) count += last - first + 1;
  return count;
}

/** Whether `address` lies in the sorted, disjoint `intervals`: O(log n). */
export function intervalsContain(intervals: readonly Interval[], address: number): boolean {
  const candidate = intervals[firstEndingAtOrAfter(intervals, address)];
  return candidate !== undefined && candidate.first <= address;
}

/** "192.0.2.1-192.0.2.254", or one address: the same forms a target can be written in. */
export function formatInterval({ first, last }: Interval): string {
  return first === last ? numberToIPv4(first) : `${numberToIPv4(first)}-${numberToIPv4(last)}`;
}

/** Index of the first interval whose last address is ≥ `address` (intervals.length when none). */
function firstEndingAtOrAfter(intervals: readonly Interval[], address: number): number {
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((intervals[mid] as Interval).last < address) low = mid + 1;
    else high = mid;
  }
  return low;
}
