/**
 * The long-running collector (`ice run`): enrols, checks in, scans on a schedule, uploads.
 *
 * - Enrols with the token at every start (no local state: docs/collector-protocol.md), retrying
 *   with exponential backoff and jitter while the portal cannot be reached or refuses.
 * - One worker loop runs the scans, so two never overlap: a refresh that falls due during a
 *   discovery waits for it. When both are due, the refresh goes first (it is short).
 * - Discovery at start, then every `discoveryIntervalMinutes` from the start of the previous one;
 *   a refresh of the known devices every `refreshIntervalMinutes`. Known devices are the last
 *   discovery's printers plus `settings.knownDevices`, so a restarted collector refreshes the
 *   portal's devices at once instead of waiting for its first discovery.
 * - Before each scan it checks in (health out, settings back); when there is nothing to refresh
 *   the check-in alone is the heartbeat. Settings from a check-in or an upload's ack take effect
 *   at the next scan; a change of targets, exclusions or credentials makes a discovery due at once.
 * - Each scan becomes a scan file carrying the collector's health and goes to the upload queue.
 * - `stop()`: timers stop, a running scan is aborted (and not uploaded), the queue gets a short
 *   bounded chance to send what it holds.
 */
import { randomUUID } from "node:crypto";
import { hostname, release, type } from "node:os";
import type { Logger } from "../log.ts";
import { settingsDigest } from "../scan/scan-file.ts";
import { type Clock, sleep, systemClock } from "./clock.ts";
import type {
  DaemonPortal,
  DaemonQueue,
  DaemonScanner,
  DaemonSettings,
  Enrolment,
  Health,
  KnownDevice,
  ScanDocument,
  ScanKind,
  ScanRun,
} from "./ports.ts";

export const defaultDiscoveryIntervalMinutes = 720;
export const defaultRefreshIntervalMinutes = 20;
/**
 * A check-in this recent (or an enrolment) makes another one before a scan needless: a discovery
 * right after a refresh does not check in twice. Well under the shortest interval (1 min).
 */
const contactFreshMs = 30_000;

export interface DaemonOptions<S extends DaemonSettings> {
  portal: DaemonPortal<S>;
  queue: DaemonQueue;
  scanner: DaemonScanner<S>;
  /** The scan file as XML (the protocol's scanFileToXml). */
  encodeScan: (scan: ScanDocument) => string;
  log: Logger;
  /** ICE's version, for the health report and the scan files. */
  version: string;
  /** The last error lines for the health report (see error-ring.ts); none by default. */
  errors?: { lines(): string[] };
  /** Called with secrets as they become known (communities, keys), so the log can hide them. */
  addSecrets?: (...secrets: Array<string | undefined>) => void;
  clock?: Clock;
  /** 0 ≤ x < 1, for the backoff jitter. */
  random?: () => number;
  newScanId?: () => string;
  host?: { hostname: string; os: string };
  /** Enrolment retry: first wait and longest wait, default 2 s and 5 min. */
  enrolBackoff?: { initialMs: number; maxMs: number };
  /** How long `stop()` lets the queue send what it holds, default 5 s. */
  flushTimeoutMs?: number;
  /** How long `stop()` waits for an aborted scan to return, default 5 s. */
  abortTimeoutMs?: number;
}

type State = "new" | "enrolling" | "running" | "stopping" | "stopped";

export class CollectorDaemon<S extends DaemonSettings> {
  readonly startedAt: Date;
  #o: DaemonOptions<S>;
  #clock: Clock;
  #log: Logger;
  #state: State = "new";
  #stop = new AbortController();
  #scanAbort: AbortController | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #done: (() => void) | undefined;

  #collectorId: string | undefined;
  #settings: S | undefined;
  #pending: S | undefined;
  #enrolledAt = 0;
  #contactedAt = Number.NEGATIVE_INFINITY;
  #refreshAtOnce = false;
  #discoveryChanged = false;
  /** The slot the last scan of each kind was due at, and when it really started. */
  #lastDiscovery: { slot: number; startedAt: number } | undefined;
  #lastRefresh: { slot: number; startedAt: number } | undefined;
  #discovered = new Map<string, KnownDevice>();
  #lastDiscoveryAt: Date | undefined;
  #lastRefreshAt: Date | undefined;
  #lastScanDevices: number | undefined;
  #scanning: ScanKind | undefined;

  constructor(options: DaemonOptions<S>) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
    this.startedAt = new Date(this.#clock.now());
  }

  get state(): State {
    return this.#state;
  }

  get collectorId(): string | undefined {
    return this.#collectorId;
  }

  /** The scan under way, if any. */
  get scanning(): ScanKind | undefined {
    return this.#scanning;
  }

