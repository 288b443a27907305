/**
 * Pure parts of bench:scan: where the simulated printers sit in the subnet, the traffic counters
 * of the rule set, and the arithmetic of the figures (rates, extrapolation). Unit-tested.
 */
import { type Cidr, intToIpv4, ipv4ToInt } from "../../packages/collector/src/testing/netns.ts";

/** Deterministic PRNG (mulberry32), so that a seed always gives the same printer addresses. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` distinct addresses spread over the subnet: one per equal slice, at a seeded random
 * place inside it. The last byte is always 1–254 (a scanner may fairly skip .0 and .255), so
 * neither the network nor the broadcast address of the subnet is ever picked. Sorted.
 */
export function pickPrinters(cidr: Cidr, count: number, seed = 0x1ce): string[] {
  const usable = (n: number) => (n & 255) !== 0 && (n & 255) !== 255;
  const slice = cidr.size / count;
  if (!Number.isInteger(count) || count < 1 || slice < 2)
    throw new Error(`cannot place ${count} printers in ${cidr.text}`);
  const random = mulberry32(seed);
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const from = cidr.first + Math.floor(k * slice);
    const to = cidr.first + Math.floor((k + 1) * slice); // exclusive
    const candidates: number[] = [];
    for (let n = from; n < to; n++) if (usable(n)) candidates.push(n);
    if (candidates.length === 0) throw new Error(`no usable address in slice ${k} of ${cidr.text}`);
    out.push(candidates[Math.floor(random() * candidates.length)] as number);
  }
  return out.sort((a, b) => a - b).map(intToIpv4);
}

/** The first `n` addresses of the subnet that are not printers and end in 1–254 (the verify step's silent hosts). */
export function silentSamples(cidr: Cidr, printers: readonly string[], n: number): string[] {
  const taken = new Set(printers.map(ipv4ToInt));
  const out: string[] = [];
  for (let a = cidr.first + 1; a < cidr.first + cidr.size && out.length < n; a++) {
    if (!taken.has(a) && (a & 255) !== 0 && (a & 255) !== 255) out.push(intToIpv4(a));
  }
  return out;
}

// --- nftables: counters and the set of probed addresses ------------------------------------------

export const TABLE = "dpbench";

/** Named counters of the bench's rule set. */
export const COUNTERS = [
  "snmp_req_answering",
  "snmp_req_silent",
  "snmp_resp",
  "ping_req_answering",
  "ping_req_silent",
  "ping_resp",
  "other_req",
] as const;
export type CounterName = (typeof COUNTERS)[number];
export type Counters = Record<CounterName, { packets: number; bytes: number }>;

/** Dynamic sets of the bench's rule set: addresses of the subnet that got any packet, a ping, an SNMP request. */
export const SETS = ["probed", "pinged", "snmp_probed"] as const;
export type SetName = (typeof SETS)[number];

/**
 * Extra declarations and rules for nftRuleset(): per-kind counters (bytes are IP-level: 20 IP +
 * 8 UDP/ICMP header bytes per packet on top of the payload) and dynamic sets of the addresses
 * that got a packet, a ping, an SNMP request: a scan's progress, seen from outside it.
 */
export function benchRules(cidr: Cidr): { declarations: string[]; rules: string[] } {
  const net = cidr.text;
  return {
    declarations: [
      ...SETS.map(
        (name) => `set ${name} { type ipv4_addr; size ${Math.max(cidr.size, 1024)}; flags dynamic; }`,
      ),
      ...COUNTERS.map((c) => `counter ${c} {}`),
    ],
    rules: [
      `ip daddr ${net} add @probed { ip daddr }`,
      `ip daddr ${net} icmp type echo-request add @pinged { ip daddr }`,
      `ip daddr ${net} udp dport 161 add @snmp_probed { ip daddr }`,
      `ip daddr ${net} udp dport 161 ip daddr @answering counter name "snmp_req_answering" accept`,
      `ip daddr ${net} udp dport 161 counter name "snmp_req_silent" drop`,
      `ip daddr ${net} icmp type echo-request ip daddr @answering counter name "ping_req_answering" accept`,
      `ip daddr ${net} icmp type echo-request counter name "ping_req_silent" drop`,
      `ip saddr ${net} udp sport 161 counter name "snmp_resp"`,
      `ip saddr ${net} icmp type echo-reply counter name "ping_resp"`,
      `ip daddr ${net} ip daddr != @answering counter name "other_req"`,
    ],
  };
}

