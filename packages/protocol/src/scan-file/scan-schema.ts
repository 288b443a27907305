import { z } from "zod";
import { deviceRecordSchema } from "../device-record.ts";

/**
 * The scan file: what one scan of the collector found, sent to the portal as one XML document
 * (docs/scan-file.md, "Scan document"). A field the collector does not know is absent.
 *
 * Secrets never appear here: a device names the credential that worked by its index in the
 * settings (`communities` followed by `v3Users`), and unknown keys are stripped on parse, so a
 * caller's stray `community` field cannot reach the document.
 */

export const scanKinds = ["discovery", "refresh"] as const;
export type ScanKind = (typeof scanKinds)[number];

const count = z.number().int().nonnegative();
/** ISO 8601 with a time zone (the collector writes `Date#toISOString()`, i.e. `Z`). */
const time = z.iso.datetime({ offset: true });
/** Lower-case, so the scan id the portal deduplicates on has one spelling. */
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const collectorIdentitySchema = z.object({
  /** The collector id the portal gave at enrolment. */
  id: z.string().min(1),
  /** ICE version. */
  version: z.string().min(1),
  hostname: z.string(),
  os: z.string(),
});
export type CollectorIdentity = z.infer<typeof collectorIdentitySchema>;

/** The collector's health, as in every check-in (docs/collector-protocol.md, "Health"). */
export const collectorHealthSchema = z.object({
  version: z.string().min(1),
  startedAt: time,
  /** Absent until the first discovery (refresh) has finished. */
  lastDiscoveryAt: time.optional(),
  lastRefreshAt: time.optional(),
  /** Devices found by the previous scan; absent before the first one. */
  lastScanDevices: count.optional(),
  queuedScans: count,
  /** The last error lines of the log (the collector keeps 10), oldest first. */
  errors: z.array(z.string()),
});
export type CollectorHealth = z.infer<typeof collectorHealthSchema>;

/**
 * What happened in one target range of the settings. How the counts add up is the collector's
 * business; the document only carries them.
 */
export const rangeReportSchema = z.object({
  /** The target as written in the settings: `192.0.2.0/24`, `198.51.100.10-198.51.100.60`, an address. */
  target: z.string().min(1),
  /** Addresses tried (after exclusions and the `maxAddresses` cap). */
  tried: count,
  /** Absent when the scan ran without ping (`ping.enabled: false`), like `noPing`. */
  answeredPing: count.optional(),
  answeredSnmp: count,
  printers: count,
  noPing: count.optional(),
  noSnmp: count,
  notPrinter: count,
});
export type RangeReport = z.infer<typeof rangeReportSchema>;

/** One device read in this scan and how it was reached. */
export const scanDeviceSchema = z.object({
  /** Index into `communities` followed by `v3Users` of the settings: the credential that worked. */
  credential: count,
  device: deviceRecordSchema,
});
export type ScanDevice = z.infer<typeof scanDeviceSchema>;

export const scanFileSchema = z
  .object({
    scanId: z.string().regex(uuid, "expected a lower-case UUID"),
    kind: z.enum(scanKinds),
    startedAt: time,
    endedAt: time,
    /** Hex SHA-256 of the settings the scan ran with (the collector computes it). */
    settingsDigest: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits (SHA-256)"),
    collector: collectorIdentitySchema,
    health: collectorHealthSchema,
    ranges: z.array(rangeReportSchema),
    devices: z.array(scanDeviceSchema),
  })
  .superRefine((scan, ctx) => {
    // One reading per address: the portal files readings by address within a scan.
    const seen = new Map<string, number>();
    scan.devices.forEach(({ device }, i) => {
      const first = seen.get(device.ip);
      if (first === undefined) seen.set(device.ip, i);
      else
        ctx.addIssue({
          code: "custom",
          path: ["devices", i, "device", "ip"],
          message: `duplicate address, already in devices[${first}]`,
        });
    });
  });
export type ScanFile = z.infer<typeof scanFileSchema>;
