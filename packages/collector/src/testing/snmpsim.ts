/**
 * Test harness around Debian's `snmpsimd` (snmpsim 0.4.x): serves a folder of `.snmprec`
 * recordings on 127.0.0.1 and a free UDP port. The SNMPv1/v2c community (or the SNMPv3 context
 * name) is the file name without `.snmprec`.
 *
 * Used by tests (`describe(..., { skip: snmpsimSkipReason() })`) and by the benches in `bench/`.
 */

import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import snmp from "net-snmp";
import { findExecutable } from "../discover/ping.ts";

/** Repository root (this file is packages/collector/src/testing/snmpsim.ts). */
export const repoRoot: string = resolve(import.meta.dirname, "../../../..");

/** Folder of the shared recordings: env `DP_SNMP_FIXTURES`, else `<repo root>/../shared/fixtures/snmp`. */
export function fixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DP_SNMP_FIXTURES;
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot, "../shared/fixtures/snmp");
}

/** Path of the `snmpsimd` executable on PATH (Debian name, then pip's `snmpsimd.py`), or undefined. */
export function findSnmpsimd(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.PATH ?? "";
  // PATH only: tests hide snmpsimd by changing PATH.
  return findExecutable("snmpsimd", path, []) ?? findExecutable("snmpsimd.py", path, []);
}

/** Stems (community names) of the `.snmprec` files in `dir`, sorted. */
export function listRecordings(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".snmprec"))
    .map((f) => f.slice(0, -".snmprec".length))
    .sort();
}

export interface SkipOptions {
  /** Also skip when the shared recordings folder (fixturesDir()) is absent. Default true. */
  needFixtures?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Why an snmpsim test cannot run here, or undefined when it can. Pass the result as
 * `describe(name, { skip: snmpsimSkipReason() }, …)` or `if (reason) t.skip(reason)`, so the
 * skip is visible in the test report.
 *
 * With env `DP_REQUIRE_SNMPSIM=1` (CI) a missing `snmpsimd` is not a reason to skip: this
 * throws, which fails the test file. A missing fixtures folder still only skips.
 */
export function snmpsimSkipReason(options: SkipOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  if (!findSnmpsimd(env)) {
    const message =
      "snmpsimd not found on PATH (Debian: apt-get install snmpsim; .ci/run installs it on a fresh machine)";
    if (env.DP_REQUIRE_SNMPSIM === "1") throw new Error(`DP_REQUIRE_SNMPSIM=1 but ${message}`);
    return message;
  }
  if (options.needFixtures ?? true) {
    const dir = fixturesDir(env);
    let found = false;
    try {
      found = statSync(dir).isDirectory() && listRecordings(dir).length > 0;
    } catch {
      found = false;
    }
    if (!found) return `no SNMP recordings in ${dir} (set DP_SNMP_FIXTURES to the shared fixtures folder)`;
  }
  return undefined;
}

/** SNMPv3 user that snmpsimd accepts besides the v1/v2c communities. */
export interface SnmpsimV3User {
  name: string;
  /** At least 8 characters (USM rule). Without it the user is noAuthNoPriv. */
  authKey?: string;
  authProtocol?: "MD5" | "SHA" | "SHA224" | "SHA256" | "SHA384" | "SHA512";
  /** At least 8 characters; needs authKey. */
  privKey?: string;
  privProtocol?: "DES" | "3DES" | "AES" | "AES128" | "AES192" | "AES256";
}

export interface SnmpsimOptions {
  /** Folder of `.snmprec` files; must be readable by `nobody` when running as root. */
  dataDir: string;
  /** Listen address, default 127.0.0.1 (tests only talk to 127.0.0.0/8). */
  host?: string;
  /** Fixed port; default: a free one, retried with another on a bind failure. */
  port?: number;
  /** Also accept this SNMPv3 user (context name = recording stem). */
  v3User?: SnmpsimV3User;
  /** How long to wait for the first answer, default 30 s. */
  readyTimeoutMs?: number;
  /** Start attempts with fresh ports, default 5 (1 when `port` is fixed). */
  attempts?: number;
  /** Extra snmpsimd arguments (e.g. `--v2c-arch`). */
  extraArgs?: string[];
}

export interface Snmpsim {
  host: string;
  port: number;
  dataDir: string;
  /** Communities served (recording stems). */
  communities: string[];
  /** The v3 user it was started with, if any. */
  v3User?: SnmpsimV3User;
  /** Last lines snmpsimd wrote (for error messages). */
  log(): string;
  /** Stops snmpsimd (SIGTERM, then SIGKILL after 3 s), waits for it to exit, removes its cache. */
  stop(): Promise<void>;
}

/** A free UDP port on `host`: bind port 0, read the port, close. */
export function freeUdpPort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolvePort(port));
    });
  });
}

/** True when nothing is bound to `host:port` (UDP). */
export function udpPortIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolveFree) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolveFree(false);
    });
    socket.bind(port, host, () => socket.close(() => resolveFree(true)));
  });
}

/** Live snmpsimd processes and their cache dirs. */
const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test or bench that ends without stop() must not leave snmpsimd or its cache behind.
  process.once("exit", () => {
    for (const [child, cacheDir] of running) {
      child.kill("SIGKILL");
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function lookupId(file: string, name: string): number {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields[2] !== undefined) return Number(fields[2]);
  }
  throw new Error(`${name} not found in ${file}`);
}

/** As root snmpsimd drops to nobody: the data dir must be listable and every parent traversable. */
function checkReadableByNobody(dataDir: string): void {
  if (!isRoot()) return;
  const mode = statSync(dataDir).mode;
  if ((mode & 0o005) !== 0o005) {
    throw new Error(
      `snmpsimd runs as nobody: ${dataDir} must be world-readable (chmod o+rx), mode is ${(mode & 0o777).toString(8)}`,
    );
  }
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `snmpsimd runs as nobody: parent folder ${dir} of ${dataDir} must be traversable (o+x)`,
      );
    }
    if (dirname(dir) === dir) break;
  }
}

