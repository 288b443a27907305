import { createHash } from "node:crypto";
import { hostname, release, type } from "node:os";
import type { ScanFile, RangeReport as ScanFileRange } from "@device-portal/protocol";
import type { RangeReport, ScanResult } from "./result.ts";

/** A range of the engine's report as the scan file carries it (docs/scan-file.md, "ranges"). */
export function toScanFileRange(r: RangeReport): ScanFileRange {
  return {
    target: r.target,
    tried: r.addresses,
    // Absent when the range ran without ping, as the scan file wants it.
    ...(r.pinged > 0 && { answeredPing: r.answeredPing, noPing: r.noPing }),
    answeredSnmp: r.answeredSnmp,
    printers: r.printers,
    noSnmp: r.noSnmp,
    notPrinter: r.notPrinter,
  };
}

export interface ScanFileContext {
  collector?: Partial<ScanFile["collector"]>;
  health?: Partial<ScanFile["health"]>;
  /** The settings the scan ran with: only their digest goes into the file. */
  settings: unknown;
}

/** The scan file of one result; identity and health default to this host and a one-off run. */
export function toScanFile(result: ScanResult, context: ScanFileContext): ScanFile {
  const version = context.collector?.version ?? "0.1.0";
  return {
    scanId: result.scanId,
    kind: result.kind,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    settingsDigest: settingsDigest(context.settings),
    collector: {
      id: "ice-cli",
      version,
      hostname: hostname(),
      os: `${type()} ${release()}`,
      ...context.collector,
    },
    health: { version, startedAt: result.startedAt, queuedScans: 0, errors: [], ...context.health },
    ranges: result.report.map(toScanFileRange),
    devices: result.devices.map((d) => ({ credential: d.credential, device: d.record })),
  };
}

/** Hex SHA-256 of canonical JSON (keys sorted). */
export function settingsDigest(settings: unknown): string {
  return createHash("sha256").update(canonicalJson(settings)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
