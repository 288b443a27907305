import { randomUUID } from "node:crypto";
import type { DeviceRecord, ScanFile } from "@device-portal/protocol";

/**
 * Synthetic scans for the ingest bench: `devices` printers per collector, each with 12 counters
 * and 4 supplies (the issue asks for ≥ 10 and 4), counters rising from one scan to the next.
 */
export function benchScan(options: {
  collectorId: string;
  collectorIndex: number;
  devices: number;
  round: number;
  at: Date;
}): ScanFile {
  const { collectorIndex, devices, round, at } = options;
  if (devices > 254 || collectorIndex > 255) throw new Error("at most 254 devices and 256 collectors");
  const records: ScanFile["devices"] = [];
  for (let i = 0; i < devices; i++) {
    const n = collectorIndex * 10_000 + i;
    const base = 10_000 + n * 7 + round * 37;
    const mono = base * 3;
    const color = base;
    const device: DeviceRecord = {
      // 198.18.0.0/15 is the benchmarking range (RFC 2544): only text in a scan file, never contacted.
      ip: `198.18.${collectorIndex}.${i + 1}`,
      vendor: ["HP", "Kyocera", "Ricoh", "Canon", "Brother"][n % 5],
      model: `Bench MFP ${n % 17}`,
      serial: `BENCH${String(n).padStart(8, "0")}`,
      mac: `02:00:${hex(collectorIndex >> 8)}:${hex(collectorIndex & 255)}:${hex(i >> 8)}:${hex(i & 255)}`,
      name: `printer-${n}`,
      location: `Floor ${i % 5}`,
      firmware: "1.0.0",
      counters: {
        total: mono + color,
        mono,
        color,
        print: Math.floor((mono + color) * 0.7),
        copy: Math.floor((mono + color) * 0.3),
        scan: base * 2,
        fax: Math.floor(base / 10),
        duplex: Math.floor(base / 2),
        large: Math.floor(base / 20),
        printMono: Math.floor(mono * 0.7),
        printColor: Math.floor(color * 0.7),
        copyMono: Math.floor(mono * 0.3),
      },
      counterUnit: "impressions",
      supplies: (["black", "cyan", "magenta", "yellow"] as const).map((color, s) => ({
        index: `1.${s + 1}`,
        type: "toner" as const,
        class: "consumed" as const,
        color,
        description: `${color} toner`,
        levelPercent: Math.max(0, 90 - ((round + s * 7 + i) % 80)),
        state: "ok" as const,
        level: Math.max(0, 90 - ((round + s * 7 + i) % 80)),
        maxCapacity: 100,
        unit: "percent",
      })),
      status: { device: "running", printer: "idle", errors: i % 25 === 0 ? ["lowPaper"] : [] },
      alerts: [],
    };
    records.push({ credential: 0, device });
  }
  return {
    scanId: randomUUID(),
    kind: "refresh",
    startedAt: new Date(at.getTime() - 5_000).toISOString(),
    endedAt: at.toISOString(),
    settingsDigest: "0".repeat(64),
    collector: { id: options.collectorId, version: "0.1.0", hostname: "bench", os: "linux" },
    health: { version: "0.1.0", startedAt: at.toISOString(), queuedScans: 0, errors: [] },
    ranges: [],
    devices: records,
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}