/**
 * Writes recordings to a fresh temporary folder readable by `nobody` (so that snmpsimd can
 * serve it when the tests run as root). Returns the folder; remove it with `rmSync(dir, {recursive: true})`.
 */
export function createDataDir(recordings: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "dp-snmprec-"));
  chmodSync(dir, 0o755);
  for (const [stem, text] of Object.entries(recordings)) {
    const file = join(dir, `${stem}.snmprec`);
    writeFileSync(file, text.endsWith("\n") ? text : `${text}\n`);
    chmodSync(file, 0o644);
  }
  return dir;
}

function v3Args(user: SnmpsimV3User): string[] {
  const args = [`--v3-user=${user.name}`];
  if (user.authKey !== undefined) {
    args.push(`--v3-auth-key=${user.authKey}`, `--v3-auth-proto=${user.authProtocol ?? "SHA"}`);
  }
  if (user.privKey !== undefined) {
    args.push(`--v3-priv-key=${user.privKey}`, `--v3-priv-proto=${user.privProtocol ?? "AES"}`);
  }
  return args;
}

/** One v2c GET of sysUpTime.0; resolves true on any answer (noSuchObject included). */
function answers(host: string, port: number, community: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const session = snmp.createSession(host, community, {
      port,
      version: snmp.Version2c,
      timeout: timeoutMs,
      retries: 0,
    });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      try {
        session.close();
      } catch {
        // already closed
      }
      resolveAnswer(ok);
    };
    session.on("error", () => finish(false));
    try {
      session.get(["1.3.6.1.2.1.1.3.0"], (error: Error | null) => {
        // An error status for the whole PDU is still an answer; only a timeout is "not up".
        finish(error?.name !== "RequestTimedOutError");
      });
    } catch {
      finish(false);
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class StartFailure extends Error {
  retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

async function startOnce(
  exe: string,
  options: SnmpsimOptions,
  host: string,
  port: number,
  communities: string[],
): Promise<Snmpsim> {
  const cacheDir = mkdtempSync(join(tmpdir(), "dp-snmpsim-cache-"));
  const args = [
    `--data-dir=${options.dataDir}`,
    `--agent-udpv4-endpoint=${host}:${port}`,
    `--cache-dir=${cacheDir}`,
    "--logging-method=stderr",
  ];
  if (isRoot()) {
    chownSync(cacheDir, lookupId("/etc/passwd", "nobody"), lookupId("/etc/group", "nogroup"));
    args.push("--process-user=nobody", "--process-group=nogroup");
  }
  if (options.v3User) args.push(...v3Args(options.v3User));
  args.push(...(options.extraArgs ?? []));

  const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.set(child, cacheDir);
  installExitHook();

  // Keep the last ~64 KB of output for error messages; snmpsimd logs every request.
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-65536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const log = () => tail;

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolveExit();
    });
    child.once("error", (err) => {
      spawnError = err;
      running.delete(child);
      resolveExit();
    });
  });

  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      if (!exited && !spawnError) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exitPromise;
        clearTimeout(timer);
      }
      rmSync(cacheDir, { recursive: true, force: true });
    }
  };

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const probeCommunity = communities[0] as string;
  while (true) {
    if (spawnError) {
      await stop();
      throw new StartFailure(`cannot start ${exe}: ${spawnError.message}`, false);
    }
    if (exited) {
      await stop();
      const text = log();
      const inUse = /address already in use|bind\(\) .* failed/i.test(text);
      throw new StartFailure(
        `snmpsimd exited (code ${exited.code}, signal ${exited.signal}) before answering on ${host}:${port}:\n${lastLines(text, 15)}`,
        inUse,
      );
    }
    if (await answers(host, port, probeCommunity, 200)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new StartFailure(
        `snmpsimd did not answer on ${host}:${port} within ${timeoutMs} ms:\n${lastLines(log(), 15)}`,
        false,
      );
    }
    await sleep(50);
  }

  const sim: Snmpsim = { host, port, dataDir: options.dataDir, communities, log, stop };
  if (options.v3User) sim.v3User = options.v3User;
  return sim;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/**
 * Starts snmpsimd serving `options.dataDir` and resolves once it answers a GET.
 * Always call `stop()` (e.g. in `after()`); a process exit kills it as a last resort.
 */
export async function startSnmpsim(options: SnmpsimOptions): Promise<Snmpsim> {
  const exe = findSnmpsimd();
  if (!exe) throw new Error("snmpsimd not found on PATH (Debian: apt-get install snmpsim)");
  const dataDir = resolve(options.dataDir);
  const communities = listRecordings(dataDir);
  if (communities.length === 0) throw new Error(`no .snmprec files in ${dataDir}`);
  checkReadableByNobody(dataDir);
  const host = options.host ?? "127.0.0.1";
  const attempts = options.port !== undefined ? 1 : (options.attempts ?? 5);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freeUdpPort(host));
    try {
      return await startOnce(exe, { ...options, dataDir }, host, port, communities);
    } catch (err) {
      lastError = err as Error;
      if (!(err instanceof StartFailure) || !err.retryable) throw err;
    }
  }
  throw lastError ?? new Error("snmpsimd did not start");
}
