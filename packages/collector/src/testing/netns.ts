/**
 * Silent hosts for tests and benchmarks: run a Node script inside a fresh network namespace in
 * which a loopback subnet is dropped by nftables except a set of answering addresses.
 *
 * On the machine every 127.x.y.z answers ping (and sends ICMP port-unreachable for a closed UDP
 * port), so an absent host cannot be simulated there. Inside the namespace a dropped address gives
 * no reply of any kind: no echo reply, no SNMP reply, no ICMP unreachable — like a real absent host.
 *
 *   unshare --net --pid --fork --kill-child --mount-proc -- \
 *     sh -c 'ip link set lo up && nft -f RULES && exec node SCRIPT ARGS…'
 *
 * - `--net`: a namespace holding only `lo` (down until `ip link set lo up`); its nftables rule set
 *   and sockets vanish with it, nothing on the machine is touched.
 * - `--pid --fork --kill-child --mount-proc`: the script is PID 1 of its own PID namespace (and
 *   `/proc` shows that namespace, so `/proc/<pid>/status` of the script's children works). When
 *   `unshare` is killed (SIGKILL: `unshare --fork` blocks SIGINT/SIGTERM), the script gets SIGKILL
 *   and with it every process it started: nothing in the namespace outlives a timeout or a Ctrl-C.
 *   As PID 1 the script ignores signals it has no handler for (a terminal's Ctrl-C included).
 *
 * Needs root and util-linux `unshare`, `nft` (Debian nftables), `ip` (iproute2).
 * `netnsSkipReason()` says why it cannot run here; with env `DP_REQUIRE_NETNS=1` (CI) that throws.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findExecutable as findOnPath } from "../discover/ping.ts";

/** Path of an executable on PATH (or in the sbin folders, which a non-login PATH may lack). */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath(name, env.PATH ?? "");
}

/**
 * Why a network-namespace test cannot run here, or undefined when it can. Use as
 * `describe(name, { skip: netnsSkipReason() }, …)` so that the skip shows in the report.
 * With env `DP_REQUIRE_NETNS=1` a missing prerequisite throws instead (fails the test file).
 */
export function netnsSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing: string[] = [];
  if (process.platform !== "linux") missing.push("Linux");
  else if (typeof process.getuid === "function" && process.getuid() !== 0) missing.push("root");
  if (!findExecutable("unshare", env)) missing.push("unshare (util-linux)");
  if (!findExecutable("nft", env)) missing.push("nft (apt-get install nftables)");
  if (!findExecutable("ip", env)) missing.push("ip (apt-get install iproute2)");
  if (missing.length === 0) return undefined;
  const message = `silent hosts need a network namespace; missing: ${missing.join(", ")}`;
  if (env.DP_REQUIRE_NETNS === "1") throw new Error(`DP_REQUIRE_NETNS=1 but ${message}`);
  return message;
}

// --- IPv4 helpers --------------------------------------------------------------------------------

