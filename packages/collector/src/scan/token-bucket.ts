import type { PacketGate } from "../snmp/shared-socket.ts";

export interface TokenBucketOptions {
  /** Packets that may leave at once after a quiet spell; default 1/100 s worth (at least 1). */
  burst?: number;
  /** Milliseconds, monotonic; injectable for tests. */
  now?: () => number;
}

interface Waiter {
  cost: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/**
 * The scan's global packet-rate limit: every SNMP datagram and every ping takes tokens, which
 * refill at `perSecond`. Waiters are served in order. A large take (a batch of pings handed to
 * fping, which paces them itself) is let through once the bucket is not in debt and leaves it in
 * debt, so later packets wait until the batch has been paid for: the average rate holds either way.
 */
export class TokenBucket implements PacketGate {
  readonly perSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  readonly #queue: Waiter[] = [];
  #tokens: number;
  #last: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped: unknown;

  constructor(perSecond: number, options: TokenBucketOptions = {}) {
    if (!(perSecond > 0)) throw new Error(`packet rate must be above 0, got ${perSecond}`);
    this.perSecond = perSecond;
    this.burst = Math.max(1, options.burst ?? Math.floor(perSecond / 100));
    this.#now = options.now ?? performance.now.bind(performance);
    this.#tokens = this.burst;
    this.#last = this.#now();
  }

  /** Resolves when `cost` packets may leave; undefined when they may leave right now. */
  take(cost = 1): Promise<void> | undefined {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    this.#refill();
    if (this.#queue.length === 0 && this.#tokens >= Math.min(cost, 1)) {
      this.#tokens -= cost;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ cost, resolve, reject });
      this.#schedule();
    });
  }

  /** Fails every waiter and every later take with `reason` (the scan was cancelled). */
  stop(reason: unknown = new Error("scan stopped")): void {
    this.#stopped = reason;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#queue.splice(0)) w.reject(reason);
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
    this.#last = now;
  }

  #pump = (): void => {
    this.#timer = undefined;
    this.#refill();
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      const w = this.#queue.shift() as Waiter;
      this.#tokens -= w.cost;
      w.resolve();
    }
    this.#schedule();
  };

  #schedule(): void {
    if (this.#timer || this.#queue.length === 0) return;
    const wait = ((1 - this.#tokens) * 1000) / this.perSecond;
    this.#timer = setTimeout(this.#pump, Math.max(1, Math.ceil(wait)));
  }
}
