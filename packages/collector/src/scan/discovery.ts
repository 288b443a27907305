/**
 * Discovery: every address of the targets goes through
 *   ping (optional) → SNMP system probe, credential by credential → "is it a printer?" → full read
 * with the credential that worked. Addresses are streamed from the targets (never listed), at most
 * `concurrency` are in their SNMP steps at once, and every datagram pays the packet-rate gate.
 * Only devices that answered are kept.
 */
import { type CredentialTry, discoveryTries } from "../discover/credentials.ts";
import { type Pinged, pingStage } from "../discover/ping-stage.ts";
import { probeAddress } from "../discover/snmp-probe.ts";
import { type Logger, silentLogger } from "../log.ts";
import { loadProfiles } from "../profiles/catalog.ts";
import type { ResolvedProfile } from "../profiles/resolved.ts";
import { readDevice } from "../read/read-device.ts";
import { SnmpBadAnswerError, SnmpNoAnswerError } from "../snmp/errors.ts";
import { newTrafficCounter } from "../snmp/shared-socket.ts";
import { forEachBounded, type ScanResources, withScanResources } from "./engine.ts";
import { choosePingers, type PingTools } from "./ping-tools.ts";
import { compareAddresses, type NumericInterval, parseIntervalText, RangeIndex } from "./range-index.ts";
import {
  type AddressOutcome,
  countOutcome,
  emptyRangeReport,
  type OtherDevice,
  type RangeReport,
  type ScanDevice,
  type ScanResult,
} from "./result.ts";
import { resolveScanSettings, type ScanSettings, type ScanSettingsInput } from "./settings.ts";

/** What discovery needs of the targets; `ScanTargets` of discover/targets.ts is one. */
export interface DiscoveryTargets {
  /** Addresses to scan, each once. */
  readonly count: number;
  /** The targets as written, with their addresses as "a.b.c.d-e.f.g.h" / "a.b.c.d" intervals. */
  readonly targets: ReadonlyArray<{ input: string; intervals: readonly string[]; addresses: number }>;
  /** Every address once, ascending, as a 32-bit number. */
  addressNumbers(): Iterable<number>;
}

export interface DiscoveryOptions {
  targets: DiscoveryTargets;
  settings?: ScanSettingsInput;
  /** SNMP port of every address, default 161 (another for simulators). */
  port?: number;
  log?: Logger;
  profiles?: ResolvedProfile[];
  signal?: AbortSignal;
  now?: () => Date;
  pingTools?: PingTools;
}

/** An address as a 32-bit number: thousands wait in ping batches, so they are kept small. */
type Address = number;

/** Runs a discovery scan; rejects with the signal's reason when cancelled. */
export async function runDiscovery(options: DiscoveryOptions): Promise<ScanResult> {
  const settings = resolveScanSettings(options.settings);
  const log = options.log ?? silentLogger;
  const profiles = options.profiles ?? loadProfiles();
  const now = options.now ?? (() => new Date());
  const tries = discoveryTries(settings);
  const index = new RangeIndex(options.targets.targets.map((t) => intervalsOf(t.intervals)));
  const report = options.targets.targets.map((t) => emptyRangeReport(t.input, t.addresses));
  const totals = emptyRangeReport("total", options.targets.count);
  const notes = duplicateNotes(options.targets);

  return withScanResources(
    { packetsPerSecond: settings.packetsPerSecond, ...(options.signal && { signal: options.signal }), now },
    async (res) => {
      const devices: ScanDevice[] = [];
      const others: OtherDevice[] = [];
      const record = (address: Address, outcome: AddressOutcome) => {
        countOutcome(totals, outcome);
        for (const r of index.rangesOf(address)) countOutcome(report[r] as RangeReport, outcome);
      };

      const probe = async ({ item: address, alive }: Pinged<Address>) => {
        const pinged = alive !== undefined;
        if (alive === false)
          return record(address, { pinged, answeredPing: false, skipped: "no-ping-reply" });
        const found = await discoverAddress(dotted(address), tries, settings, res, options, profiles, log);
        if (found.device) devices.push(found.device);
        if (found.other) others.push(found.other);
        record(address, { pinged, answeredPing: pinged, ...(found.skipped && { skipped: found.skipped }) });
      };

      const addresses = addressStream(options.targets);
      const stream = settings.ping.enabled
        ? pingedStream(addresses, settings, res, options.pingTools ?? {}, log, notes)
        : notPinged(addresses, notes);
      await forEachBounded(stream, settings.concurrency, probe, res.signal);

      return {
        kind: "discovery",
        scanId: res.scanId,
        startedAt: res.startedAt.toISOString(),
        endedAt: now().toISOString(),
        devices: devices.sort((a, b) => compareAddresses(a.record.ip, b.record.ip)),
        report,
        totals,
        others: others.sort((a, b) => compareAddresses(a.ip, b.ip)),
        traffic: res.traffic,
        notes,
      };
    },
  );
}

