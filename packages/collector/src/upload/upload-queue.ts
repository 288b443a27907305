/**
 * The scans waiting for the portal's ack, in memory only (ICE writes nothing to disk but its log).
 *
 *   const queue = new UploadQueue({ client, logger });
 *   queue.add({ scanId, kind: "refresh", xml });  // returns at once; uploading runs in the background
 *   queue.stats();                                // { scans, bytes, … } for the health's queuedScans
 *   await queue.idle();                           // every scan acknowledged or dropped (tests, --once)
 *   await queue.close();                          // stops retrying; returns what was never acknowledged
 *
 * - One upload at a time, oldest first. A scan leaves the queue only when the portal's ack names
 *   its scan id (PortalClient.uploadScan checks that), or when it can never be accepted (400
 *   rejected, 413 too large: dropped and logged as errors).
 * - Any other failure (portal unreachable, TLS, proxy, 5xx, bad answer, 401 that re-enrolment in
 *   the client did not cure…) pauses the whole queue: the next attempt comes after an exponential
 *   backoff with jitter (`initialDelayMs` × 2^(failures−1), at most `maxDelayMs`, then a random
 *   cut of up to `jitter` of it; at least a 5xx's Retry-After). A success resets it and the next
 *   scan goes at once. `retryNow()` skips the wait (after a successful check-in, say).
 * - Bounded by `maxScans` and `maxBytes`: when a new scan does not fit, the oldest discovery
 *   scans are dropped first, refresh scans last (the new scan itself counts among them), each
 *   drop logged as a warning. So a refresh reading is lost only when the bound forces it. A
 *   single scan over `maxBytes` is dropped alone.
 * - Timers and randomness are injectable for tests.
 */
import type { ScanKind } from "@device-portal/protocol";
import { type Logger, silentLogger } from "../log.ts";
import { PortalError } from "./errors.ts";
import type { ScanAck } from "./portal-client.ts";

export interface QueuedScan {
  scanId: string;
  kind: ScanKind;
  xml: string | Uint8Array;
}

/** What the queue needs of the portal client. */
export interface ScanUploader {
  uploadScan(scanId: string, xml: string | Uint8Array): Promise<ScanAck>;
}

export interface QueueTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface UploadQueueOptions {
  client: ScanUploader;
  /** Default 200 scans. */
  maxScans?: number | undefined;
  /** Default 64 MiB of scan files. */
  maxBytes?: number | undefined;
  /** First retry delay. Default 5 s. */
  initialDelayMs?: number | undefined;
  /** Longest retry delay. Default 10 min. */
  maxDelayMs?: number | undefined;
  /** Fraction of the delay cut at random (0: none, 1: "full jitter"). Default 0.5. */
  jitter?: number | undefined;
  logger?: Logger | undefined;
  /** Called after each ack. */
  onAck?: ((scan: QueueEntry, ack: ScanAck) => void) | undefined;
  timers?: QueueTimers | undefined;
  /** In [0, 1); default Math.random. */
  random?: (() => number) | undefined;
}

export interface QueueEntry {
  scanId: string;
  kind: ScanKind;
  bytes: number;
  queuedAt: number;
  attempts: number;
}

export interface QueueStats {
  scans: number;
  bytes: number;
  /** Failures in a row (0 when the last attempt succeeded). */
  failures: number;
  /** When the next attempt is due (ms since epoch), while backing off. */
  nextAttemptAt: number | undefined;
  acknowledged: number;
  dropped: number;
  lastError: string | undefined;
}

interface Entry extends QueueEntry {
  xml: string | Uint8Array;
}

