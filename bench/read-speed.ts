/**
 * Read-speed bench: `npm run bench:read-speed -- [fixtures dir] [--device stem,…] [--runs N]
 * [--cli file] [--check]`.
 *
 * Wall time of the whole `ice read 127.0.0.1 --port P --community <stem> --json` process
 * (process start, module loading, SNMP traffic, JSON output, exit) against snmpsimd, N runs per
 * recording, one at a time, round-robin over the recordings. Prints min / median / p95 / max
 * over all runs, the slowest devices and whether every read stayed under the 1,000 ms
 * requirement. Exits 0 (a measurement) unless
 * the harness fails, or with `--check` when a read failed or took ≥ 1,000 ms.
 */
import { availableParallelism, loadavg } from "node:os";
import { resolve } from "node:path";
import { fixturesDir, listRecordings, startSnmpsim } from "../packages/collector/src/testing/snmpsim.ts";
import { describeFailure, iceCli, parseArgs, runCli, runIceRead, stringArg } from "./ice.ts";

const LIMIT_MS = 1000;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

const fmt = (ms: number) => `${Math.round(ms)}`.padStart(6);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = resolve(args._[0] ?? fixturesDir());
  const cli = iceCli(stringArg(args, "cli"));
  const runs = Math.max(1, Number(stringArg(args, "runs") ?? 5));
  const wanted = stringArg(args, "device")?.split(",");
  const all = listRecordings(dir);
  const devices = wanted ? all.filter((s) => wanted.includes(s)) : all;
  if (wanted && devices.length !== wanted.length) {
    throw new Error(`no recording named ${wanted.filter((w) => !all.includes(w)).join(", ")} in ${dir}`);
  }

  // Floors, no SNMP: bare Node start (`node -e 0`), then CLI start + module loading (`ice --help`).
  const median = (xs: number[]) =>
    Math.round(
      percentile(
        [...xs].sort((x, y) => x - y),
        50,
      ),
    );
  const nodeFloor: number[] = [];
  const cliFloor: number[] = [];
  for (let i = 0; i < 3; i++) {
    nodeFloor.push((await runCli("-e", ["0"])).ms);
    cliFloor.push((await runCli(cli, ["--help"])).ms);
  }
  const loadBefore = loadavg()[0] as number;

  const sim = await startSnmpsim({ dataDir: dir });
  const results: { device: string; times: number[]; failures: string[] }[] = [];
  try {
    console.log(`read-speed: ${devices.length} recordings × ${runs} runs, one at a time, from ${dir}`);
    console.log(`reader: ${cli} (snmpsimd on ${sim.host}:${sim.port}; ${process.execPath})`);
    // One untimed run first, so that the first timed one does not pay for a cold disk cache.
    const warmup = await runIceRead(cli, { host: sim.host, port: sim.port, community: devices[0] as string });
    console.log(`warm-up run (${devices[0]}, not counted): ${Math.round(warmup.ms)} ms`);
    console.log(
      `floors, no SNMP: \`node -e 0\` median ${median(nodeFloor)} ms, \`ice --help\` (start + module loading) median ${median(cliFloor)} ms\n`,
    );
    for (const device of devices) results.push({ device, times: [], failures: [] });
    // Round-robin (run 1 of every device, then run 2, …) so that a load change on the machine
    // spreads over all devices instead of landing on the last ones.
    for (let i = 0; i < runs; i++) {
      for (const r of results) {
        const run = await runIceRead(cli, { host: sim.host, port: sim.port, community: r.device });
        r.times.push(run.ms);
        if (run.code !== 0 || run.timedOut) r.failures.push(describeFailure(run));
      }
    }
  } finally {
    await sim.stop();
  }

  const perDevice = results
    .map((r) => {
      const sorted = [...r.times].sort((a, b) => a - b);
      return { ...r, min: sorted[0] as number, median: percentile(sorted, 50), max: sorted.at(-1) as number };
    })
    .sort((a, b) => b.median - a.median);
  const w = Math.max(...perDevice.map((d) => d.device.length), 6);
  console.log(
    `${"device".padEnd(w)}  ${"min".padStart(6)}  ${"median".padStart(6)}  ${"max".padStart(6)}  (ms)`,
  );
  for (const d of perDevice) {
    const note = d.failures.length > 0 ? `  ${d.failures.length} failed: ${d.failures[0]}` : "";
    console.log(`${d.device.padEnd(w)}  ${fmt(d.min)}  ${fmt(d.median)}  ${fmt(d.max)}${note}`);
  }

  const every = results.flatMap((r) => r.times).sort((a, b) => a - b);
  const failed = results.reduce((n, r) => n + r.failures.length, 0);
  const worstMax = [...perDevice].sort((a, b) => b.max - a.max)[0];
  const worstMedian = perDevice[0];
  const max = every.at(-1) as number;
  console.log(
    `\nall ${every.length} runs: min ${Math.round(every[0] as number)} ms, median ${Math.round(percentile(every, 50))} ms, ` +
      `p95 ${Math.round(percentile(every, 95))} ms, max ${Math.round(max)} ms`,
  );
  if (worstMedian && worstMax) {
    console.log(`worst device: ${worstMedian.device} (median ${Math.round(worstMedian.median)} ms)`);
    if (worstMax.device !== worstMedian.device) {
      console.log(`slowest single run: ${worstMax.device} (${Math.round(worstMax.max)} ms)`);
    }
  }
  if (failed > 0) console.log(`failed runs: ${failed} (timed anyway; see the table)`);
  const cpus = availableParallelism();
  const loadAfter = loadavg()[0] as number;
  console.log(
    `machine: ${cpus} CPUs, 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`,
  );
  if (Math.max(loadBefore, loadAfter) > cpus) {
    console.log(
      "warning: the machine was busy (load above CPU count): times are inflated, run again when idle",
    );
  }
  const over = every.filter((ms) => ms >= LIMIT_MS).length;
  console.log(`reads ≥ ${LIMIT_MS} ms: ${over} of ${every.length}`);
  const ok = max < LIMIT_MS && failed === 0;
  console.log(
    `requirement: every read under ${LIMIT_MS} ms — ${ok ? "MET" : "NOT MET"} (max ${Math.round(max)} ms${failed ? `, ${failed} failed` : ""})`,
  );
  if (args.check === true && !ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`bench:read-speed failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
