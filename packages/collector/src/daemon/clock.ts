/**
 * Time for the daemon, injectable: the real clock in `ice run`, a manual one in unit tests
 * (see fake-clock.ts), so a test goes through days of schedule in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Longest delay one Node timer takes (about 24.8 days); longer waits are cut to it and re-armed. */
export const maxTimerMs = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(Math.max(0, ms), maxTimerMs)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects: the caller looks at the
 * signal). A timer that would outlive the process keeps it alive, as a daemon's should.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clock.clearTimeout(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const handle = clock.setTimeout(done, Math.min(Math.max(0, ms), maxTimerMs));
    signal?.addEventListener("abort", done, { once: true });
  });
}
