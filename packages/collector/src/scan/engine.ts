/**
 * What discovery and refresh share: the packet-rate gate, the shared UDP sockets, a bounded pool
 * of addresses in flight, traffic totals and cancellation.
 */
import { randomUUID } from "node:crypto";
import { SharedUdp, type TrafficCounter } from "../snmp/shared-socket.ts";
import type { ScanTraffic } from "./result.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface ScanResources {
  gate: TokenBucket;
  udp: SharedUdp;
  traffic: ScanTraffic;
  /** Aborted when the caller's signal is, or when the scan fails. */
  signal: AbortSignal;
  scanId: string;
  startedAt: Date;
  /** Adds one address's SNMP datagrams to the totals. */
  addTraffic(counter: TrafficCounter): void;
}

export interface ScanResourceOptions {
  packetsPerSecond: number;
  /** Real UDP sockets the sessions share, default 4. */
  sockets?: number;
  signal?: AbortSignal;
  now?: () => Date;
}

/**
 * Runs `scan` with its resources and releases them however it ends. When `options.signal` aborts,
 * waiting packets are refused, sessions see their sockets closed (pending requests fail at once)
 * and this rejects with the signal's reason.
 */
export async function withScanResources<T>(
  options: ScanResourceOptions,
  scan: (resources: ScanResources) => Promise<T>,
): Promise<T> {
  options.signal?.throwIfAborted();
  const gate = new TokenBucket(options.packetsPerSecond);
  const udp = await SharedUdp.open({ sockets: options.sockets ?? 4, gate });
  const internal = new AbortController();
  const stop = () => {
    const reason = options.signal?.reason ?? new Error("scan stopped");
    internal.abort(reason);
    gate.stop(reason);
    void udp.close();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  const traffic: ScanTraffic = {
    snmpBytesSent: 0,
    snmpBytesReceived: 0,
    snmpPacketsSent: 0,
    snmpPacketsReceived: 0,
    pingPackets: 0,
  };
  try {
    const result = await scan({
      gate,
      udp,
      traffic,
      signal: internal.signal,
      scanId: randomUUID(),
      startedAt: options.now?.() ?? new Date(),
      addTraffic(c) {
        traffic.snmpBytesSent += c.bytesSent;
        traffic.snmpBytesReceived += c.bytesReceived;
        traffic.snmpPacketsSent += c.packetsSent;
        traffic.snmpPacketsReceived += c.packetsReceived;
      },
    });
    options.signal?.throwIfAborted();
    return result;
  } catch (err) {
    // A cancelled scan ends with the caller's reason, not with whatever failed on the way down.
    options.signal?.throwIfAborted();
    throw err;
  } finally {
    options.signal?.removeEventListener("abort", stop);
    if (!internal.signal.aborted) internal.abort(new Error("scan ended"));
    gate.stop();
    await udp.close();
  }
}

/**
 * Calls `work` for each item of `source` with at most `limit` calls running; reads `source` only
 * as fast as slots free up. Stops taking items when `signal` aborts; rejects with the first error.
 */
export async function forEachBounded<T>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let running = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settled = () => {
    running--;
    wake?.();
  };
  const waitForSlot = async () => {
    while (running >= limit && !failure) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  };
  for await (const item of source) {
    if (failure || signal?.aborted) break;
    await waitForSlot();
    if (failure || signal?.aborted) break;
    running++;
    work(item).then(settled, (error: unknown) => {
      failure ??= { error };
      settled();
    });
  }
  // Drain: wait until every call has ended.
  while (running > 0) {
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  signal?.throwIfAborted();
  if (failure) throw failure.error;
}
