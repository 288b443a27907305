import type { Interval } from "./targets-intervals.ts";
import { formatInterval, subtractIntervals } from "./targets-intervals.ts";

/** Addresses that are never a printer and must never be probed: scanning sends unicast only. */
const neverScanned: ReadonlyArray<Interval & { reason: string }> = [
  { first: 0x0000_0000, last: 0x00ff_ffff, reason: '"this network" (0.0.0.0/8)' },
  { first: 0xe000_0000, last: 0xefff_ffff, reason: "multicast (224.0.0.0/4)" },
  { first: 0xf000_0000, last: 0xffff_fffe, reason: "reserved (240.0.0.0/4)" },
  { first: 0xffff_ffff, last: 0xffff_ffff, reason: "the broadcast address 255.255.255.255" },
];

export interface DroppedAddresses {
  interval: Interval;
  reason: string;
}

/** `intervals` (sorted, disjoint) without the never-scanned blocks, and what was dropped and why. */
export function withoutNeverScanned(intervals: readonly Interval[]): {
  kept: Interval[];
  dropped: DroppedAddresses[];
} {
  const kept = subtractIntervals(intervals, neverScanned);
  const dropped: DroppedAddresses[] = [];
  for (const block of neverScanned) {
    for (const { first, last } of intervals) {
      const overlap = { first: Math.max(first, block.first), last: Math.min(last, block.last) };
      if (overlap.first <= overlap.last) dropped.push({ interval: overlap, reason: block.reason });
    }
  }
  return { kept, dropped };
}

export function describeDropped(dropped: readonly DroppedAddresses[]): string[] {
  return dropped.map((d) => `left out ${formatInterval(d.interval)}: ${d.reason}, never scanned`);
}
