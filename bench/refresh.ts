/**
 * Refresh bench: `npm run bench:refresh -- [fixtures dir] [--runs N] [--rate pps] [--concurrency n]
 * [--port N] [--check]`.
 *
 * Serves 1,000 simulated printers on 127.0.10.1–127.0.13.232 (the shared recordings, round-robin,
 * counters moving) with the project's simulator in a child process, then refreshes all 1,000 with
 * `ice scan --refresh` in another child process (one fresh process per run, the default settings
 * otherwise). Prints per run: wall time of the refresh, devices read, SNMP bytes and requests per
 * device, peak RSS of the collector process. Requirement: ≤ 15 s and ≤ 15 KB per device.
 * Exits 0 (a measurement) unless the harness fails, or with --check when a requirement is missed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ScanResult } from "../packages/collector/src/scan/result.ts";
import { fixturesDir } from "../packages/collector/src/testing/snmpsim.ts";

const root = resolve(import.meta.dirname, "..");
const simCommand = join(root, "packages/collector/src/sim/sim-command.ts");
const scanCommand = join(root, "packages/collector/src/commands/scan-command.ts");
/** Preloaded into the collector: writes its VmHWM (peak RSS, kB) to DP_BENCH_PEAK_FILE at exit. */
const peakMemHook = `data:text/javascript,${encodeURIComponent(
  'import{readFileSync,writeFileSync}from"node:fs";const f=process.env.DP_BENCH_PEAK_FILE;' +
    "delete process.env.DP_BENCH_PEAK_FILE;" +
    'if(f)process.on("exit",()=>{const m=/^VmHWM:\\s+(\\d+)/m.exec(readFileSync("/proc/self/status","utf8"));' +
    "if(m)writeFileSync(f,m[1])});",
)}`;
const RANGE = "127.0.10.1-127.0.13.232";
const DEVICES = 1000;
const LIMIT_SECONDS = 15;
const LIMIT_BYTES = 15 * 1024;

interface Run {
  wallSeconds: number;
  scanSeconds: number;
  read: number;
  bytesPerDevice: number;
  requestsPerDevice: number;
  peakRssMb: number | undefined;
}

function addresses(): string[] {
  const first = (127 << 24) + (10 << 8) + 1;
  return Array.from({ length: DEVICES }, (_, i) => {
    const n = (first + i) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  });
}

/** Starts the simulator on `port`; resolves once it serves, rejects with its error output. */
function startSimulator(fixtures: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [simCommand, "--fixtures", fixtures, "--range", RANGE, "--port", String(port), "--pages-per-hour", "120"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolveStart, reject) => {
    let out = "";
    let err = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("serving ")) {
        child.stdout?.removeAllListeners("data");
        child.stdout?.resume();
        resolveStart(child);
      }
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.once("exit", (code) => reject(new Error(`simulator exited (${code}): ${err.trim()}`)));
  });
}

async function startOnFreePort(fixtures: string, wanted: number | undefined) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = wanted ?? 20_000 + Math.floor(Math.random() * 40_000);
    try {
      return { port, child: await startSimulator(fixtures, port) };
    } catch (err) {
      if (wanted !== undefined || !String(err).includes("already in use")) throw err;
    }
  }
  throw new Error("no free UDP port found for the simulator");
}

function refreshOnce(
  known: string,
  port: number,
  work: string,
  extra: string[],
): Promise<{ run: Run; stderr: string }> {
  const out = join(work, "result.json");
  const peakFile = join(work, "peak");
  rmSync(peakFile, { force: true });
  const args = [
    "--import",
    peakMemHook,
    scanCommand,
    "--refresh",
    known,
    "--community",
    "public",
    "--port",
    String(port),
    "--json",
    "--out",
    out,
    ...extra,
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DP_BENCH_PEAK_FILE: peakFile },
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  return new Promise((resolveRun, reject) => {
    child.once("exit", (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`ice scan --refresh exited ${code}: ${stderr.trim()}`));
      const result = JSON.parse(readFileSync(out, "utf8")) as ScanResult;
      const t = result.traffic;
      const read = result.devices.length;
      let peakRssMb: number | undefined;
      try {
        peakRssMb = Number(readFileSync(peakFile, "utf8")) / 1024;
      } catch {
        peakRssMb = undefined;
      }
      resolveRun({
        stderr,
        run: {
          wallSeconds,
          scanSeconds: (Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000,
          read,
          bytesPerDevice: (t.snmpBytesSent + t.snmpBytesReceived) / Math.max(1, read),
          requestsPerDevice: t.snmpPacketsSent / DEVICES,
          peakRssMb,
        },
      });
    });
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "3" },
      rate: { type: "string" },
      concurrency: { type: "string" },
      port: { type: "string" },
      check: { type: "boolean", default: false },
    },
  });
  const fixtures = resolve(positionals[0] ?? fixturesDir());
  const runs = Math.max(1, Number(values.runs));
  const extra = [
    ...(values.rate ? ["--rate", values.rate] : []),
    ...(values.concurrency ? ["--concurrency", values.concurrency] : []),
  ];
  const work = mkdtempSync(join(tmpdir(), "dp-bench-refresh-"));
  const known = join(work, "known.json");
  writeFileSync(known, JSON.stringify(addresses().map((ip) => ({ ip, credential: 0, snmpVersion: "2c" }))));

  const { port, child: sim } = await startOnFreePort(fixtures, values.port ? Number(values.port) : undefined);
  const results: Run[] = [];
  try {
    console.log(`refresh: ${DEVICES} simulated printers on ${RANGE}:${port} from ${fixtures}`);
    console.log(`collector: ${scanCommand} --refresh (one process per run) ${extra.join(" ")}`.trimEnd());
    console.log("run   wall s   scan s   read   bytes/device   requests/device   peak RSS MB");
    for (let i = 1; i <= runs; i++) {
      const { run } = await refreshOnce(known, port, work, extra);
      results.push(run);
      console.log(
        `${String(i).padStart(3)}  ${run.wallSeconds.toFixed(2).padStart(7)}  ${run.scanSeconds.toFixed(2).padStart(7)}` +
          `  ${String(run.read).padStart(5)}  ${Math.round(run.bytesPerDevice).toString().padStart(13)}` +
          `  ${run.requestsPerDevice.toFixed(1).padStart(16)}  ${run.peakRssMb?.toFixed(0).padStart(12) ?? "           ?"}`,
      );
    }
  } finally {
    sim.kill("SIGINT");
    rmSync(work, { recursive: true, force: true });
  }
  const worst = {
    wall: Math.max(...results.map((r) => r.wallSeconds)),
    bytes: Math.max(...results.map((r) => r.bytesPerDevice)),
    read: Math.min(...results.map((r) => r.read)),
  };
  const ok = worst.wall <= LIMIT_SECONDS && worst.bytes <= LIMIT_BYTES && worst.read === DEVICES;
  console.log(
    `worst run: ${worst.wall.toFixed(2)} s (limit ${LIMIT_SECONDS} s), ${Math.round(worst.bytes)} B/device ` +
      `(limit ${LIMIT_BYTES}), ${worst.read}/${DEVICES} read: ${ok ? "within the requirement" : "REQUIREMENT MISSED"}`,
  );
  if (values.check && !ok) process.exitCode = 1;
}

await main();
