/**
 * Discovery bench ("ICE collector, part 2"): `npm run bench:scan -- [--quick]
 * [--only discovery|concurrency] [--keep] [--cap 90] [--timeout 600] [--printers 250]
 * [--fixtures dir] [--cli file | --scan-command file | --stand-in] [--check]`.
 *
 * A simulated /16 (127.77.0.0/16; a /20 with --quick) in which 250 addresses are printers served
 * by the project's simulator and every other address is silent like an absent host (no ping
 * reply, no SNMP reply, no ICMP unreachable). The bench re-executes itself inside its own network
 * and PID namespace (packages/collector/src/testing/netns.ts: `unshare`, `ip link set lo up`,
 * an nftables rule set that drops input to the subnet except the printers), starts the
 * simulator there as a child process, verifies that a dropped address answers neither ping nor
 * SNMP and a printer answers both, then runs `ice scan <subnet> --json` as another child
 * process and measures it. See bench/README.md, "bench:scan".
 *
 * Exits 0 when the harness worked (a measurement), 1 when it failed, 130 on Ctrl-C; with
 * --check also 1 when a requirement is not met. Everything in the namespace dies with it.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { bundleCollector } from "../packages/collector/build/bundle.ts";
import {
  type Cidr,
  netnsArgv,
  netnsSkipReason,
  parseCidr,
  shellQuote,
  spawnInNetns,
} from "../packages/collector/src/testing/netns.ts";
import { assertIsolatedNetns, pingOnce, udpProbe } from "../packages/collector/src/testing/netns-probe.ts";
import { fixturesDir, repoRoot } from "../packages/collector/src/testing/snmpsim.ts";
import { iceCli, parseArgs, stringArg } from "./ice.ts";
import {
  benchRules,
  type Counters,
  extrapolateTotal,
  formatBytes,
  formatDuration,
  formatInt,
  pickPrinters,
  progressStreams,
  type Sample,
  silentSamples,
  TABLE,
  table,
} from "./scan/layout.ts";
import { type Measured, measure, readCounters, resetCounters } from "./scan/measure.ts";
import { snmpGetPacket } from "./scan/snmp-get.ts";

const SELF = import.meta.filename;
const PEAK_MEM = resolve(import.meta.dirname, "scan/peak-mem.mjs");
const STAND_IN = resolve(import.meta.dirname, "scan/stand-in-prober.ts");
const SIM_COMMAND = resolve(repoRoot, "packages/collector/src/sim/sim-command.ts");
const SCAN_COMMAND = resolve(repoRoot, "packages/collector/src/commands/scan-command.ts");
const SCAN_FILE_DIR = resolve(repoRoot, "packages/protocol/src/scan-file");

const LIMIT_SECONDS = 180;
const LIMIT_BYTES = 150 * 1000 * 1000; // 150 MB, decimal: the stricter reading
const LIMIT_BYTES_MIB = 150 * 1024 * 1024;

/** The memory verdict; between 150 MB and 150 MiB both readings are named. */
function memoryVerdict(kb: number): string {
  const bytes = kb * 1024;
  if (bytes <= LIMIT_BYTES) return "MET";
  if (bytes <= LIMIT_BYTES_MIB) return "NOT MET as 150 MB (10^6), met as 150 MiB";
  return "NOT MET";
}
const CONCURRENCIES = [1, 20];
const DEFAULT_CAP_SECONDS = 90;

const USAGE = `usage: npm run bench:scan -- [options]
  --quick                 a /20 (4,096 addresses) instead of the /16
  --only discovery|concurrency
  --keep                  keep the files (bench/out/scan-…/) and print the commands to rerun a step
  --cap S                 stop a concurrency run after S s and extrapolate (default ${DEFAULT_CAP_SECONDS})
  --timeout S             hard limit of a full scan run (default 600)
  --printers N            simulated printers (default 250)
  --fixtures DIR          .snmprec recordings (default DP_SNMP_FIXTURES or ../shared/fixtures/snmp)
  --cli FILE              the CLI whose \`scan\` is measured (default: the shipped bundle, built
                          now into packages/collector/dist/ice.mjs; --cli packages/collector/src/cli.ts
                          measures the sources run through Node's type stripping)
  --scan-command FILE     an entry taking scan's arguments directly (e.g. a bundle of scan-command.ts)
  --stand-in              measure the stand-in prober (harness check only, not ICE)
  --check                 exit 1 when a requirement is not met`;