  /** The settings the next scan will use (pending ones included). */
  get settings(): S | undefined {
    return this.#pending ?? this.#settings;
  }

  /**
   * Starts the work; resolves once stopped (after `stop()` has finished, even when a call to the
   * portal it was waiting for has not returned yet): "stopped", or "failed" when the work ended
   * on an unexpected error (a bug; the caller stops and exits non-zero). Call once.
   */
  run(): Promise<"stopped" | "failed"> {
    if (this.#loop) throw new Error("the daemon runs only once");
    const { promise, resolve } = Promise.withResolvers<"stopped" | "failed">();
    this.#done = () => resolve("stopped");
    this.#loop = this.#main().then(
      () => {
        if (!this.#stopped) resolve("stopped");
      },
      (err: unknown) => {
        this.#log.error(
          `the collector stopped on an unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        resolve("failed");
      },
    );
    return promise;
  }

  /** Stops: aborts a running scan, gives the queue a bounded chance to flush. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown().finally(() => this.#done?.());
    return this.#stopped;
  }

  /** Settings from outside the check-in (an upload's ack): used from the next scan on. */
  offerSettings(settings: S | undefined): void {
    if (!settings || this.#stop.signal.aborted) return;
    const current = this.settings;
    if (
      current?.version !== undefined &&
      settings.version !== undefined &&
      settings.version < current.version
    )
      return; // An older answer that arrived late.
    this.#pending = settings;
    this.#o.addSecrets?.(...credentialSecrets(settings));
    this.#wake?.();
  }

  health(): Health {
    const h: Health = {
      version: this.#o.version,
      startedAt: this.startedAt.toISOString(),
      queuedScans: this.#o.queue.size,
      errors: this.#o.errors?.lines() ?? [],
    };
    if (this.#lastDiscoveryAt) h.lastDiscoveryAt = this.#lastDiscoveryAt.toISOString();
    if (this.#lastRefreshAt) h.lastRefreshAt = this.#lastRefreshAt.toISOString();
    if (this.#lastScanDevices !== undefined) h.lastScanDevices = this.#lastScanDevices;
    return h;
  }

  /** What a refresh reads now: the portal's known devices, overridden by the last discovery. */
  knownDevices(): KnownDevice[] {
    const all = new Map<string, KnownDevice>();
    for (const d of this.#settings?.knownDevices ?? []) all.set(d.ip, { ...d });
    for (const d of this.#discovered.values()) all.set(d.ip, d);
    return [...all.values()];
  }

  // -------------------------------------------------------------------------------------------

  async #main(): Promise<void> {
    const signal = this.#stop.signal;
    this.#state = "enrolling";
    if (!(await this.#enrolWithBackoff())) return;
    this.#state = "running";
    this.#refreshAtOnce = (this.#settings?.knownDevices?.length ?? 0) > 0;
    while (!signal.aborted) {
      this.#applyPending();
      const job = this.#nextJob();
      const wait = job.at - this.#clock.now();
      if (wait > 0) {
        await this.#sleep(wait);
        continue; // Woken by time, new settings or stop: look again.
      }
      await this.#contact();
      if (signal.aborted) break;
      this.#applyPending();
      const due = this.#nextJob();
      if (due.at > this.#clock.now()) continue; // The new settings moved it.
      await this.#scan(due.kind, due.at);
    }
  }

  async #shutdown(): Promise<void> {
    const before = this.#state;
    this.#state = "stopping";
    this.#stop.abort();
    this.#scanAbort?.abort();
    this.#wake?.();
    if (this.#loop) {
      const abortMs = this.#o.abortTimeoutMs ?? 5000;
      const timer = new AbortController();
      const finished = await Promise.race([
        this.#loop.then(() => true),
        sleep(this.#clock, abortMs, timer.signal).then(() => false),
      ]);
      timer.abort();
      if (!finished)
        this.#log.warn(`the ${this.#scanning ?? "current"} scan did not stop within ${abortMs} ms`);
    }
    if (before !== "new" && this.#o.queue.size > 0) {
      const flushMs = this.#o.flushTimeoutMs ?? 5000;
      const timer = new AbortController();
      await Promise.race([
        this.#o.queue.flush(flushMs).catch((err: unknown) => {
          this.#log.warn(`upload at shutdown failed: ${describe(err)}`);
        }),
        sleep(this.#clock, flushMs, timer.signal),
      ]);
      timer.abort();
      const left = this.#o.queue.size;
      if (left > 0) this.#log.warn(`stopping with ${left} scan(s) not uploaded; they are lost`);
    }
    this.#state = "stopped";
    this.#log.info("stopped");
  }

  /** True once enrolled; false when stopped first. */
  async #enrolWithBackoff(): Promise<boolean> {
    const signal = this.#stop.signal;
    const { initialMs, maxMs } = this.#o.enrolBackoff ?? { initialMs: 2000, maxMs: 5 * 60_000 };
    let delay = initialMs;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        this.#adopt(await this.#o.portal.enrol(signal));
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        const wait = Math.round(delay * (0.8 + 0.4 * (this.#o.random ?? Math.random)()));
        this.#log.warn(
          `enrolment failed (attempt ${attempt}): ${describe(err)}; next try in ${seconds(wait)}`,
        );
        await sleep(this.#clock, wait, signal);
        delay = Math.min(delay * 2, maxMs);
      }
    }
    return false;
  }

  #adopt(enrolment: Enrolment<S>): void {
    this.#o.addSecrets?.(...(enrolment.secrets ?? []), ...credentialSecrets(enrolment.settings));
    const again = this.#collectorId !== undefined;
    this.#collectorId = enrolment.collectorId;
    this.#enrolledAt = this.#clock.now();
    this.#contactedAt = this.#enrolledAt;
    if (this.#settings === undefined) this.#settings = enrolment.settings;
    else this.offerSettings(enrolment.settings);
    this.#log.debug(`${again ? "enrolled again" : "enrolled"}: collector ${enrolment.collectorId}`);
  }

  /** Check-in before a scan, unless the portal was heard from a moment ago. Never throws. */
  async #contact(): Promise<void> {
    if (this.#clock.now() - this.#contactedAt < contactFreshMs) return;
    const signal = this.#stop.signal;
    try {
      const settings = await this.#o.portal.checkin(this.health(), signal);
      this.#contactedAt = this.#clock.now();
      this.offerSettings(settings);
      if (this.#o.queue.size > 0) this.#o.queue.portalReachable?.();
    } catch (err) {
      if (signal.aborted) return;
      if (this.#o.portal.needsEnrolment?.(err)) {
        this.#log.warn(
          `the portal no longer accepts this collector's key (${describe(err)}); enrolling again`,
        );
        try {
          this.#adopt(await this.#o.portal.enrol(signal));
        } catch (again) {
          if (!signal.aborted) this.#log.warn(`enrolling again failed: ${describe(again)}; will retry`);
        }
        return;
      }
      this.#log.warn(`check-in failed: ${describe(err)}; scanning with the settings I have`);
    }
  }

  #applyPending(): void {
    const next = this.#pending;
    if (!next) return;
    this.#pending = undefined;
    const previous = this.#settings;
    this.#settings = next;
    if (previous && discoveryKey(previous) !== discoveryKey(next) && this.#lastDiscovery !== undefined) {
      this.#discoveryChanged = true;
      this.#log.info("targets or credentials changed: discovery at the next opportunity");
    }
    if (previous?.version !== next.version && next.version !== undefined)
      this.#log.info(`settings version ${next.version}`);
  }

  #intervalMs(kind: ScanKind): number {
    const s = this.#settings;
    const minutes =
      kind === "discovery"
        ? (s?.discoveryIntervalMinutes ?? defaultDiscoveryIntervalMinutes)
        : (s?.refreshIntervalMinutes ?? defaultRefreshIntervalMinutes);
    // A zero or nonsense interval from the portal must not make the collector spin.
    return Math.max(1, Number.isFinite(minutes) ? minutes : 1) * 60_000;
  }

