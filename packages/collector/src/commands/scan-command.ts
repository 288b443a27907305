/**
 * `ice scan`: a discovery of targets, or a refresh of known devices, from the command line. The
 * report goes to stderr, the result to stdout (or --out).
 */
import { writeFile } from "node:fs/promises";
import type { DeviceRecord } from "@device-portal/protocol";
import { createLogger } from "../log.ts";
import { formatReport, type ScanResult } from "../scan/result.ts";
import {
  parseScanArgs,
  readKnownDevices,
  type ScanCommandOptions,
  scanUsage,
  UsageError,
} from "./scan-command-args.ts";

export interface ScanCommandIo {
  stdout?: (text: string) => void;
  stderr?: (line: string) => void;
  /** Cancels the scan like Ctrl-C (for tests); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
}

/** Runs `ice scan` with the arguments after `scan`; resolves with the exit code. */
export async function runScanCommand(argv: string[], io: ScanCommandIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => process.stdout.write(text));
  const err = io.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  let options: ScanCommandOptions | "help";
  try {
    options = parseScanArgs(argv);
  } catch (e) {
    err(`ice scan: ${(e as Error).message}`);
    err(scanUsage);
    return 1;
  }
  if (options === "help") {
    out(`${scanUsage}\n`);
    return 0;
  }

  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  io.signal?.addEventListener("abort", interrupt, { once: true });
  try {
    const result = await scan(options, controller.signal, err);
    for (const line of formatReport(result)) err(line);
    const t = result.traffic;
    const seconds = (Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000;
    err(
      `${result.devices.length} printer(s) in ${seconds.toFixed(1)} s; SNMP ${kb(t.snmpBytesSent)} sent, ` +
        `${kb(t.snmpBytesReceived)} received; ${t.pingPackets} ping packets`,
    );
    const text = await format(result, options);
    if (options.outFile) {
      await writeFile(options.outFile, text);
      err(`written to ${options.outFile}`);
    } else out(text);
    return result.devices.length > 0 ? 0 : 2;
  } catch (e) {
    if (controller.signal.aborted) {
      err("ice scan: interrupted; nothing written");
      return 130;
    }
    err(`ice scan: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    io.signal?.removeEventListener("abort", interrupt);
  }
}

async function scan(options: ScanCommandOptions, signal: AbortSignal, err: (line: string) => void) {
  const log = createLogger(options.verbose ? "debug" : "warn", err);
  const common = { settings: options.settings, port: options.port, log, signal };
  if (options.refreshFile !== undefined) {
    const { runRefresh } = await import("../scan/refresh.ts");
    const devices = await readKnownDevices(options.refreshFile);
    err(`refreshing ${devices.length} known device(s)`);
    return runRefresh({ ...common, devices });
  }
  const { parseScanTargets, TargetError } = await import("../discover/targets.ts");
  const { runDiscovery } = await import("../scan/discovery.ts");
  let targets: ReturnType<typeof parseScanTargets>;
  try {
    // The list-file reader (and its CSV parser) only when there is a list.
    const listed = options.listFile
      ? await (await import("../discover/targets-list-file.ts")).readTargetListFile(options.listFile)
      : [];
    targets = parseScanTargets({
      targets: [...options.targets, ...listed],
      exclusions: options.exclusions,
      maxAddresses: options.settings.maxAddresses ?? 65_536,
    });
  } catch (e) {
    if (e instanceof TargetError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`--list ${options.listFile}: no such file`);
    throw e;
  }
  for (const line of targets.report()) err(line);
  if (targets.count === 0) throw new UsageError("no address left to scan (every target is excluded)");
  return runDiscovery({ ...common, targets });
}

async function format(result: ScanResult, options: ScanCommandOptions): Promise<string> {
  if (options.output === "json") return `${JSON.stringify(result, null, 2)}\n`;
  if (options.output === "xml") {
    const { scanFileToXml } = await import("@device-portal/protocol");
    const { toScanFile } = await import("../scan/scan-file.ts");
    return `${scanFileToXml(toScanFile(result, { settings: options.settings }))}\n`;
  }
  return result.devices
    .map((d) => `${summary(d.record)}  credential ${d.credential} (v${d.snmpVersion})\n`)
    .join("");
}

function summary(r: DeviceRecord): string {
  const model = [r.vendor, r.model].filter(Boolean).join(" ") || "(unknown model)";
  const total = r.counters.total === undefined ? "" : `  total ${r.counters.total}`;
  return `${r.ip}  ${model}  serial ${r.serial ?? "-"}${total}`;
}

function kb(bytes: number): string {
  return bytes < 10_000 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KB`;
}

// Runnable on its own until the `ice` CLI wires it: `npx node packages/collector/src/commands/scan-command.ts …`.
if (import.meta.main) process.exitCode = await runScanCommand(process.argv.slice(2));