function positive(args: ReturnType<typeof parseArgs>, name: string, fallback: number): number {
  const text = stringArg(args, name);
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${text}`);
  return n;
}

/** What the outer process hands to the one inside the namespace. */
interface Config {
  subnet: string;
  printers: string[];
  fixtures: string;
  /**
   * The entry run as `node <entry> …scanPrefix <subnet> …`: ice's cli.ts with ["scan"], or
   * scan-command.ts with [] while the CLI does not wire `scan` yet, or the stand-in prober.
   */
  scanEntry: string;
  scanPrefix: string[];
  /** The timeout options the scan command knows (its --help), set to 1 s in the concurrency runs. */
  timeoutFlags: string[];
  standIn: boolean;
  /** `ice scan` accepts --xml (and the protocol's scan-file exists). */
  xml: boolean;
  /** Default concurrency and packet rate as `ice scan --help` states them, when it does. */
  defaultConcurrency?: string;
  defaultRate?: string;
  only?: "discovery" | "concurrency";
  capSeconds: number;
  timeoutSeconds: number;
  workDir: string;
  check: boolean;
}

const node = process.execPath;
const rel = (p: string) => relative(repoRoot, p) || ".";
const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB (${((kb * 1024) / 1e6).toFixed(1)} MB)`;
const say = (line = "") => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------
// Outside: set up, re-execute inside the namespace, tear down.

function hasRecordings(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => f.endsWith(".snmprec"));
  } catch {
    return false;
  }
}

/** `node <argv> --help`: the text when it exits 0 and talks about scan options, else undefined. */
function scanHelp(argv: string[]): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn(node, [...argv, "--help"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (b: Buffer) => {
      text += b.toString("utf8");
    });
    child.stderr.on("data", (b: Buffer) => {
      text += b.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("error", () => done(undefined));
    child.once("close", (code) => {
      clearTimeout(timer);
      done(code === 0 && /--concurrency/.test(text) ? text : undefined);
    });
  });
}

