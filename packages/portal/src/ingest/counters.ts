/**
 * Meter readings are billing data: every reading is stored as read, and one that does not fit the
 * device's previous counters is flagged (docs/ingest.md, "Meter readings").
 */

export type Counters = Record<string, number>;

/** A jump must exceed both: this many pages in absolute terms ... */
export const jumpPages = 100_000;
/** ... and this many pages per day since the previous reading (a day at least). */
export const jumpPagesPerDay = 50_000;

/** Counters that restart by design; they are stored but never checked. */
const resettingCounters = new Set(["sincePowerOn"]);

export interface CounterChange {
  old: number;
  new: number;
}

export interface CounterCheck {
  anomaly: "backwards" | "jump" | null;
  /** Which counters, old and new; null when the reading is fine. */
  detail: {
    previousReadAt: string;
    days: number;
    backwards?: Record<string, CounterChange>;
    jump?: Record<string, CounterChange>;
  } | null;
}

export interface PreviousCounters {
  counters: Counters;
  unit: string | null;
  readAt: Date;
}

/**
 * Checks a reading against the device's previous one. A counter that went down is `backwards`;
 * one that rose by more than `jumpPages` and `jumpPagesPerDay` × days is a `jump`. Both: backwards
 * (the detail lists both). Counters of another unit than before are not comparable: not checked.
 */
export function checkCounters(
  previous: PreviousCounters | undefined,
  counters: Counters,
  unit: string | undefined,
  readAt: Date,
): CounterCheck {
  if (!previous || (unit !== undefined && previous.unit !== null && unit !== previous.unit)) {
    return { anomaly: null, detail: null };
  }
  const days = Math.max(0, (readAt.getTime() - previous.readAt.getTime()) / 86_400_000);
  const jumpLimit = Math.max(jumpPages, jumpPagesPerDay * Math.max(1, days));
  const backwards: Record<string, CounterChange> = {};
  const jump: Record<string, CounterChange> = {};
  for (const [name, value] of Object.entries(counters)) {
    const old = previous.counters[name];
    if (old === undefined || resettingCounters.has(name)) continue;
    if (value < old) backwards[name] = { old, new: value };
    else if (value - old > jumpLimit) jump[name] = { old, new: value };
  }
  const wentBack = Object.keys(backwards).length > 0;
  const jumped = Object.keys(jump).length > 0;
  if (!wentBack && !jumped) return { anomaly: null, detail: null };
  return {
    anomaly: wentBack ? "backwards" : "jump",
    detail: {
      previousReadAt: previous.readAt.toISOString(),
      days: Math.round(days * 1000) / 1000,
      ...(wentBack && { backwards }),
      ...(jumped && { jump }),
    },
  };
}

/**
 * The device's counters after this reading: the new values win (a flagged reading too: the meter
 * counts on from there); a counter this reading lacks keeps its last value, unless the unit changed.
 */
export function nextLastCounters(
  previous: PreviousCounters | undefined,
  counters: Counters,
  unit: string | undefined,
): Counters {
  if (!previous || (unit !== undefined && previous.unit !== null && unit !== previous.unit)) return counters;
  return { ...previous.counters, ...counters };
}
