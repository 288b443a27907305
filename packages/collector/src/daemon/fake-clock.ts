import type { Clock } from "./clock.ts";

/**
 * A clock that moves only when a test says so. `advance(ms)` fires the due timers in time order
 * and lets the promises they start settle before going on, so code written against real timers
 * runs through hours of schedule at once.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;

  constructor(start = Date.parse("2026-11-30T08:00:00.000Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers waiting, for tests that check nothing is left behind. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing each timer at its own time. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (!next || next[1].at > until) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      await settle();
    }
    this.#now = until;
    await settle();
  }

  /** Advances until `condition` holds, in steps of `stepMs`, at most `maxMs`. */
  async advanceUntil(condition: () => boolean, stepMs: number, maxMs: number): Promise<void> {
    for (let waited = 0; !condition(); waited += stepMs) {
      if (waited >= maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
      await this.advance(stepMs);
    }
  }

  #earliest(): [number, { at: number; fn: () => void }] | undefined {
    let best: [number, { at: number; fn: () => void }] | undefined;
    for (const entry of this.#timers) if (!best || entry[1].at < best[1].at) best = entry;
    return best;
  }
}

/** Lets pending promise chains run (several macrotask turns: chains can be long). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}