  /**
   * When `kind` is due. Scans keep to fixed slots (start + n × interval), so a refresh that
   * waited for a discovery does not shift the ones after it, and slots missed while waiting are
   * skipped, not run in a burst.
   */
  #dueAt(kind: ScanKind): number {
    const last = kind === "discovery" ? this.#lastDiscovery : this.#lastRefresh;
    if (kind === "discovery" && (last === undefined || this.#discoveryChanged)) return this.#enrolledAt;
    if (last === undefined)
      return this.#refreshAtOnce ? this.#enrolledAt : this.#enrolledAt + this.#intervalMs("refresh");
    const interval = this.#intervalMs(kind);
    return last.slot + interval * Math.max(1, Math.floor((last.startedAt - last.slot) / interval) + 1);
  }

  #nextJob(): { kind: ScanKind; at: number } {
    const refresh = this.#dueAt("refresh");
    const discovery = this.#dueAt("discovery");
    // A restarted collector first refreshes what the portal knows; otherwise a discovery goes
    // first on a tie (it reads every printer anyway).
    const refreshFirst = this.#lastRefresh === undefined && this.#refreshAtOnce;
    return refresh < discovery || refreshFirst
      ? { kind: "refresh", at: refresh }
      : { kind: "discovery", at: discovery };
  }

