/**
 * Which input ranges hold an address, for the per-range report. Built from the ranges' intervals
 * (never from their addresses): the number line is cut into segments, each with the list of
 * ranges covering it, so memory grows with the number of intervals, not with their size.
 */

export interface NumericInterval {
  first: number;
  last: number;
}

export class RangeIndex {
  /** Segment starts, ascending; segment i covers starts[i] … starts[i+1]-1. */
  readonly #starts: number[] = [];
  readonly #ranges: number[][] = [];

  constructor(ranges: ReadonlyArray<readonly NumericInterval[]>) {
    const events: Array<{ at: number; range: number; delta: 1 | -1 }> = [];
    ranges.forEach((intervals, range) => {
      for (const { first, last } of intervals) {
        events.push({ at: first, range, delta: 1 }, { at: last + 1, range, delta: -1 });
      }
    });
    events.sort((a, b) => a.at - b.at);
    const depth = new Map<number, number>();
    for (let i = 0; i < events.length; ) {
      const at = (events[i] as (typeof events)[number]).at;
      for (; i < events.length && (events[i] as (typeof events)[number]).at === at; i++) {
        const e = events[i] as (typeof events)[number];
        const d = (depth.get(e.range) ?? 0) + e.delta;
        if (d === 0) depth.delete(e.range);
        else depth.set(e.range, d);
      }
      this.#starts.push(at);
      this.#ranges.push([...depth.keys()].sort((a, b) => a - b));
    }
  }

  /** Indexes of the ranges holding `address` (ascending; empty when none). */
  rangesOf(address: number): readonly number[] {
    let low = 0;
    let high = this.#starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#starts[mid] as number) <= address) low = mid + 1;
      else high = mid;
    }
    return low === 0 ? [] : (this.#ranges[low - 1] as number[]);
  }
}

/** "192.0.2.1-192.0.2.9" or "192.0.2.5" (the targets module's written form) as numbers. */
export function parseIntervalText(text: string): NumericInterval | undefined {
  const [from = "", to = from] = text.split("-");
  const first = ipv4Number(from.trim());
  const last = ipv4Number(to.trim());
  return first === undefined || last === undefined || last < first ? undefined : { first, last };
}

export function ipv4Number(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.some((p) => p > 255) ? undefined : parts.reduce((n, p) => n * 256 + p, 0);
}

/** Numeric order of dotted addresses (for sorting results). */
export function compareAddresses(a: string, b: string): number {
  return (ipv4Number(a) ?? 0) - (ipv4Number(b) ?? 0);
}
