/**
 * Runs one child process of bench:scan with a hard timeout (and optionally a softer cap), and
 * measures it: wall time, peak memory of the process (VmHWM from /proc) and of its process tree,
 * and progress samples taken from the namespace's nftables set of probed addresses.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { type Counters, parseCounters, parseSetSizes, type Sample, TABLE } from "./layout.ts";

const NFT = existsSync("/usr/sbin/nft") ? "/usr/sbin/nft" : "nft";

function nft(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(NFT, args, { maxBuffer: 64 * 1024 * 1024, timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`nft ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

export const readCounters = async (): Promise<Counters> =>
  parseCounters(await nft(["-j", "list", "counters", "table", "inet", TABLE]));
/** Sizes of the progress sets (one `nft` call). */
export async function progress(): Promise<Omit<Sample, "t">> {
  const sizes = parseSetSizes(await nft(["-j", "list", "table", "inet", TABLE]));
  return {
    probed: sizes.probed ?? 0,
    pinged: sizes.pinged ?? 0,
    snmp: sizes.snmp_probed ?? 0,
    pingedSilent: sizes["pinged:silent"] ?? 0,
    snmpSilent: sizes["snmp_probed:silent"] ?? 0,
  };
}
export async function resetCounters(): Promise<void> {
  await nft(["reset", "counters", "table", "inet", TABLE]);
  for (const set of ["probed", "pinged", "snmp_probed"]) await nft(["flush", "set", "inet", TABLE, set]);
}

/** kB from a /proc/<pid>/status line, or 0. */
function statusKb(status: string, field: "VmHWM" | "VmRSS"): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? 0);
}

function readStatus(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
}

/** `pid` and its descendants (from /proc/<n>/stat parent ids). */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(d), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, p] of parent) if (p === tree[i] && !tree.includes(child)) tree.push(child);
  }
  return tree;
}

export interface MeasureOptions {
  argv: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this: a harness safeguard, the run counts as failed. */
  hardTimeoutMs: number;
  /** Stopped (SIGTERM, SIGKILL 2 s later) after this: a planned cut, the run counts as capped. */
  capMs?: number;
  /** File the peak-mem preload writes to (when the argv loads it). */
  peakFile?: string;
  /** Progress sampling of the nftables `probed` set every N ms (0: none). */
  sampleEveryMs?: number;
  onSample?: (s: Sample) => void;
  /** Receives the stderr text as it comes (for live progress lines). */
  onStderr?: (text: string) => void;
}

export interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit. */
  seconds: number;
  capped: boolean;
  hardTimedOut: boolean;
  /** VmHWM of the process itself, kB: exact (written at exit by the preload) when available, else polled. */
  peakKb: number;
  peakSource: "exit" | "poll";
  /** Largest sum of VmRSS over the process and its descendants seen while polling, kB. */
  treePeakKb: number;
  /** Largest number of processes in the tree (1 = no helper processes). */
  treeMax: number;
  samples: Sample[];
  pid: number | undefined;
}

/** Runs `argv` (argv[0] = executable) and measures it. Also returns the ChildProcess for Ctrl-C handling. */
export function measure(options: MeasureOptions, track?: (child: ChildProcess) => void): Promise<Measured> {
  const [file, ...args] = options.argv as [string, ...string[]];
  if (options.peakFile) rmSync(options.peakFile, { force: true });
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: {
      ...(options.env ?? process.env),
      ...(options.peakFile ? { DP_BENCH_PEAK_FILE: options.peakFile } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  track?.(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => out.push(b));
  child.stderr?.on("data", (b: Buffer) => {
    err.push(b);
    options.onStderr?.(b.toString("utf8"));
  });

  let polledKb = 0;
  let treePeakKb = 0;
  let treeMax = 0;
  const poll = () => {
    if (child.pid === undefined) return;
    const own = readStatus(child.pid);
    if (own) polledKb = Math.max(polledKb, statusKb(own, "VmHWM"));
    const tree = processTree(child.pid);
    treeMax = Math.max(treeMax, tree.length);
    const sum = tree.reduce((s, p) => s + statusKb(readStatus(p) ?? "", "VmRSS"), 0);
    treePeakKb = Math.max(treePeakKb, sum);
  };
  const memTimer = setInterval(poll, 100);

  const samples: Sample[] = [];
  let inFlight: Promise<void> | undefined;
  const takeSample = async () => {
    try {
      const t = elapsed();
      const s = { t, ...(await progress()) };
      samples.push(s);
      options.onSample?.(s);
    } catch {
      // a failed listing only loses one sample
    }
  };
  /** One sample at a time; a call during one returns that one. */
  const sample = (): Promise<void> => {
    inFlight ??= takeSample().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const sampleTimer = options.sampleEveryMs ? setInterval(sample, options.sampleEveryMs) : undefined;

  let capped = false;
  let hardTimedOut = false;
  const capTimer =
    options.capMs !== undefined
      ? setTimeout(async () => {
          capped = true;
          await sample(); // the probed count at the cap, before the process goes
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 2000).unref();
        }, options.capMs)
      : undefined;
  const hardTimer = setTimeout(() => {
    hardTimedOut = true;
    child.kill("SIGKILL");
  }, options.hardTimeoutMs);

  return new Promise((resolve) => {
    const finish = async (code: number | null, signal: NodeJS.Signals | null, extra = "") => {
      const seconds = elapsed();
      clearInterval(memTimer);
      if (sampleTimer) clearInterval(sampleTimer);
      if (capTimer) clearTimeout(capTimer);
      clearTimeout(hardTimer);
      if (!capped && options.sampleEveryMs) {
        await inFlight; // a periodic one may be under way: the last sample must come after the exit
        await sample();
      }
      let exitKb = 0;
      if (options.peakFile) {
        try {
          exitKb = Number(readFileSync(options.peakFile, "utf8").trim()) || 0;
        } catch {
          exitKb = 0;
        }
      }
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + extra,
        seconds,
        capped,
        hardTimedOut,
        peakKb: exitKb > 0 ? Math.max(exitKb, polledKb) : polledKb,
        peakSource: exitKb > 0 ? "exit" : "poll",
        treePeakKb,
        treeMax,
        samples,
        pid: child.pid,
      });
    };
    child.once("error", (e) => void finish(null, null, String(e)));
    child.once("close", (code, signal) => void finish(code, signal));
  });
}