  /** Waits `ms`, or less when new settings arrive or the daemon stops. */
  #sleep(ms: number): Promise<void> {
    const wake = new AbortController();
    this.#wake = () => wake.abort();
    const stop = () => wake.abort();
    this.#stop.signal.addEventListener("abort", stop, { once: true });
    return sleep(this.#clock, ms, wake.signal).finally(() => {
      this.#wake = undefined;
      this.#stop.signal.removeEventListener("abort", stop);
    });
  }

  async #scan(kind: ScanKind, slot: number): Promise<void> {
    const settings = this.#settings as S;
    const last = { slot, startedAt: this.#clock.now() };
    if (kind === "discovery") {
      this.#lastDiscovery = last;
      this.#discoveryChanged = false;
    } else {
      this.#lastRefresh = last;
    }
    const devices = kind === "refresh" ? this.knownDevices() : [];
    if (kind === "refresh" && devices.length === 0) {
      this.#log.debug("no known devices to refresh yet");
      return;
    }
    const abort = new AbortController();
    this.#scanAbort = abort;
    this.#scanning = kind;
    this.#log.info(
      kind === "discovery"
        ? `discovery scan: ${describeTargets(settings)}`
        : `refresh scan of ${devices.length} known device(s)`,
    );
    let run: ScanRun;
    try {
      run =
        kind === "discovery"
          ? await this.#o.scanner.discovery(settings, abort.signal)
          : await this.#o.scanner.refresh(settings, devices, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) this.#log.info(`${kind} scan stopped by shutdown; nothing uploaded`);
      else this.#log.error(`${kind} scan failed: ${describe(err)}`);
      return;
    } finally {
      this.#scanAbort = undefined;
      this.#scanning = undefined;
    }
    if (abort.signal.aborted) {
      this.#log.info(`${kind} scan stopped by shutdown; nothing uploaded`);
      return;
    }
    const known = (d: ScanRun["devices"][number]): KnownDevice => ({
      ip: d.device.ip,
      credential: d.credential,
      ...(d.snmpVersion && { snmpVersion: d.snmpVersion }),
    });
    if (kind === "discovery") {
      this.#discovered = new Map(run.devices.map((d) => [d.device.ip, known(d)]));
      this.#lastDiscoveryAt = run.endedAt;
    } else {
      for (const d of run.devices)
        if (this.#discovered.has(d.device.ip)) this.#discovered.set(d.device.ip, known(d));
      this.#lastRefreshAt = run.endedAt;
    }
    this.#lastScanDevices = run.devices.length;
    this.#enqueue(kind, settings, run);
  }

  #enqueue(kind: ScanKind, settings: S, run: ScanRun): void {
    const scanId = run.scanId ?? (this.#o.newScanId ?? randomUUID)();
    const host = this.#o.host ?? { hostname: hostname(), os: `${type()} ${release()}` };
    let xml: string;
    try {
      xml = this.#o.encodeScan({
        scanId,
        kind,
        startedAt: run.startedAt.toISOString(),
        endedAt: run.endedAt.toISOString(),
        settingsDigest: settingsDigest(settings.raw ?? settings),
        collector: { id: this.#collectorId as string, version: this.#o.version, ...host },
        health: this.health(),
        ranges: run.ranges,
        devices: run.devices.map((d) => ({ credential: d.credential, device: d.device })),
      });
    } catch (err) {
      this.#log.error(`${kind} scan ${scanId} could not be written as a scan file: ${describe(err)}`);
      return;
    }
    this.#o.queue.enqueue({ scanId, kind, xml });
    const took = (run.endedAt.getTime() - run.startedAt.getTime()) / 1000;
    this.#log.info(
      `${kind} scan ${scanId}: ${run.devices.length} printer(s) in ${took.toFixed(1)} s; ` +
        `${this.#o.queue.size} scan(s) waiting for upload`,
    );
  }
}

/** What a discovery depends on: when it changes, the last discovery no longer answers for it. */
function discoveryKey(s: DaemonSettings): string {
  return settingsDigest([s.targets, s.exclusions, s.communities, s.v3Users]);
}

function credentialSecrets(s: DaemonSettings | undefined): string[] {
  if (!s) return [];
  return [...(s.communities ?? []), ...(s.v3Users ?? []).flatMap((u) => [u.authKey ?? "", u.privKey ?? ""])];
}

function describeTargets(s: DaemonSettings): string {
  const targets = s.targets ?? [];
  if (targets.length === 0) return "no targets in the settings yet";
  const shown = targets.slice(0, 5).join(", ");
  return targets.length > 5 ? `${shown} and ${targets.length - 5} more` : shown;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