async function outer(args: ReturnType<typeof parseArgs>): Promise<number> {
  if (args.help || args.h) {
    say(USAGE);
    return 0;
  }
  const skip = netnsSkipReason();
  if (skip) {
    say(`bench:scan cannot run here: ${skip}`);
    return 1;
  }
  const only = stringArg(args, "only");
  if (only !== undefined && only !== "discovery" && only !== "concurrency")
    throw new Error(`--only discovery|concurrency, got ${only}`);
  const cidr = parseCidr(args.quick ? "127.77.0.0/20" : "127.77.0.0/16");
  const printers = pickPrinters(cidr, positive(args, "printers", 250));

  let fixtures = stringArg(args, "fixtures") ?? fixturesDir();
  if (!hasRecordings(fixtures)) {
    const fallback = resolve(repoRoot, "packages/collector/fixtures");
    say(`no recordings in ${fixtures}; falling back to ${rel(fallback)}`);
    fixtures = fallback;
  }
  fixtures = resolve(fixtures);

  // The collector ships as the bundle: measure that, built from the current sources.
  const cli = iceCli(stringArg(args, "cli") ?? (await bundleCollector()).outfile);
  let standIn = args["stand-in"] === true;
  let help: string | undefined;
  let scanEntry = STAND_IN;
  let scanPrefix = ["scan"];
  const scanCommand = stringArg(args, "scan-command");
  if (scanCommand && !standIn) {
    // An entry that takes scan's arguments directly (e.g. a bundle of scan-command.ts).
    help = await scanHelp([resolve(scanCommand)]);
    if (!help) throw new Error(`--scan-command ${scanCommand}: \`--help\` did not work`);
    scanEntry = resolve(scanCommand);
    scanPrefix = [];
  } else if (!standIn) {
    // `ice scan` through the CLI; else scan-command.ts on its own (before the CLI wires it).
    help = await scanHelp([cli, "scan"]);
    if (help) scanEntry = cli;
    else if (!stringArg(args, "cli") && existsSync(SCAN_COMMAND)) {
      help = await scanHelp([SCAN_COMMAND]);
      if (help) {
        scanEntry = SCAN_COMMAND;
        scanPrefix = [];
        say(
          `note: \`${rel(cli)} scan\` is not wired yet; running ${rel(SCAN_COMMAND)} on its own (the same command)`,
        );
      }
    }
    if (!help) {
      standIn = true;
      say(
        `\`ice scan\` is not available yet (neither \`${rel(cli)} scan --help\` nor ${rel(SCAN_COMMAND)}).`,
      );
    }
  }
  if (standIn) {
    say("*** HARNESS ONLY: measuring the STAND-IN PROBER (bench/scan/stand-in-prober.ts), NOT ICE. ***");
    say(
      "*** Its figures prove the namespace, rules and simulator; they say nothing about the collector. ***",
    );
  }
  const xml = !standIn && existsSync(SCAN_FILE_DIR) && /--xml\b/.test(help ?? "");
  const defaultConcurrency = /--concurrency\b[^\n]*?\((?:default:?\s*)?(\d+)\)/i.exec(help ?? "")?.[1];
  const defaultRate = /--rate\b[^\n]*?\((?:default:?\s*)?(\d+)\)/i.exec(help ?? "")?.[1];
  const timeoutFlags = standIn
    ? ["--ping-timeout", "--snmp-timeout"]
    : ["--ping-timeout", "--discovery-timeout", "--snmp-timeout"].filter((f) => help?.includes(f));

  const keep = args.keep === true;
  const workDir = keep
    ? resolve(repoRoot, "bench/out", `scan-${new Date().toISOString().replace(/[:.]/g, "-")}`)
    : mkdtempSync(join(tmpdir(), "dp-bench-scan-"));
  mkdirSync(workDir, { recursive: true });
  const capSeconds = positive(args, "cap", DEFAULT_CAP_SECONDS);
  const timeoutSeconds = positive(args, "timeout", 600);
  const config: Config = {
    subnet: cidr.text,
    printers,
    fixtures,
    scanEntry,
    scanPrefix,
    timeoutFlags,
    standIn,
    xml,
    ...(defaultConcurrency ? { defaultConcurrency } : {}),
    ...(defaultRate ? { defaultRate } : {}),
    ...(only ? { only } : {}),
    capSeconds,
    timeoutSeconds,
    workDir,
    check: args.check === true,
  };
  const configFile = join(workDir, "config.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  writeFileSync(join(workDir, "printers.txt"), printers.join(","));

  // Hard limit for the whole namespace: every step's own limit, plus slack.
  const runs =
    (only !== "concurrency" ? timeoutSeconds * (xml ? 2 : 1) : 0) +
    (only !== "discovery" ? CONCURRENCIES.length * (capSeconds + 30) + (only ? timeoutSeconds : 0) : 0);
  const totalMs = (120 + runs) * 1000;

  const rules = benchRules(cidr);
  const ns = spawnInNetns({
    subnet: cidr.text,
    answering: printers,
    table: TABLE,
    declarations: rules.declarations,
    rules: rules.rules,
    script: SELF,
    args: ["--inside", configFile],
    stdio: "inherit",
    timeoutMs: totalMs,
    workDir,
    cwd: repoRoot,
  });
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    ns.kill();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const run = await ns.done;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);

  if (interrupted) say("\ninterrupted: the namespace and everything in it was killed");
  else if (run.timedOut)
    say(`\nbench:scan: hard limit of ${formatDuration(totalMs / 1000)} reached; namespace killed`);
  if (keep) printKeep(config, ns.rulesFile);
  else rmSync(workDir, { recursive: true, force: true });
  if (interrupted) return 130;
  return run.timedOut ? 1 : (run.code ?? 1);
}