const realTimers: QueueTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class UploadQueue {
  readonly #client: ScanUploader;
  readonly #maxScans: number;
  readonly #maxBytes: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #jitter: number;
  readonly #logger: Logger;
  readonly #onAck: ((scan: QueueEntry, ack: ScanAck) => void) | undefined;
  readonly #timers: QueueTimers;
  readonly #random: () => number;
  #entries: Entry[] = [];
  #bytes = 0;
  #failures = 0;
  #timer: unknown;
  #nextAttemptAt: number | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #acknowledged = 0;
  #dropped = 0;
  #lastError: string | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: UploadQueueOptions) {
    this.#client = options.client;
    this.#maxScans = options.maxScans ?? 200;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#initialDelayMs = options.initialDelayMs ?? 5_000;
    this.#maxDelayMs = options.maxDelayMs ?? 10 * 60_000;
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.#logger = options.logger ?? silentLogger;
    this.#onAck = options.onAck;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Queues a scan and starts uploading unless the queue is backing off. A scan id already queued
   * replaces the queued file (same scan, newer copy). Returns the scans dropped to make room
   * (possibly the new one itself).
   */
  add(scan: QueuedScan): QueueEntry[] {
    if (this.#closed) throw new Error("upload queue is closed");
    const bytes = typeof scan.xml === "string" ? Buffer.byteLength(scan.xml) : scan.xml.byteLength;
    const existing = this.#entries.findIndex((e) => e.scanId === scan.scanId);
    if (existing >= 0) this.#remove(existing);
    const entry: Entry = { ...scan, bytes, queuedAt: this.#timers.now(), attempts: 0 };
    this.#entries.push(entry);
    this.#bytes += bytes;
    const dropped = this.#makeRoom();
    this.#wake();
    return dropped.map(publicEntry);
  }

  /** The queued scans, oldest first. */
  list(): QueueEntry[] {
    return this.#entries.map(publicEntry);
  }

  stats(): QueueStats {
    return {
      scans: this.#entries.length,
      bytes: this.#bytes,
      failures: this.#failures,
      nextAttemptAt: this.#nextAttemptAt,
      acknowledged: this.#acknowledged,
      dropped: this.#dropped,
      lastError: this.#lastError,
    };
  }

  /** Ends a backoff wait: try the next scan now. */
  retryNow(): void {
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#nextAttemptAt = undefined;
    }
    this.#wake();
  }

  /** Resolves when the queue is empty (every scan acknowledged or dropped), or closed. */
  idle(): Promise<void> {
    if ((this.#entries.length === 0 && !this.#running) || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops uploading (an upload under way finishes) and returns the scans never acknowledged. */
  async close(): Promise<QueueEntry[]> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    this.#notifyIdle();
    return this.list();
  }

  #wake(): void {
    if (this.#closed || this.#running || this.#timer !== undefined) return;
    if (this.#entries.length === 0) {
      this.#notifyIdle();
      return;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#entries.length === 0) this.#notifyIdle();
    });
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const entry = this.#entries[0];
      if (!entry) return;
      entry.attempts++;
      try {
        const ack = await this.#client.uploadScan(entry.scanId, entry.xml);
        this.#failures = 0;
        this.#lastError = undefined;
        this.#acknowledged++;
        const at = this.#entries.indexOf(entry);
        if (at >= 0) this.#remove(at); // it may have been dropped for room meanwhile
        this.#logger.debug(`scan ${entry.scanId} acknowledged (${ack.stored ? "stored" : "already stored"})`);
        this.#onAck?.(publicEntry(entry), ack);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.#lastError = message;
        if (error instanceof PortalError && (error.code === "rejected" || error.code === "too-large")) {
          const at = this.#entries.indexOf(entry);
          if (at >= 0) this.#remove(at);
          this.#dropped++;
          this.#logger.error(
            `dropped ${entry.kind} scan ${entry.scanId}: the portal will never take it (${message})`,
          );
          continue;
        }
        this.#failures++;
        const delay = this.#delay(error);
        this.#logger.warn(
          `upload of scan ${entry.scanId} failed (${message}); ${this.#entries.length} queued, next try in ${Math.round(delay / 1000)} s`,
        );
        this.#nextAttemptAt = this.#timers.now() + delay;
        this.#timer = this.#timers.setTimeout(() => {
          this.#timer = undefined;
          this.#nextAttemptAt = undefined;
          this.#wake();
        }, delay);
        return;
      }
    }
  }

  #delay(error: unknown): number {
    const exponential = Math.min(
      this.#maxDelayMs,
      this.#initialDelayMs * 2 ** Math.min(this.#failures - 1, 30),
    );
    const jittered = exponential * (1 - this.#jitter * this.#random());
    const retryAfter = error instanceof PortalError ? (error.retryAfterMs ?? 0) : 0;
    return Math.round(Math.max(jittered, Math.min(retryAfter, this.#maxDelayMs)));
  }

  /**
   * Drops scans until the bounds hold: oldest discovery first, then oldest refresh. A new scan
   * bigger than `maxBytes` on its own is the only one dropped (it could never stay).
   */
  #makeRoom(): Entry[] {
    const dropped: Entry[] = [];
    const newest = this.#entries.at(-1);
    if (newest && newest.bytes > this.#maxBytes) {
      this.#remove(this.#entries.length - 1);
      this.#dropped++;
      dropped.push(newest);
      this.#logger.warn(
        `dropped ${newest.kind} scan ${newest.scanId}: ${newest.bytes} bytes, more than the whole upload queue holds (${this.#maxBytes})`,
      );
    }
    while (
      this.#entries.length > this.#maxScans ||
      (this.#bytes > this.#maxBytes && this.#entries.length > 0)
    ) {
      let victim = this.#entries.findIndex((e) => e.kind === "discovery");
      if (victim < 0) victim = 0;
      const [entry] = this.#entries.slice(victim, victim + 1);
      if (!entry) break;
      this.#remove(victim);
      this.#dropped++;
      dropped.push(entry);
      this.#logger.warn(
        `upload queue full (at most ${this.#maxScans} scans, ${this.#maxBytes} bytes): dropped ${entry.kind} scan ` +
          `${entry.scanId} (${entry.bytes} bytes, queued ${new Date(entry.queuedAt).toISOString()}, ${entry.attempts} attempts)`,
      );
    }
    return dropped;
  }

  #remove(index: number): void {
    const [entry] = this.#entries.splice(index, 1);
    if (entry) this.#bytes -= entry.bytes;
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function publicEntry(entry: QueueEntry): QueueEntry {
  return {
    scanId: entry.scanId,
    kind: entry.kind,
    bytes: entry.bytes,
    queuedAt: entry.queuedAt,
    attempts: entry.attempts,
  };
}
