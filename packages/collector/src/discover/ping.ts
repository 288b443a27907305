/**
 * ICMP echo for discovery, through the system's tools (raw sockets need a capability Node lacks):
 * fping, one process for a whole batch of addresses, when installed; else iputils `ping`, one
 * process per address and attempt. Both pay the scan's packet-rate gate before sending.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { isIPv4 } from "node:net";
import { delimiter, join } from "node:path";
import type { PacketGate } from "../snmp/shared-socket.ts";

export interface PingOutcome {
  alive: Set<string>;
  /** Echo requests sent (fping's own count; one per attempt for ping). */
  packets: number;
}

export interface Pinger {
  readonly method: "fping" | "ping";
  readonly path: string;
  /** Which of `batch` answered. Rejects with PingUnavailableError when the tool itself fails. */
  ping(batch: readonly string[], gate: PacketGate | undefined, signal?: AbortSignal): Promise<PingOutcome>;
}

/** The ping tool cannot be used here (missing, no raw-socket permission, refused arguments). */
export class PingUnavailableError extends Error {
  override name = "PingUnavailableError";
}

export interface PingTiming {
  timeoutMs: number;
  retries: number;
  /** The scan's packet rate: fping spaces its packets by 1/rate. */
  packetsPerSecond: number;
}

/** The folders a service's PATH may lack, searched after PATH. */
const systemDirs = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/** Finds an executable by name on PATH (and then in `alsoIn`: the system folders by default). */
export function findExecutable(
  name: string,
  path = process.env.PATH ?? "",
  alsoIn: readonly string[] = systemDirs,
): string | undefined {
  if (name.includes("/")) return isExecutable(name) ? name : undefined;
  const dirs = [...path.split(delimiter), ...alsoIn];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The addresses fping printed with -a (one per line); anything else on stdout is ignored. */
export function parseFpingAlive(stdout: string): Set<string> {
  const alive = new Set<string>();
  for (const line of stdout.split("\n")) {
    const ip = line.trim().split(/\s/)[0] ?? "";
    if (isIPv4(ip)) alive.add(ip);
  }
  return alive;
}

/** "N ICMP Echos sent" of fping -s on stderr, if present. */
export function parseFpingSent(stderr: string): number | undefined {
  const m = /(\d+)\s+ICMP Echos sent/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

export function fpingPinger(path: string, timing: PingTiming): Pinger {
  // fping's -i is the gap between any two packets it sends: the scan's rate, in milliseconds.
  const interval = Math.max(0.1, 1000 / timing.packetsPerSecond).toFixed(2);
  const args = [
    "-a", // print the addresses that answered
    "-q",
    "-s", // statistics on stderr: how many echo requests went out
    "-B1", // the same timeout for every attempt
    `-r${timing.retries}`,
    `-t${Math.round(timing.timeoutMs)}`,
    `-i${interval}`,
  ];
  return {
    method: "fping",
    path,
    async ping(batch, gate, signal) {
      if (batch.length === 0) return { alive: new Set(), packets: 0 };
      // Paid up front for the worst case (no answers, every retry): fping paces itself meanwhile.
      await gate?.take(batch.length * (timing.retries + 1));
      const { code, stdout, stderr } = await run(path, args, `${batch.join("\n")}\n`, signal);
      // 0: all answered, 1: some did not, 2: unknown names. Whatever the code, a working fping
      // ends with the statistics -s asked for; without them, it is not fping or it broke.
      const sent = parseFpingSent(stderr);
      if (code === null || code > 2 || sent === undefined) {
        const why = stderr.trim().split("\n")[0] || `exit code ${code}`;
        throw new PingUnavailableError(`fping (${path}) failed: ${why}`);
      }
      return { alive: parseFpingAlive(stdout), packets: sent };
    },
  };
}

/** iputils ping, one process per address and attempt, at most `processes` at once. */
export function systemPinger(path: string, timing: PingTiming, processes = 64): Pinger {
  const waitSeconds = Math.max(0.001, timing.timeoutMs / 1000).toFixed(3);
  let running = 0;
  const queue: Array<() => void> = [];
  const slot = async () => {
    if (running >= processes) await new Promise<void>((r) => queue.push(r));
    running++;
  };
  const release = () => {
    running--;
    queue.shift()?.();
  };
  return {
    method: "ping",
    path,
    async ping(batch, gate, signal) {
      let packets = 0;
      const alive = new Set<string>();
      await Promise.all(
        batch.map(async (ip) => {
          for (let attempt = 0; attempt <= timing.retries && !signal?.aborted; attempt++) {
            await gate?.take();
            await slot();
            packets++;
            let result: Awaited<ReturnType<typeof run>>;
            try {
              result = await run(path, ["-n", "-q", "-c1", `-W${waitSeconds}`, ip], undefined, signal);
            } finally {
              release();
            }
            if (result.code === 0) {
              alive.add(ip);
              return;
            }
            // 1: no reply. 2 and others: ping itself failed (no permission, bad option).
            if (result.code !== 1) {
              const why = result.stderr.trim().split("\n")[0] || `exit code ${result.code}`;
              throw new PingUnavailableError(`ping (${path}) failed: ${why}`);
            }
          }
        }),
      );
      return { alive, packets };
    },
  };
}

function run(
  file: string,
  args: string[],
  input: string | undefined,
  signal: AbortSignal | undefined,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(signal && { signal }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.name === "AbortError") reject(signal?.reason ?? err);
      else reject(new PingUnavailableError(`cannot run ${file}: ${err.code ?? err.message}`));
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    // A child that exits before reading its input makes the write fail: its exit code tells why.
    child.stdin?.on("error", () => {});
    child.stdin?.end(input);
  });
}