function printKeep(config: Config, rulesFile: string): void {
  const q = shellQuote;
  const scan = [node, config.scanEntry, ...config.scanPrefix, config.subnet, "--json"];
  const silent = silentSamples(parseCidr(config.subnet), config.printers, 1)[0] ?? "";
  const printer = config.printers[0] ?? "";
  say(
    `\n--keep: files in ${rel(config.workDir)}/ (rules.nft, printers.txt, *.json, *.stderr.txt). To rerun a step by hand:`,
  );
  say("# 1. a shell in a namespace like the bench's (only lo, the drop rules loaded; `exit` kills it all):");
  say(`unshare ${q(netnsArgv(rulesFile, ["bash"]))}`);
  say("# 2. inside it: the simulated printers (port 161) in the background");
  say(
    `${q([node, SIM_COMMAND, "--fixtures", config.fixtures])} --range "$(cat ${q([join(config.workDir, "printers.txt")])})" &`,
  );
  say("# 3. the verify step: the first pair must fail, the second pair answer");
  say(`ping -c1 -W1 ${silent}; snmpget -v2c -c public -t1 -r0 ${silent} 1.3.6.1.2.1.1.1.0`);
  say(`ping -c1 -W1 ${printer}; snmpget -v2c -c public -t1 -r0 ${printer} 1.3.6.1.2.1.1.1.0`);
  say("# 4. the discovery, with wall time and peak memory (kB)");
  say(`/usr/bin/time -f '%e s, %M kB' ${q(scan)} > scan.json`);
  say("# 5. a concurrency run, cut after the cap");
  say(
    `timeout ${config.capSeconds} ${q([...scan, "--concurrency", "1", ...config.timeoutFlags.flatMap((f) => [f, "1000"])])} > /dev/null`,
  );
  say("# traffic counters and the number of addresses probed so far");
  say(
    `nft list counters table inet ${TABLE}; nft -j list set inet ${TABLE} probed | grep -o '"127\\.' | wc -l`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Inside the namespace (PID 1): simulator, verify, scans.

const children = new Set<ChildProcess>();
const track = (child: ChildProcess) => {
  children.add(child);
  child.once("exit", () => children.delete(child));
};

interface Sim {
  child: ChildProcess;
  /** address → recording name */
  recordings: Map<string, string>;
  seconds: number;
}

function startSim(config: Config): Promise<Sim> {
  const args = [SIM_COMMAND, "--fixtures", config.fixtures, "--range", config.printers.join(",")];
  const start = process.hrtime.bigint();
  const child = spawn(node, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  const recordings = new Map<string, string>();
  let err = "";
  return new Promise((resolveSim, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`simulator not ready after 60 s: ${err.slice(-500)}`));
    }, 60_000);
    let buffered = "";
    child.stdout.on("data", (b: Buffer) => {
      buffered += b.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const m = /^([\d.]+):\d+\tcommunity (\S+)/.exec(line);
        if (m) recordings.set(m[1] as string, m[2] as string);
        if (/^serving \d+ simulated/.test(line)) {
          clearTimeout(timer);
          resolveSim({ child, recordings, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
        }
      }
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString("utf8");
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited (${signal ?? `code ${code}`}): ${err.trim().slice(-1000)}`));
    });
  });
}

async function verify(config: Config, cidr: Cidr): Promise<boolean> {
  const silent = silentSamples(cidr, config.printers, 2);
  const answering = [config.printers[0], config.printers[Math.floor(config.printers.length / 2)]] as string[];
  const probe = async (address: string) => {
    const [ping, snmp, closed] = await Promise.all([
      pingOnce(address, 1),
      udpProbe(address, 161, snmpGetPacket(1), 1000),
      udpProbe(address, 9, Buffer.from("x"), 1000),
    ]);
    return { address, ping, snmp, closed };
  };
  const results = await Promise.all([...silent, ...answering].map(probe));
  const rows = results.map((r) => {
    const wantsAnswer = answering.includes(r.address);
    const ok = wantsAnswer
      ? r.ping && r.snmp === "reply" && r.closed === "refused"
      : !r.ping && r.snmp === "silent" && r.closed === "silent";
    return { ...r, wantsAnswer, ok };
  });
  say(
    "verify (inside the namespace): `ping -c1 -W1`, an SNMP GET sysDescr.0 (1 s), UDP to closed port 9 (1 s)",
  );
  say(
    table(
      ["address", "role", "ping", "SNMP GET", "UDP :9", "as expected"],
      rows.map((r) => [
        r.address,
        r.wantsAnswer ? "printer" : "silent",
        r.ping ? "reply" : "no reply",
        r.snmp,
        r.closed === "refused" ? "ICMP unreachable" : r.closed,
        r.ok ? "yes" : "NO",
      ]),
    ),
  );
  return rows.every((r) => r.ok);
}

interface ScanJson {
  kind?: string;
  scanId?: string;
  startedAt?: string;
  endedAt?: string;
  devices?: {
    record?: { ip?: string };
    device?: { ip?: string };
    ip?: string;
    traffic?: { bytesSent?: number; bytesReceived?: number };
  }[];
  report?: unknown[];
  ranges?: unknown[];
  traffic?: {
    snmpBytesSent?: number;
    snmpBytesReceived?: number;
    snmpPacketsSent?: number;
    pingPackets?: number;
  };
}

function parseScanJson(stdout: string): ScanJson | undefined {
  try {
    return JSON.parse(stdout) as ScanJson;
  } catch {
    // a log line before the JSON: take the last line that parses
    for (const line of stdout.trim().split("\n").reverse()) {
      try {
        return JSON.parse(line) as ScanJson;
      } catch {
        // next
      }
    }
    return undefined;
  }
}

const exitText = (m: Measured) =>
  m.hardTimedOut
    ? "KILLED at the hard timeout"
    : m.capped
      ? "stopped at the cap"
      : m.signal
        ? `signal ${m.signal}`
        : `exit code ${m.code}`;

/**
 * The Node flags an entry asks for on its `#!/usr/bin/env -S node …` line: the collector runs
 * with them as a service and through `npx ice`, so it is measured with them.
 */
export function shebangNodeFlags(entry: string): string[] {
  const first = readFileSync(entry, "utf8").split("\n", 1)[0] ?? "";
  const m = /^#!\S*env -S node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m?.[1] ? m[1].trim().split(/\s+/) : [];
}

function scanArgv(config: Config, extra: string[], output: "--json" | "--xml"): string[] {
  return [
    node,
    ...shebangNodeFlags(config.scanEntry),
    "--import",
    PEAK_MEM,
    config.scanEntry,
    ...config.scanPrefix,
    config.subnet,
    output,
    ...extra,
  ];
}

async function runScan(
  config: Config,
  name: string,
  extra: string[],
  limits: { capMs?: number; hardMs: number },
  output: "--json" | "--xml" = "--json",
): Promise<{ m: Measured; counters: Counters }> {
  await resetCounters();
  let lastPrint = 0;
  const m = await measure(
    {
      argv: scanArgv(config, extra, output),
      cwd: repoRoot,
      hardTimeoutMs: limits.hardMs,
      ...(limits.capMs !== undefined ? { capMs: limits.capMs } : {}),
      peakFile: join(config.workDir, `${name}.peak`),
      sampleEveryMs: 5000,
      onSample: (s) => {
        if (s.t - lastPrint >= 15) {
          lastPrint = s.t;
          say(
            `  … ${s.t.toFixed(0).padStart(4)} s: ${formatInt(s.probed)} addresses reached (${formatInt(s.pinged)} pinged, ${formatInt(s.snmp)} sent SNMP)`,
          );
        }
      },
    },
    track,
  );
  const counters = await readCounters();
  writeFileSync(join(config.workDir, `${name}.${output.slice(2)}`), m.stdout);
  writeFileSync(join(config.workDir, `${name}.stderr.txt`), m.stderr);
  return { m, counters };
}

function printStderr(text: string, max = 40): void {
  const lines = text.trimEnd().split("\n").filter(Boolean);
  if (lines.length === 0) return;
  say("  its stderr (the per-range report):");
  const shown =
    lines.length > max
      ? [...lines.slice(0, 5), `… ${lines.length - max + 5} lines …`, ...lines.slice(-(max - 5))]
      : lines;
  for (const l of shown) say(`    ${l}`);
}

/** Packets per address from the nftables counters (`last`: the progress sets at the end). */
function trafficLines(c: Counters, last: Sample | undefined): string[] {
  const per = (packets: number, addresses: number | undefined) =>
    addresses ? (packets / addresses).toFixed(2) : "-";
  const snmpBytes = c.snmp_req_answering.bytes + c.snmp_req_silent.bytes + c.snmp_resp.bytes;
  return [
    ` ${formatInt(c.ping_req_silent.packets)} pings to ${formatInt(last?.pingedSilent ?? 0)} silent addresses (${per(c.ping_req_silent.packets, last?.pingedSilent)} each)` +
      `, ${formatInt(c.snmp_req_silent.packets)} SNMP requests to ${formatInt(last?.snmpSilent ?? 0)} silent addresses (${per(c.snmp_req_silent.packets, last?.snmpSilent)} each)`,
    ` to printers ${formatInt(c.ping_req_answering.packets)} pings, ${formatInt(c.snmp_req_answering.packets)} SNMP requests, ${formatInt(c.snmp_resp.packets)} replies` +
      ` (${formatBytes(snmpBytes)} of SNMP at IP level in all)${c.other_req.packets ? `; ${formatInt(c.other_req.packets)} other packets to silent addresses` : ""}`,
  ];
}

interface Verdicts {
  lines: string[];
  met: boolean;
}

async function discovery(config: Config, sim: Sim, verdicts: Verdicts): Promise<Measured | undefined> {
  say(`\n== discovery: \`ice scan ${config.subnet} --json\`, default settings ==`);
  // Floor: the same process doing no scan (Node start + module loading), for the memory figure.
  const floor = await measure({
    argv: [
      node,
      ...shebangNodeFlags(config.scanEntry),
      "--import",
      PEAK_MEM,
      config.scanEntry,
      ...config.scanPrefix,
      "--help",
    ],
    cwd: repoRoot,
    hardTimeoutMs: 30_000,
    peakFile: join(config.workDir, "floor.peak"),
  });
  const { m, counters } = await runScan(config, "discovery", [], { hardMs: config.timeoutSeconds * 1000 });
  const scan = parseScanJson(m.stdout);
  say(`  ${exitText(m)} after ${m.seconds.toFixed(1)} s`);
  // ice scan: 0 printers found, 2 done but none found (the result is still there).
  if (!scan || (m.code !== 0 && m.code !== 2)) {
    say("  FAILED: no scan result");
    printStderr(m.stderr);
    verdicts.lines.push("discovery: FAILED (no result)");
    verdicts.met = false;
    return m;
  }
  const found = new Set(
    (scan.devices ?? []).map((d) => d.record?.ip ?? d.device?.ip ?? d.ip).filter((ip): ip is string => !!ip),
  );
  const missing = config.printers.filter((a) => !found.has(a));
  const extra = [...found].filter((a) => !config.printers.includes(a));
  const traffic = scan.traffic ?? {};
  const snmpBytes = (traffic.snmpBytesSent ?? 0) + (traffic.snmpBytesReceived ?? 0);
  const perDevice = found.size > 0 ? snmpBytes / found.size : Number.NaN;
  const readBytes = (scan.devices ?? [])
    .flatMap((d) => (d.traffic ? [(d.traffic.bytesSent ?? 0) + (d.traffic.bytesReceived ?? 0)] : []))
    .sort((a, b) => a - b);
  const json = Buffer.from(m.stdout.trim());
  const jsonGz = gzipSync(json).length;
  const own =
    scan.startedAt && scan.endedAt
      ? (Date.parse(scan.endedAt) - Date.parse(scan.startedAt)) / 1000
      : undefined;

  printStderr(m.stderr);
  say("");
  say(
    table(
      ["figure", "value", "requirement"],
      [
        [
          "wall time (spawn → exit)",
          `${m.seconds.toFixed(1)} s${own !== undefined ? ` (scan's own startedAt → endedAt: ${own.toFixed(1)} s)` : ""}`,
          `≤ ${LIMIT_SECONDS} s: ${m.seconds <= LIMIT_SECONDS ? "MET" : "NOT MET"}`,
        ],
        [
          "printers found",
          `${found.size - extra.length} of ${config.printers.length}${extra.length ? ` (+${extra.length} unexpected)` : ""}`,
          `all: ${missing.length === 0 ? "MET" : "NOT MET"}`,
        ],
        [
          "peak memory of the scan process",
          `${mib(m.peakKb)} VmHWM (${m.peakSource === "exit" ? "read at exit" : "polled every 100 ms"})`,
          `≤ 150 MB: ${memoryVerdict(m.peakKb)}`,
        ],
        [
          "  floor: same entry, `scan --help`",
          `${mib(floor.peakKb)} VmHWM (Node start + module loading)`,
          "",
        ],
        [
          "SNMP bytes per device",
          `${formatInt(perDevice)} B (${formatBytes(traffic.snmpBytesSent ?? 0)} sent + ${formatBytes(traffic.snmpBytesReceived ?? 0)} received, / ${found.size})`,
          "",
        ],
        ...(readBytes.length > 0
          ? [
              [
                "  per printer (devices[].traffic)",
                `median ${formatInt(readBytes[Math.floor(readBytes.length / 2)] ?? 0)} B, mean ${formatInt(readBytes.reduce((a, b) => a + b, 0) / readBytes.length)} B, max ${formatInt(readBytes.at(-1) ?? 0)} B`,
                "",
              ],
            ]
          : []),
        ["ping packets (scan's figure)", formatInt(traffic.pingPackets ?? 0), ""],
        ...(config.defaultRate
          ? [
              [
                "  packet-rate floor",
                `${(((traffic.pingPackets ?? 0) + (traffic.snmpPacketsSent ?? 0)) / Number(config.defaultRate)).toFixed(1)} s = (pings + SNMP requests sent) / ${config.defaultRate} pps (--rate default)`,
                "",
              ],
            ]
          : []),
        [
          "scan file, gzip, per device",
          `${formatInt(jsonGz / Math.max(1, found.size))} B (JSON: ${formatBytes(json.length)} → ${formatBytes(jsonGz)} gzip -6)`,
          "",
        ],
      ],
    ),
  );
  if (m.treeMax > 1)
    say(
      `  the scan started helper processes: up to ${m.treeMax} processes, peak RSS of the tree ${mib(m.treePeakKb)}`,
    );
  say(`  nftables saw:${trafficLines(counters, m.samples.at(-1)).join(";\n  ")}`);
  if (missing.length > 0) {
    say(`  missing printers (${missing.length}):`);
    for (const a of missing) say(`    ${a}  ${sim.recordings.get(a) ?? "?"}`);
  }
  if (extra.length > 0) say(`  unexpected devices (not simulated): ${extra.slice(0, 20).join(", ")}`);

  verdicts.lines.push(
    `wall time ${m.seconds.toFixed(1)} s (≤ ${LIMIT_SECONDS} s): ${m.seconds <= LIMIT_SECONDS ? "MET" : "NOT MET"}`,
    `printers found ${found.size - extra.length}/${config.printers.length}: ${missing.length === 0 ? "MET" : "NOT MET"}`,
    `peak memory ${mib(m.peakKb)} (≤ 150 MB): ${memoryVerdict(m.peakKb)}`,
    `SNMP bytes per device: ${formatInt(perDevice)} B; scan file per device: ${formatInt(jsonGz / Math.max(1, found.size))} B gzipped JSON`,
  );
  verdicts.met &&= m.seconds <= LIMIT_SECONDS && missing.length === 0 && m.peakKb * 1024 <= LIMIT_BYTES;

  if (config.xml) {
    say(`\n== scan file as XML: \`ice scan ${config.subnet} --xml\` (a second full scan) ==`);
    const x = await runScan(config, "discovery", [], { hardMs: config.timeoutSeconds * 1000 }, "--xml");
    const xml = Buffer.from(x.m.stdout.trim());
    if ((x.m.code === 0 || x.m.code === 2) && /^<(\?xml|scan)\b/.test(xml.subarray(0, 10).toString())) {
      const gz = gzipSync(xml).length;
      say(
        `  ${x.m.seconds.toFixed(1)} s; XML ${formatBytes(xml.length)} → ${formatBytes(gz)} gzip -6: ${formatInt(gz / Math.max(1, found.size))} B per device`,
      );
      verdicts.lines.push(`scan file per device: ${formatInt(gz / Math.max(1, found.size))} B gzipped XML`);
    } else say(`  no XML on stdout (${exitText(x.m)}); the JSON figure above stands`);
  }
  return m;
}

async function concurrency(config: Config, cidr: Cidr, defaultRun: Measured | undefined): Promise<void> {
  say(`\n== where the time goes: the same ${config.subnet} scan, 1 s timeouts, by concurrency ==`);
  say(
    `  a run still going after ${config.capSeconds} s is stopped there and its total time EXTRAPOLATED from its`,
  );
  say(
    "  progress (addresses pinged, addresses sent an SNMP request: nftables sets) at its steady-state rates",
  );
  const rows: string[][] = [];
  const notes: string[] = [];
  const printers = config.printers.length;
  for (const c of CONCURRENCIES) {
    const extra = ["--concurrency", String(c), ...config.timeoutFlags.flatMap((f) => [f, "1000"])];
    say(`  concurrency ${c}: \`… scan ${config.subnet} --json ${extra.join(" ")}\``);
    const { m, counters } = await runScan(config, `concurrency-${c}`, extra, {
      capMs: config.capSeconds * 1000,
      hardMs: (config.capSeconds + 30) * 1000,
    });
    rows.push(rowFor(`${c}`, m, cidr, printers));
    notes.push(`  concurrency ${c}:${trafficLines(counters, m.samples.at(-1)).join(";")}`);
  }
  let d = defaultRun;
  let reused = true;
  if (!d) {
    reused = false;
    say("  default settings: full run");
    const run = await runScan(config, "concurrency-default", [], { hardMs: config.timeoutSeconds * 1000 });
    d = run.m;
    notes.push(`  default:${trafficLines(run.counters, d.samples.at(-1)).join(";")}`);
  }
  rows.push(
    rowFor(
      `default${config.defaultConcurrency ? ` (${config.defaultConcurrency})` : ""}${reused ? ", = the discovery run" : ""}`,
      d,
      cidr,
      printers,
    ),
  );
  say("");
  say(
    table(
      [
        "concurrency",
        "run",
        "elapsed",
        "progress when it ended",
        "addresses/s",
        `time for ${formatInt(cidr.size)} addresses`,
      ],
      rows,
      [2, 4],
    ),
  );
  for (const n of notes) say(n);
  say("  (bound for a scan that probes silent addresses one by one: 1 s timeout + 1 retry = 2 s each, so");
  say(
    `   ${formatInt(cidr.size)} × 2 s / concurrency: ${CONCURRENCIES.map((c) => `${c} → ${formatDuration((cidr.size * 2) / c)}`).join(", ")})`,
  );
}

function rowFor(label: string, m: Measured, cidr: Cidr, printers: number): string[] {
  const last = m.samples.at(-1) ?? { t: m.seconds, probed: 0, pinged: 0, snmp: 0 };
  const finished = !m.capped && !m.hardTimedOut && (m.code === 0 || m.code === 2);
  const streams = progressStreams(last, m.samples, cidr.size, printers);
  const total = finished ? m.seconds : extrapolateTotal(m.seconds, streams);
  const progressText = streams
    .map(
      (s) =>
        `${s.name} ${formatInt(s.done)}/${formatInt(s.total)}${finished ? "" : ` at ${s.rate.toFixed(s.rate < 10 ? 2 : 0)}/s`}`,
    )
    .join(", ");
  const rate = Number.isFinite(total) && total > 0 ? cidr.size / total : 0;
  return [
    label,
    exitText(m),
    `${m.seconds.toFixed(1)} s`,
    progressText,
    rate.toFixed(rate < 10 ? 2 : 0),
    finished ? `${formatDuration(m.seconds)} (measured)` : `≈ ${formatDuration(total)} (EXTRAPOLATED)`,
  ];
}

async function inside(configFile: string): Promise<number> {
  const config = JSON.parse(readFileSync(configFile, "utf8")) as Config;
  const killAll = () => {
    for (const c of children) c.kill("SIGKILL");
  };
  // PID 1 of the namespace: without handlers, SIGINT/SIGTERM would be ignored.
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  process.on("exit", killAll);

  await assertIsolatedNetns(); // never touch the machine's own network
  const cidr = parseCidr(config.subnet);
  say(
    `bench:scan: ${config.subnet} (${formatInt(cidr.size)} addresses), ${config.printers.length} simulated printers, ` +
      `the rest silent (nftables table inet ${TABLE} in a namespace of its own)`,
  );
  say(
    `scan: ${shellQuote(["node", rel(config.scanEntry), ...config.scanPrefix, config.subnet, "--json"])}${config.standIn ? "   <<< STAND-IN, NOT ICE" : ""}`,
  );
  say(`recordings: ${config.fixtures}; node ${process.version}`);
  const loadBefore = loadavg()[0] as number;

  const sim = await startSim(config);
  const kinds = new Set(sim.recordings.values()).size;
  say(
    `simulator: ${sim.recordings.size} printers on port 161 (${kinds} recordings round-robin), ready in ${sim.seconds.toFixed(1)} s, pid ${sim.child.pid} (a child of its own: its memory is not counted)`,
  );
  if (sim.recordings.size !== config.printers.length)
    throw new Error("the simulator serves fewer printers than asked");
  if (!(await verify(config, cidr))) {
    say("verify FAILED: the namespace does not behave as needed; no scan was run");
    return 1;
  }

  const verdicts: Verdicts = { lines: [], met: true };
  let defaultRun: Measured | undefined;
  if (config.only !== "concurrency") defaultRun = await discovery(config, sim, verdicts);
  if (config.only !== "discovery") await concurrency(config, cidr, defaultRun);

  say(`\n== summary${config.standIn ? " (STAND-IN PROBER, harness check only — not ICE figures)" : ""} ==`);
  for (const l of verdicts.lines) say(`  ${l}`);
  const loadAfter = loadavg()[0] as number;
  const cpus = availableParallelism();
  say(
    `  1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${cpus} CPUs`,
  );
  if (Math.max(loadBefore, loadAfter) > cpus)
    say(
      "  WARNING: the machine was busy (load above the CPU count): times and rates are inflated; quote an idle run",
    );
  sim.child.kill("SIGTERM");
  return config.check && !verdicts.met ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------

const args = parseArgs(process.argv.slice(2));
const insideConfig = stringArg(args, "inside");
try {
  process.exitCode = insideConfig ? await inside(insideConfig) : await outer(args);
} catch (e) {
  process.stderr.write(`bench:scan: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
if (insideConfig) process.exit(); // PID 1: leave now, the namespace goes with it