export function ipv4ToInt(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  const parts = m?.slice(1).map(Number);
  if (!parts || parts.some((p) => p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export const intToIpv4 = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export interface Cidr {
  /** Canonical form, e.g. "127.77.0.0/16". */
  text: string;
  /** First address as an integer. */
  first: number;
  size: number;
  bits: number;
}

/** Parses "127.77.0.0/16"; the address must be the network address. */
export function parseCidr(text: string): Cidr {
  const [addr = "", bitsText = "32"] = text.trim().split("/");
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`bad prefix length in ${text}`);
  const n = ipv4ToInt(addr);
  const size = 2 ** (32 - bits);
  if (n % size !== 0) throw new Error(`${text} is not a network address (host bits set)`);
  return { text: `${intToIpv4(n)}/${bits}`, first: n, size, bits };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n >= cidr.first && n < cidr.first + cidr.size;
}

const LOOPBACK = parseCidr("127.0.0.0/8");

/** Throws unless the whole subnet is inside 127.0.0.0/8 (tests only ever use loopback). */
export function assertLoopbackCidr(cidr: Cidr): void {
  if (cidr.first < LOOPBACK.first || cidr.first + cidr.size > LOOPBACK.first + LOOPBACK.size)
    throw new Error(`refusing ${cidr.text}: silent hosts are only simulated inside 127.0.0.0/8`);
}

// --- nftables rule set ---------------------------------------------------------------------------

export interface RulesetOptions {
  /** The simulated subnet, e.g. "127.77.0.0/16": input to it is dropped… */
  subnet: string;
  /** …except to these addresses (each inside the subnet). */
  answering: readonly string[];
  /** Table name (family inet), default "simnet". */
  table?: string;
  /** Extra declarations inside the table (sets, named counters). */
  declarations?: readonly string[];
  /** Extra rules at the top of the input chain, before the drop rule (counters, dynamic sets). */
  rules?: readonly string[];
}

/**
 * The nftables rule set: table `inet <table>` with set `answering` and an input chain that drops
 * every packet to the subnet whose destination is not in `answering`. Input is the right hook on
 * `lo`: the packet is dropped before any socket or ICMP error is generated for it.
 */
export function nftRuleset(options: RulesetOptions): string {
  const cidr = parseCidr(options.subnet);
  assertLoopbackCidr(cidr);
  const table = options.table ?? "simnet";
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(table)) throw new Error(`bad nftables table name ${table}`);
  for (const a of options.answering) {
    if (!cidrContains(cidr, a)) throw new Error(`answering address ${a} is outside ${cidr.text}`);
  }
  const unique = [...new Set(options.answering.map((a) => intToIpv4(ipv4ToInt(a))))];
  const elements = unique.length > 0 ? ` elements = { ${unique.join(", ")} };` : "";
  return [
    `table inet ${table} {`,
    `  set answering { type ipv4_addr;${elements} }`,
    ...(options.declarations ?? []).map((d) => `  ${d}`),
    "  chain input {",
    "    type filter hook input priority 0; policy accept;",
    ...(options.rules ?? []).map((r) => `    ${r}`),
    `    ip daddr ${cidr.text} ip daddr != @answering drop`,
    "  }",
    "}",
    "",
  ].join("\n");
}

// --- running a script inside the namespace -------------------------------------------------------

/** Shell run as the namespace's first process: loopback up, rules loaded, then the command. */
const SETUP = 'ip link set lo up && nft -f "$0" && exec "$@"';

/**
 * argv of `unshare … sh -c SETUP RULES COMMAND…`: runs `command` inside a fresh namespace after
 * loading `rulesFile`. `command[0]` is typically `process.execPath` (Node 24).
 */
export function netnsArgv(rulesFile: string, command: readonly string[]): string[] {
  return [
    "--net",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "--",
    "sh",
    "-c",
    SETUP,
    rulesFile,
    ...command,
  ];
}

/** A shell-quoted command line (for printing commands a person can paste). */
export function shellQuote(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

export interface NetnsOptions extends RulesetOptions {
  /** Node script to run inside (a `.ts` works: it runs with this process's Node). */
  script: string;
  args?: readonly string[];
  /** Hard timeout: the namespace (and everything in it) is killed after this, default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** "pipe" (default): output collected in the result; "inherit": passed through. */
  stdio?: "pipe" | "inherit";
  /** Extra Node options before the script, e.g. ["--import", file]. */
  nodeArgs?: readonly string[];
  /** Folder for `rules.nft`, left in place; default a temporary folder removed at the end. */
  workDir?: string;
}

export interface NetnsRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface NetnsProcess {
  /** The `unshare` process (killing it kills everything in the namespace). */
  child: ChildProcess;
  rulesFile: string;
  /** The whole command line, shell-quoted. */
  command: string;
  done: Promise<NetnsRun>;
  /** Kills the namespace: SIGKILL to `unshare`, whose `--kill-child` SIGKILLs the script and so the namespace. */
  kill(): void;
}

/** Starts `node <script> <args>` inside a fresh namespace with the silent-host rule set. */
export function spawnInNetns(options: NetnsOptions): NetnsProcess {
  const reason = netnsSkipReason(options.env ?? process.env);
  if (reason) throw new Error(reason);
  const ruleset = nftRuleset(options);
  const dir = options.workDir ?? mkdtempSync(join(tmpdir(), "dp-netns-"));
  const rulesFile = join(dir, "rules.nft");
  writeFileSync(rulesFile, ruleset);
  const unshare = findExecutable("unshare") as string;
  const argv = netnsArgv(rulesFile, [
    process.execPath,
    ...(options.nodeArgs ?? []),
    resolve(options.script),
    ...(options.args ?? []),
  ]);
  const start = process.hrtime.bigint();
  const stdio = options.stdio ?? "pipe";
  const child = spawn(unshare, argv, {
    stdio: stdio === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    // ip and nft live in /usr/sbin, which a non-login PATH may lack.
    env: {
      ...(options.env ?? process.env),
      PATH: `${(options.env ?? process.env).PATH ?? ""}:/usr/sbin:/sbin`,
    },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => out.push(b));
  child.stderr?.on("data", (b: Buffer) => err.push(b));
  let timedOut = false;
  // `unshare --fork` blocks SIGINT and SIGTERM while it waits for the script, so only SIGKILL
  // stops it; `--kill-child` then SIGKILLs the script (PID 1), which takes the namespace with it.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs ?? 60_000);
  const done = new Promise<NetnsRun>((resolveRun) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = "") => {
      clearTimeout(timer);
      if (!options.workDir) rmSync(dir, { recursive: true, force: true });
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + extra,
        timedOut,
        ms: Number(process.hrtime.bigint() - start) / 1e6,
      });
    };
    child.once("error", (e) => finish(null, null, String(e)));
    child.once("close", (code, signal) => finish(code, signal));
  });
  return { child, rulesFile, command: shellQuote([unshare, ...argv]), done, kill };
}

/** Runs `node <script> <args>` inside a fresh namespace; resolves when it has exited (or was killed). */
export function runInNetns(options: NetnsOptions): Promise<NetnsRun> {
  return spawnInNetns(options).done;
}
