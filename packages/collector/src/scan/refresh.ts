/**
 * Refresh: re-reads devices found before, each with the one credential that worked (no ping, no
 * credential trial), and by default only what changes (readDevice scope "refresh").
 */
import { triesFor } from "../discover/credentials.ts";
import { type Logger, silentLogger } from "../log.ts";
import { loadProfiles } from "../profiles/catalog.ts";
import type { ResolvedProfile } from "../profiles/resolved.ts";
import { readDevice } from "../read/read-device.ts";
import { SnmpAuthError, SnmpBadAnswerError, SnmpNoAnswerError } from "../snmp/errors.ts";
import { newTrafficCounter } from "../snmp/shared-socket.ts";
import { forEachBounded, withScanResources } from "./engine.ts";
import { compareAddresses } from "./range-index.ts";
import {
  type AddressOutcome,
  countOutcome,
  emptyRangeReport,
  type OtherDevice,
  type ScanDevice,
  type ScanResult,
} from "./result.ts";
import { resolveScanSettings, type ScanSettingsInput } from "./settings.ts";

/** A device of the settings' `knownDevices`. */
export interface KnownDevice {
  ip: string;
  /** SNMP port, default the scan's (161). */
  port?: number;
  /** Index into communities followed by v3Users. */
  credential: number;
  /** The version that worked, when known: saves a v2c try on a v1-only device. */
  snmpVersion?: "1" | "2c" | "3";
}

export interface RefreshOptions {
  devices: Iterable<KnownDevice> | AsyncIterable<KnownDevice>;
  settings?: ScanSettingsInput;
  /** Default SNMP port, default 161. */
  port?: number;
  /** "refresh" (default): counters, supplies, status, alerts and the serial; "full": everything. */
  scope?: "refresh" | "full";
  log?: Logger;
  profiles?: ResolvedProfile[];
  signal?: AbortSignal;
  now?: () => Date;
}

export async function runRefresh(options: RefreshOptions): Promise<ScanResult> {
  const settings = resolveScanSettings(options.settings);
  const log = options.log ?? silentLogger;
  const profiles = options.profiles ?? loadProfiles();
  const now = options.now ?? (() => new Date());
  const report = emptyRangeReport("known devices");
  const notes: string[] = [];
  const seen = new Set<string>();
  let repeated = 0;

  return withScanResources(
    { packetsPerSecond: settings.packetsPerSecond, ...(options.signal && { signal: options.signal }), now },
    async (res) => {
      const devices: ScanDevice[] = [];
      const others: OtherDevice[] = [];
      const record = (outcome: AddressOutcome) => countOutcome(report, outcome);

      const refresh = async (known: KnownDevice) => {
        const port = known.port ?? options.port ?? 161;
        const key = `${known.ip}:${port}`;
        if (seen.has(key)) {
          repeated++;
          return;
        }
        seen.add(key);
        report.addresses++;
        const tries = triesFor(settings, known.credential, known.snmpVersion);
        if (tries.length === 0) {
          log.warn(`${known.ip}: credential ${known.credential} is not in the settings; not refreshed`);
          return record({ pinged: false, answeredPing: false, skipped: "unknown-credential" });
        }
        const traffic = newTrafficCounter();
        try {
          const read = await readDevice({
            host: known.ip,
            port,
            credentialList: tries.map((t) => t.credentials),
            timeoutMs: settings.snmp.timeoutMs,
            retries: settings.snmp.retries,
            log,
            profiles,
            ...(options.now && { now: options.now }),
            scope: options.scope ?? "refresh",
            client: { dgramModule: res.udp.dgramModule(traffic) },
          });
          if (read.kind === "not-printer") {
            const other: OtherDevice = { ip: known.ip, credential: known.credential };
            if (read.sysDescr !== undefined) other.sysDescr = read.sysDescr;
            if (read.sysObjectId !== undefined) other.sysObjectId = read.sysObjectId;
            others.push(other);
            return record({ pinged: false, answeredPing: false, skipped: "not-printer" });
          }
          const device: ScanDevice = {
            record: read.record,
            credential: known.credential,
            snmpVersion: read.credentials.version,
            traffic,
          };
          if (read.profile) device.profile = read.profile;
          devices.push(device);
          record({ pinged: false, answeredPing: false });
        } catch (err) {
          const skipped =
            err instanceof SnmpNoAnswerError
              ? "no-snmp-answer"
              : err instanceof SnmpAuthError
                ? "snmpv3-refused"
                : err instanceof SnmpBadAnswerError
                  ? "unusable-answer"
                  : undefined;
          if (!skipped) throw err;
          record({ pinged: false, answeredPing: false, skipped });
        } finally {
          res.addTraffic(traffic);
        }
      };

      await forEachBounded(options.devices, settings.concurrency, refresh, res.signal);
      if (repeated > 0)
        notes.push(`${repeated} known device${repeated === 1 ? " was" : "s were"} listed twice: read once`);
      return {
        kind: "refresh",
        scanId: res.scanId,
        startedAt: res.startedAt.toISOString(),
        endedAt: now().toISOString(),
        devices: devices.sort((a, b) => compareAddresses(a.record.ip, b.record.ip)),
        report: [report],
        totals: { ...report, target: "total", skipped: { ...report.skipped } },
        others,
        traffic: res.traffic,
        notes,
      };
    },
  );
}
