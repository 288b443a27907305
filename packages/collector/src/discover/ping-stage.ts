/**
 * Discovery's ping step as a stream: addresses go in, "answered ping or not" comes out, with a
 * bounded number of addresses being pinged at once (several fping batches in parallel), so the
 * address iterator is read only as fast as the rest of the scan takes the results.
 */
import type { Logger } from "../log.ts";
import type { PacketGate } from "../snmp/shared-socket.ts";
import { type Pinger, PingUnavailableError } from "./ping.ts";

export interface Pinged<T> {
  item: T;
  /** undefined: not pinged (no ping tool works here). */
  alive: boolean | undefined;
}

export interface PingStageOptions<T> {
  /** The dotted address of an item. Items should be small (a number): thousands wait in batches. */
  ipOf: (item: T) => string;
  /** In order of preference; when one fails as a tool, the next takes over; none left: no ping. */
  pingers: Pinger[];
  gate?: PacketGate;
  /** Addresses per fping process. */
  batchSize: number;
  /** Addresses being pinged or waiting to be taken, at most. */
  maxInFlight: number;
  log: Logger;
  signal?: AbortSignal;
  /** Echo requests sent, as they are known. */
  onPackets?: (packets: number) => void;
  /** Once, when no ping tool is left. */
  onUnavailable?: (why: string) => void;
}

export async function* pingStage<T>(
  items: Iterator<T>,
  options: PingStageOptions<T>,
): AsyncGenerator<Pinged<T>, void, undefined> {
  const pingers = [...options.pingers];
  const ready: Pinged<T>[] = [];
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;

  const pingBatch = async (batch: T[]): Promise<Pinged<T>[]> => {
    for (;;) {
      const pinger = pingers[0];
      if (!pinger) return batch.map((item) => ({ item, alive: undefined }));
      try {
        const outcome = await pinger.ping(batch.map(options.ipOf), options.gate, options.signal);
        options.onPackets?.(outcome.packets);
        return batch.map((item) => ({ item, alive: outcome.alive.has(options.ipOf(item)) }));
      } catch (err) {
        if (!(err instanceof PingUnavailableError)) throw err;
        // Several batches may fail at once: only the first moves on to the next tool.
        if (pingers[0] === pinger) {
          pingers.shift();
          const next = pingers[0];
          const then = next ? `pinging with ${next.method} (${next.path}) instead` : "scanning without ping";
          options.log.warn(`${err.message}; ${then}`);
          if (!next) options.onUnavailable?.(err.message);
        }
      }
    }
  };

  const launch = (batch: T[]) => {
    inFlight += batch.length;
    const task: Promise<void> = pingBatch(batch).then(
      (results) => {
        ready.push(...results);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = task.finally(() => {
      inFlight -= batch.length;
      running.delete(tracked);
    });
    running.add(tracked);
  };

  try {
    for (;;) {
      if (failure) throw failure.error;
      options.signal?.throwIfAborted();
      while (
        !exhausted &&
        (running.size === 0 || inFlight + ready.length + options.batchSize <= options.maxInFlight)
      ) {
        const batch: T[] = [];
        while (batch.length < options.batchSize) {
          const next = items.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          batch.push(next.value);
        }
        if (batch.length > 0) launch(batch);
        // No tool left: no point holding addresses back in batches.
        if (pingers.length === 0) break;
      }
      const result = ready.shift();
      if (result) {
        yield result;
        continue;
      }
      if (running.size === 0 && exhausted) return;
      if (running.size > 0) await Promise.race(running);
    }
  } finally {
    // Stopped early (cancelled, or the consumer gave up): let running batches end quietly.
    await Promise.allSettled(running);
  }
}
