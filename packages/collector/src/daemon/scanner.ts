/**
 * The daemon's scanner on the real scan engine: discovery of the settings' targets, refresh of
 * known devices, each result turned into what the scan file carries (ScanRun).
 */
import { parseScanTargets } from "../discover/targets.ts";
import type { Logger } from "../log.ts";
import type { ResolvedProfile } from "../profiles/resolved.ts";
import { runDiscovery } from "../scan/discovery.ts";
import { runRefresh } from "../scan/refresh.ts";
import { formatReport, type ScanResult } from "../scan/result.ts";
import { toScanFileRange } from "../scan/scan-file.ts";
import type { DaemonScanner, ScanRun } from "./ports.ts";
import type { CollectorSettings } from "./settings.ts";

export interface EngineScannerOptions {
  log: Logger;
  /** SNMP port of every device, default 161 (another for a lab or the simulator). */
  port?: number;
  profiles?: ResolvedProfile[];
}

export function engineScanner(options: EngineScannerOptions): DaemonScanner<CollectorSettings> {
  const { log } = options;
  const common = {
    log,
    ...(options.port !== undefined && { port: options.port }),
    ...(options.profiles && { profiles: options.profiles }),
  };
  return {
    async discovery(settings, signal) {
      if (settings.targets.length === 0) {
        // Nothing to scan yet: an empty discovery still tells the portal the collector is here.
        const now = new Date();
        return { startedAt: now, endedAt: now, ranges: [], devices: [] };
      }
      const targets = parseScanTargets({
        targets: settings.targets,
        exclusions: settings.exclusions,
        ...(settings.scan.maxAddresses !== undefined && { maxAddresses: settings.scan.maxAddresses }),
      });
      for (const line of targets.report()) log.debug(`targets: ${line}`);
      const result = await runDiscovery({ ...common, targets, settings: settings.scan, signal });
      return toScanRun(result, log);
    },
    async refresh(settings, devices, signal) {
      const result = await runRefresh({ ...common, devices, settings: settings.scan, signal });
      return toScanRun(result, log);
    },
  };
}

/** The engine's result as the scan file carries it (docs/scan-file.md, "ranges"). */
export function toScanRun(result: ScanResult, log?: Logger): ScanRun {
  for (const line of formatReport(result)) log?.info(`${result.kind}: ${line}`);
  return {
    scanId: result.scanId,
    startedAt: new Date(result.startedAt),
    endedAt: new Date(result.endedAt),
    ranges: result.report.map(toScanFileRange),
    devices: result.devices.map((d) => ({
      credential: d.credential,
      snmpVersion: d.snmpVersion,
      device: d.record,
    })),
  };
}
