/**
 * Serves a folder of `.snmprec` recordings as simulated printers, in one of two layouts:
 *
 * - one address (default 127.0.0.1), one port: every recording, selected by the community
 *   (the file name without `.snmprec`), like snmpsim; `public` too when there is one recording;
 * - a range of addresses: one recording per address, round-robin over the folder (cycled
 *   when there are more addresses than recordings), answering to `public` and to its name.
 *
 * Recordings are parsed once and shared; each address gets its own small device (live model,
 * faults, request count) and one socket. Only 127.0.0.0/8 is ever served.
 */
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Agent, createDevice, type Device, type Faults, startAgent } from "./agent.ts";
import { LiveModel, type LiveOptions } from "./live.ts";
import { loadSnmprec, type Recording } from "./snmprec.ts";

export interface SimulatorOptions {
  /** A folder of `.snmprec` files, one file, or a list of files. */
  fixtures: string | string[];
  /** "127.0.10.1-127.0.10.254", "127.0.0.5", comma-separated lists of these, or an array: one recording per address. */
  range?: string | string[];
  /** Address of the one-port layout, default 127.0.0.1. */
  address?: string;
  /** Default 161; 0 = a free port (per socket). */
  port?: number;
  /** Live counters, supplies, jams: true for the defaults. Off: recordings are served as they are. */
  live?: LiveOptions | boolean;
  /** Faults for every device, or chosen per device. */
  faults?: Faults | ((agent: SimulatedAgent) => Faults | undefined);
  /** Largest reply in bytes, default 1400. */
  maxResponseSize?: number;
}

export interface SimulatedAgent {
  address: string;
  port: number;
  community: string;
  file: string;
}

export interface Simulator {
  agents: SimulatedAgent[];
  /** Lines of the recordings that were skipped, and why. */
  issues: { file: string; line: number; text: string; reason: string }[];
  close(): Promise<void>;
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
const LOOPBACK_START = 127 * 2 ** 24;
const LOOPBACK_END = LOOPBACK_START + 2 ** 24 - 1;

/** Throws unless `address` is in 127.0.0.0/8: this project only serves on loopback. */
export function assertLoopback(address: string): void {
  const n = ipToInt(address);
  if (n === undefined) throw new Error(`not an IPv4 address: ${address}`);
  if (n < LOOPBACK_START || n > LOOPBACK_END) {
    throw new Error(`refusing to serve on ${address}: the simulator only uses 127.0.0.0/8 (loopback)`);
  }
}

/** Expands "127.0.10.1-127.0.10.254,127.0.0.9" (or an array of such items) to addresses, all loopback. */
export function parseRange(spec: string | string[]): string[] {
  const items = (Array.isArray(spec) ? spec : [spec]).flatMap((s) => s.split(",")).map((s) => s.trim());
  const out: string[] = [];
  for (const item of items.filter(Boolean)) {
    const [from = "", to = from] = item.split("-");
    assertLoopback(from);
    assertLoopback(to);
    const a = ipToInt(from) as number;
    const b = ipToInt(to) as number;
    if (b < a) throw new Error(`empty address range ${item}`);
    if (out.length + (b - a + 1) > 65536) throw new Error("more than 65536 addresses requested");
    for (let n = a; n <= b; n++) out.push(intToIp(n));
  }
  if (out.length === 0) throw new Error("no addresses in range");
  return out;
}

/** The `.snmprec` files named by `fixtures`, sorted by name within a folder. */
export function listFixtures(fixtures: string | string[]): string[] {
  const files = (Array.isArray(fixtures) ? fixtures : [fixtures]).flatMap((p) => {
    const path = resolve(p);
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((f) => f.endsWith(".snmprec"))
      .sort()
      .map((f) => join(path, f));
  });
  if (files.length === 0) throw new Error(`no .snmprec files in ${String(fixtures)}`);
  return files;
}

function bindError(err: NodeJS.ErrnoException, address: string, port: number): Error {
  const where = `${address}:${port}`;
  if (err.code === "EADDRINUSE") {
    return new Error(
      `UDP ${where} is already in use (another SNMP agent or simulator?); choose another port`,
    );
  }
  if (err.code === "EACCES")
    return new Error(`not allowed to bind UDP ${where} (ports below 1024 need root)`);
  if (err.code === "EADDRNOTAVAIL") return new Error(`address ${address} is not available on this machine`);
  return new Error(`cannot bind UDP ${where}: ${err.message}`);
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const recordings: Recording[] = listFixtures(options.fixtures).map(loadSnmprec);
  const names = new Set<string>();
  for (const r of recordings) {
    if (names.has(r.name))
      throw new Error(`two recordings are named ${r.name}: the community would be ambiguous`);
    names.add(r.name);
  }
  const issues = recordings.flatMap((r) => r.issues.map((i) => ({ file: r.file ?? r.name, ...i })));
  const liveOptions: LiveOptions | undefined =
    options.live === true ? {} : options.live === false ? undefined : options.live;
  const port = options.port ?? 161;

  // One socket per address: address → community → device.
  const sockets = new Map<string, Map<string, Device>>();
  const agents: SimulatedAgent[] = [];
  const addDevice = (address: string, recording: Recording, communities: string[]) => {
    const info: SimulatedAgent = { address, port, community: recording.name, file: recording.file ?? "" };
    const faults = typeof options.faults === "function" ? options.faults(info) : options.faults;
    const device = createDevice(recording, {
      ...(liveOptions ? { live: new LiveModel(recording, liveOptions, agents.length) } : {}),
      ...(faults ? { faults } : {}),
    });
    const devices = sockets.get(address) ?? new Map<string, Device>();
    sockets.set(address, devices);
    for (const c of communities) devices.set(c, device);
    agents.push(info);
  };

  if (options.range !== undefined) {
    parseRange(options.range).forEach((address, k) => {
      const recording = recordings[k % recordings.length] as Recording;
      addDevice(address, recording, ["public", recording.name]);
    });
  } else {
    const address = options.address ?? "127.0.0.1";
    assertLoopback(address);
    for (const r of recordings)
      addDevice(address, r, recordings.length === 1 ? ["public", r.name] : [r.name]);
  }

  const started = await Promise.allSettled(
    [...sockets].map(([address, devices]) =>
      startAgent({ address, port, devices, maxResponseSize: options.maxResponseSize ?? 1400 }).catch(
        (err: NodeJS.ErrnoException) => {
          throw bindError(err, address, port);
        },
      ),
    ),
  );
  const running = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const close = async () => {
    await Promise.all(running.map((a: Agent) => a.close()));
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await close();
    throw failed.reason;
  }
  // With port 0 each socket got its own port.
  const portOf = new Map(running.map((a) => [a.address, a.port]));
  for (const a of agents) a.port = portOf.get(a.address) ?? a.port;
  return { agents, issues, close };
}
