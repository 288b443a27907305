/**
 * `ice run` put together: the portal client, the upload queue, the scan engine and the daemon,
 * sharing one logger whose error lines also feed the health report.
 */
import { readFileSync } from "node:fs";
import { arch, hostname, release, type } from "node:os";
import { parseEnrolmentToken, type ScanFile, scanFileToXml } from "@device-portal/protocol";
import packageJson from "../../package.json" with { type: "json" };
import type { RunOptions } from "../commands/run-command.ts";
import type { FileLogger } from "../log-file.ts";
import { loadProfiles } from "../profiles/catalog.ts";
import { redactUrl } from "../upload/errors.ts";
import { PortalClient } from "../upload/portal-client.ts";
import { UploadQueue } from "../upload/upload-queue.ts";
import { CollectorDaemon } from "./daemon.ts";
import { ErrorRing } from "./error-ring.ts";
import type { DaemonPortal, DaemonQueue } from "./ports.ts";
import { engineScanner } from "./scanner.ts";
import { type CollectorSettings, readSettings } from "./settings.ts";

export const iceVersion: string = packageJson.version;

export interface RunningCollector {
  daemon: CollectorDaemon<CollectorSettings>;
  /** Resolves once stopped: "failed" when the daemon ended on an unexpected error. */
  run(): Promise<"stopped" | "failed">;
  /** Clean shutdown: the daemon's, then the queue and the connections. Idempotent. */
  stop(): Promise<void>;
}

/** Builds the collector; throws for settings it cannot start with (the caller exits 1). */
export async function startCollector(options: RunOptions, fileLog: FileLogger): Promise<RunningCollector> {
  // A malformed token can never enrol: say so now instead of retrying forever.
  parseEnrolmentToken(options.token);
  const ca = options.caFile === undefined ? undefined : readCa(options.caFile);
  fileLog.addSecrets(...proxyPasswords(options.proxy));

  const errors = new ErrorRing({ redact: (text) => fileLog.redact(text) });
  const log = errors.wrap(fileLog);
  const os = `${type()} ${release()} (${arch()})`;
  const identity = { hostname: hostname(), os, version: iceVersion };
  log.info(
    `ICE ${iceVersion} starting (pid ${process.pid}, Node ${process.version}), portal ${redactUrl(options.portal)}` +
      `${options.allowHttpFallback ? ", plain-HTTP fallback allowed" : ""}`,
  );

  let lastWarnings = "";
  const settingsOf = (raw: unknown): CollectorSettings => {
    const warnings: string[] = [];
    const settings = readSettings(raw, (m) => warnings.push(m));
    // The same settings come back with every check-in: warn about them once.
    const key = warnings.join("\n");
    if (key !== lastWarnings) for (const w of warnings) log.warn(w);
    lastWarnings = key;
    return settings;
  };

  let daemon: CollectorDaemon<CollectorSettings> | undefined;
  const client = new PortalClient({
    portalUrl: options.portal.href,
    fallbackUrl: options.allowHttpFallback ? undefined : null,
    ca,
    proxy: options.proxy,
    logger: log,
    userAgent: `DevicePortal-ICE/${iceVersion}`,
    // Settings also come with acks: the daemon uses the newest from its next scan on.
    onSettings: (raw) => daemon?.offerSettings(settingsOf(raw)),
  });
  const queue = new UploadQueue({ client, logger: log });

  const portal: DaemonPortal<CollectorSettings> = {
    async enrol(signal) {
      const enrolment = await abortable(client.enrol(options.token, identity), signal);
      return {
        collectorId: enrolment.collectorId,
        settings: settingsOf(enrolment.settings),
        secrets: [enrolment.key.toString("base64"), enrolment.key.toString("base64url")],
      };
    },
    async checkin(health, signal) {
      return settingsOf(await abortable(client.checkin(health), signal));
    },
  };
  const daemonQueue: DaemonQueue = {
    enqueue: (scan) => void queue.add(scan),
    get size() {
      return queue.stats().scans;
    },
    async flush(timeoutMs) {
      queue.retryNow();
      await withTimeout(queue.idle(), timeoutMs);
    },
    portalReachable: () => queue.retryNow(),
  };

  daemon = new CollectorDaemon<CollectorSettings>({
    portal,
    queue: daemonQueue,
    scanner: engineScanner({
      log,
      profiles: loadProfiles(),
      ...(options.snmpPort !== undefined && { port: options.snmpPort }),
    }),
    encodeScan: (scan) => scanFileToXml(scan as unknown as ScanFile),
    log,
    errors,
    addSecrets: (...s) => fileLog.addSecrets(...s),
    version: iceVersion,
    host: { hostname: identity.hostname, os },
  });

  const running = daemon;
  let stopped: Promise<void> | undefined;
  return {
    daemon: running,
    run: () => running.run(),
    stop() {
      stopped ??= (async () => {
        await running.stop();
        const lost = await withTimeout(queue.close(), 2000);
        if (lost && lost.length > 0) log.debug(`${lost.length} scan(s) left in the upload queue`);
        await withTimeout(client.close(), 2000);
      })();
      return stopped;
    },
  };
}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read the --ca file ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    throw new Error(`the --ca file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return pem;
}

/** The passwords of the proxy URLs ICE may use (option or environment), to keep them out of the log. */
function proxyPasswords(explicit: string | undefined): string[] {
  const env = process.env;
  const out: string[] = [];
  for (const text of [explicit, env.https_proxy, env.HTTPS_PROXY, env.http_proxy, env.HTTP_PROXY]) {
    if (!text) continue;
    try {
      const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
      if (url.password) out.push(url.password, decodeURIComponent(url.password));
    } catch {
      // Not a URL: the portal client reports it.
    }
  }
  return out;
}

/** `promise`, or a rejection as soon as `signal` aborts (the call itself goes on and is ignored). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** `promise`'s value, or undefined after `ms` (an unref'd timer: it never keeps the process alive). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