interface AddressResult {
  device?: ScanDevice;
  other?: OtherDevice;
  skipped?: AddressOutcome["skipped"];
}

async function discoverAddress(
  ip: string,
  tries: CredentialTry[],
  settings: ScanSettings,
  res: ScanResources,
  options: DiscoveryOptions,
  profiles: ResolvedProfile[],
  log: Logger,
): Promise<AddressResult> {
  const traffic = newTrafficCounter();
  const dgramModule = res.udp.dgramModule(traffic);
  const port = options.port ?? 161;
  try {
    const probe = await probeAddress({
      ip,
      port,
      tries,
      profiles,
      log,
      dgramModule,
      signal: res.signal,
      timeoutMs: settings.snmp.discoveryTimeoutMs,
      retries: settings.snmp.retries,
    });
    if (probe.kind === "no-answer") return { skipped: "no-snmp-answer" };
    if (probe.kind === "auth-refused") return { skipped: "snmpv3-refused" };
    if (probe.kind === "bad-answer") return { skipped: "unusable-answer" };
    const other: OtherDevice = { ip, credential: probe.found.index };
    if (probe.sysDescr !== undefined) other.sysDescr = probe.sysDescr;
    if (probe.sysObjectId !== undefined) other.sysObjectId = probe.sysObjectId;
    if (!probe.printer) return { other, skipped: "not-printer" };
    try {
      const read = await readDevice({
        host: ip,
        port,
        credentialList: [probe.found.credentials],
        timeoutMs: settings.snmp.timeoutMs,
        retries: settings.snmp.retries,
        log,
        profiles,
        ...(options.now && { now: options.now }),
        client: { dgramModule },
      });
      if (read.kind === "not-printer") return { other, skipped: "not-printer" };
      const device: ScanDevice = {
        record: read.record,
        credential: probe.found.index,
        snmpVersion: read.credentials.version,
        traffic,
      };
      if (read.profile) device.profile = read.profile;
      return { device };
    } catch (err) {
      if (err instanceof SnmpNoAnswerError || err instanceof SnmpBadAnswerError) {
        log.warn(`${ip}: answered the probe, then not the read: ${err.message}`);
        return { skipped: "read-failed" };
      }
      throw err;
    }
  } finally {
    res.addTraffic(traffic);
  }
}

function addressStream(targets: DiscoveryTargets): Iterator<Address> {
  return targets.addressNumbers()[Symbol.iterator]();
}

function dotted(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function* notPinged(addresses: Iterator<Address>, notes: string[]): Generator<Pinged<Address>> {
  notes.push("ping off: every address got the SNMP probe");
  for (let next = addresses.next(); !next.done; next = addresses.next())
    yield { item: next.value, alive: undefined };
}

function pingedStream(
  addresses: Iterator<Address>,
  settings: ScanSettings,
  res: ScanResources,
  tools: PingTools,
  log: Logger,
  notes: string[],
): AsyncIterable<Pinged<Address>> {
  const timing = {
    timeoutMs: settings.ping.timeoutMs,
    retries: settings.ping.retries,
    packetsPerSecond: settings.packetsPerSecond,
  };
  const pingers = choosePingers(settings.ping, timing, tools, log);
  const first = pingers[0];
  notes.push(
    first ? `pinged with ${first.method} (${first.path})` : "no ping tool found: scanned without ping",
  );
  // One fping process per batch: half a second of packets each, so that a /16 costs ~130
  // processes, not thousands (each one's objects outlive a young-generation GC: memory).
  const batchSize = Math.min(1024, Math.max(32, Math.round(settings.packetsPerSecond / 2)));
  // Enough addresses in flight to ping at the packet rate: rate × timeout, plus two batches.
  const maxInFlight = Math.min(
    16_384,
    Math.ceil((settings.packetsPerSecond * settings.ping.timeoutMs) / 1000) + 2 * batchSize,
  );
  return pingStage(addresses, {
    ipOf: dotted,
    pingers,
    gate: res.gate,
    batchSize,
    maxInFlight,
    log,
    signal: res.signal,
    onPackets: (n) => {
      res.traffic.pingPackets += n;
    },
    onUnavailable: (why) => notes.push(`ping stopped working (${why}): the rest was scanned without ping`),
  });
}

function intervalsOf(texts: readonly string[]): NumericInterval[] {
  return texts.flatMap((t) => {
    const interval = parseIntervalText(t);
    return interval ? [interval] : [];
  });
}

function duplicateNotes(targets: DiscoveryTargets): string[] {
  const listed = targets.targets.reduce((sum, t) => sum + t.addresses, 0);
  const repeated = listed - targets.count;
  if (repeated <= 0) return [];
  return [
    `${repeated} address${repeated === 1 ? " is" : "es are"} in more than one target: each was scanned once (and counted in every target that holds it)`,
  ];
}
