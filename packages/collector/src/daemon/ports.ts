/**
 * What the daemon needs from the rest of the collector, as small interfaces (types only): the
 * portal client, the upload queue, the scan engine and the scan-file encoder. `wiring.ts` adapts
 * the real ones; unit tests pass fakes.
 */

/** A device to refresh: its address and the index of the credential that worked (settings order). */
export interface KnownDevice {
  ip: string;
  credential: number;
  /** The SNMP version that worked, when known (saves a v2c try on a v1-only device). */
  snmpVersion?: "1" | "2c" | "3";
}

/** The parts of the portal's settings the daemon itself reads; the rest goes to the scan engine as is. */
export interface DaemonSettings {
  /** The settings exactly as the portal sent them: what the scan file's digest is taken of. */
  raw?: unknown;
  version?: number;
  targets?: string[];
  exclusions?: string[];
  communities?: string[];
  v3Users?: Array<{ name: string; authKey?: string; privKey?: string }>;
  discoveryIntervalMinutes?: number;
  refreshIntervalMinutes?: number;
  knownDevices?: KnownDevice[];
}

/** docs/collector-protocol.md, "Health". */
export interface Health {
  version: string;
  startedAt: string;
  lastDiscoveryAt?: string;
  lastRefreshAt?: string;
  lastScanDevices?: number;
  queuedScans: number;
  errors: string[];
}

export interface Enrolment<S> {
  collectorId: string;
  settings: S;
  /** Key material the client holds, so the log can hide it. */
  secrets?: string[];
}

export interface DaemonPortal<S> {
  /** Enrols with the token; throws when the portal cannot be reached or refuses. */
  enrol(signal: AbortSignal): Promise<Enrolment<S>>;
  /** Sends the health, returns the current settings. */
  checkin(health: Health, signal: AbortSignal): Promise<S>;
  /**
   * True when `err` means the collector must enrol again (its key is no longer accepted). A
   * client that enrols again by itself (PortalClient does) leaves this out.
   */
  needsEnrolment?(err: unknown): boolean;
}

export type ScanKind = "discovery" | "refresh";

/** What one run of the scan engine found (the daemon adds identity and health). */
export interface ScanRun {
  startedAt: Date;
  endedAt: Date;
  ranges: unknown[];
  devices: Array<{ credential: number; snmpVersion?: "1" | "2c" | "3"; device: { ip: string } }>;
  /** The engine's own scan id, when it makes one (a lower-case UUID). */
  scanId?: string;
}

export interface DaemonScanner<S> {
  discovery(settings: S, signal: AbortSignal): Promise<ScanRun>;
  refresh(settings: S, devices: KnownDevice[], signal: AbortSignal): Promise<ScanRun>;
}

/** The scan file handed to the encoder (the protocol's ScanFile). */
export interface ScanDocument {
  scanId: string;
  kind: ScanKind;
  startedAt: string;
  endedAt: string;
  settingsDigest: string;
  collector: { id: string; version: string; hostname: string; os: string };
  health: Health;
  ranges: unknown[];
  devices: Array<{ credential: number; device: { ip: string } }>;
}

export interface QueuedScan {
  scanId: string;
  kind: ScanKind;
  xml: string;
}

export interface DaemonQueue {
  enqueue(scan: QueuedScan): void;
  /** Scans not yet acknowledged. */
  readonly size: number;
  /** Tries to send what is queued; resolves when empty or after `timeoutMs`, whichever first. */
  flush(timeoutMs: number): Promise<void>;
  /** The portal just answered a check-in: a queue waiting out a backoff may try again now. */
  portalReachable?(): void;
}