interface NftJson {
  nftables?: {
    counter?: { name: string; packets: number; bytes: number };
    set?: { name: string; elem?: unknown[] };
  }[];
}

/** Counters from `nft -j list table inet <table>` (or `list counters`). */
export function parseCounters(json: string): Counters {
  const out = Object.fromEntries(COUNTERS.map((c) => [c, { packets: 0, bytes: 0 }])) as Counters;
  for (const item of (JSON.parse(json) as NftJson).nftables ?? []) {
    const c = item.counter;
    if (c && (COUNTERS as readonly string[]).includes(c.name))
      out[c.name as CounterName] = { packets: c.packets, bytes: c.bytes };
  }
  return out;
}

/**
 * Element counts of the sets in `nft -j list table inet <table>` (or `list set`), and for each
 * set `<name>:silent`, the count of its elements that are not in the set `answering`.
 */
export function parseSetSizes(json: string): Record<string, number> {
  const sets = ((JSON.parse(json) as NftJson).nftables ?? []).flatMap((item) => (item.set ? [item.set] : []));
  const answering = new Set(sets.find((set) => set.name === "answering")?.elem?.map(String) ?? []);
  const out: Record<string, number> = {};
  for (const set of sets) {
    const elems = set.elem ?? [];
    out[set.name] = elems.length;
    out[`${set.name}:silent`] = elems.filter((e) => !answering.has(String(e))).length;
  }
  return out;
}

// --- figures ---------------------------------------------------------------------------------------

export interface Sample {
  /** Seconds since the scan process started. */
  t: number;
  /** Addresses of the subnet that got at least one packet / ping / SNMP request so far. */
  probed: number;
  pinged: number;
  snmp: number;
  /** The same for the silent addresses only (not printers). */
  pingedSilent?: number;
  snmpSilent?: number;
}

/**
 * Steady-state rate of one progress count, per second: the slope from the first sample at or
 * after a quarter of the run (start-up excluded) to the last one; the plain average for short runs.
 */
export function probeRate(samples: readonly Sample[], key: "probed" | "pinged" | "snmp" = "probed"): number {
  const last = samples.at(-1);
  if (!last || last.t <= 0) return 0;
  const from = samples.find((s) => s.t >= last.t / 4 && s[key] > 0 && s !== last);
  if (from && last.t - from.t >= 5) return (last[key] - from[key]) / (last.t - from.t);
  return last[key] / last.t;
}

/** Seconds to probe `addresses` at `rate` per second (Infinity at rate 0). */
export function extrapolate(addresses: number, rate: number): number {
  return rate > 0 ? addresses / rate : Number.POSITIVE_INFINITY;
}

export interface Stream {
  name: string;
  done: number;
  total: number;
  /** Per second, steady state. */
  rate: number;
}

/**
 * The progress streams of a scan that was stopped before it finished: the ping sweep (every
 * address, when the scan pings at all) and the SNMP probes (the printers that answer ping, or
 * every address without ping). A stream that has not started is assumed not to be needed.
 */
export function progressStreams(
  last: Sample,
  samples: readonly Sample[],
  size: number,
  answering: number,
): Stream[] {
  const pinging = last.pinged > 0;
  const streams: Stream[] = [];
  if (pinging)
    streams.push({ name: "pinged", done: last.pinged, total: size, rate: probeRate(samples, "pinged") });
  streams.push({
    name: "SNMP-probed",
    done: last.snmp,
    total: pinging ? answering : size,
    rate: probeRate(samples, "snmp"),
  });
  return streams;
}

/**
 * Total time of a stopped run, extrapolated: the elapsed time plus the slowest stream's remaining
 * work at its steady-state rate (streams run side by side: the scan pipelines ping and SNMP).
 */
export function extrapolateTotal(elapsed: number, streams: readonly Stream[]): number {
  const remaining = streams.map((s) => (s.done >= s.total ? 0 : extrapolate(s.total - s.done, s.rate)));
  return elapsed + Math.max(0, ...remaining);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "∞";
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const formatInt = (n: number): string => Math.round(n).toLocaleString("en-US");

export function formatBytes(n: number): string {
  if (n < 10_000) return `${formatInt(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A plain-text table, columns padded; `right` lists the columns to right-align. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
