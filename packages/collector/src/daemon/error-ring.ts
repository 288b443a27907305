import type { Logger } from "../log.ts";

/**
 * The last error lines, for the health report (docs/collector-protocol.md keeps 10). `wrap`
 * gives a Logger that records each `error` before passing every line on; the lines go to the
 * portal, so they are redacted like the log file.
 */
export class ErrorRing {
  readonly capacity: number;
  #lines: string[] = [];
  #now: () => number;
  #redact: (text: string) => string;

  constructor(options: { capacity?: number; now?: () => number; redact?: (text: string) => string } = {}) {
    this.capacity = options.capacity ?? 10;
    this.#now = options.now ?? Date.now;
    this.#redact = options.redact ?? ((t) => t);
  }

  record(message: string): void {
    this.#lines.push(
      `${new Date(this.#now()).toISOString()} ${this.#redact(message).replace(/\r?\n/g, "\\n")}`,
    );
    if (this.#lines.length > this.capacity) this.#lines.splice(0, this.#lines.length - this.capacity);
  }

  /** Oldest first. */
  lines(): string[] {
    return [...this.#lines];
  }

  wrap(log: Logger): Logger {
    return {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => {
        this.record(m);
        log.error(m);
      },
    };
  }
}
