import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createMemoryLogger } from "../log.ts";
import { settingsDigest } from "../scan/scan-file.ts";
import { CollectorDaemon, type DaemonOptions } from "./daemon.ts";
import { ErrorRing } from "./error-ring.ts";
import { FakeClock, settle } from "./fake-clock.ts";
import type {
  DaemonSettings,
  Enrolment,
  Health,
  KnownDevice,
  QueuedScan,
  ScanDocument,
  ScanKind,
  ScanRun,
} from "./ports.ts";

/** The daemon's logic on a fake clock: days of schedule in milliseconds, every dependency a fake. */

const MIN = 60_000;

interface ScanCall {
  kind: ScanKind;
  at: number;
  endedAt?: number;
  settings: DaemonSettings;
  devices: KnownDevice[];
  aborted: boolean;
}

function harness(
  options: {
    settings?: DaemonSettings;
    enrolFailures?: number;
    scanMinutes?: Partial<Record<ScanKind, number>>;
    found?: KnownDevice[];
    queueFlushes?: boolean;
  } = {},
) {
  const clock = new FakeClock();
  const log = createMemoryLogger("debug");
  const errors = new ErrorRing({ now: () => clock.now() });
  const secrets: string[] = [];
  const calls: ScanCall[] = [];
  const checkins: Health[] = [];
  const enrolAt: number[] = [];
  const docs: ScanDocument[] = [];
  const queued: QueuedScan[] = [];
  let running = 0;
  let maxRunning = 0;
  let enrolFailures = options.enrolFailures ?? 0;
  let portalSettings: DaemonSettings = options.settings ?? { version: 1, targets: ["127.0.10.0/29"] };
  const portal = {
    checkinFails: false as false | "down" | "unauthorized",
    async enrol(): Promise<Enrolment<DaemonSettings>> {
      enrolAt.push(clock.now());
      if (enrolFailures > 0) {
        enrolFailures--;
        throw new Error("connect ECONNREFUSED 127.0.0.1:443");
      }
      return { collectorId: "col-1", settings: portalSettings, secrets: ["collector-key-base64"] };
    },
    async checkin(health: Health): Promise<DaemonSettings> {
      checkins.push(health);
      if (portal.checkinFails === "down") throw new Error("fetch failed");
      if (portal.checkinFails === "unauthorized") {
        portal.checkinFails = false;
        throw Object.assign(new Error("401 unknown key"), { status: 401 });
      }
      return portalSettings;
    },
    needsEnrolment: (err: unknown) => (err as { status?: number }).status === 401,
  };
  const scanRun = (kind: ScanKind, settings: DaemonSettings, devices: KnownDevice[], signal: AbortSignal) => {
    const call: ScanCall = { kind, at: clock.now(), settings, devices, aborted: false };
    calls.push(call);
    running++;
    maxRunning = Math.max(maxRunning, running);
    const minutes = options.scanMinutes?.[kind] ?? 1;
    return new Promise<ScanRun>((resolve, reject) => {
      const finish = () => {
        running--;
        call.endedAt = clock.now();
        const found = kind === "discovery" ? (options.found ?? []) : devices;
        resolve({
          startedAt: new Date(call.at),
          endedAt: new Date(clock.now()),
          ranges: [],
          devices: found.map((d) => ({ credential: d.credential, device: { ip: d.ip } })),
        });
      };
      const timer = clock.setTimeout(finish, minutes * MIN);
      signal.addEventListener("abort", () => {
        clock.clearTimeout(timer);
        running--;
        call.aborted = true;
        reject(new Error("aborted"));
      });
    });
  };
  const queue = {
    flushCalls: [] as number[],
    get size() {
      return queued.length;
    },
    enqueue(scan: QueuedScan) {
      queued.push(scan);
    },
    async flush(timeoutMs: number) {
      queue.flushCalls.push(timeoutMs);
      if (options.queueFlushes === false) return new Promise<void>(() => {}); // never answers
      queued.length = 0;
    },
  };
  let n = 0;
  const daemonOptions: DaemonOptions<DaemonSettings> = {
    portal,
    queue,
    scanner: {
      discovery: (settings, signal) => scanRun("discovery", settings, [], signal),
      refresh: (settings, devices, signal) => scanRun("refresh", settings, devices, signal),
    },
    encodeScan: (doc) => {
      docs.push(doc);
      return `<scan scanId="${doc.scanId}"/>`;
    },
    log: errors.wrap(log),
    errors,
    addSecrets: (...s) => secrets.push(...s.filter((x): x is string => !!x)),
    version: "0.1.0-test",
    clock,
    random: () => 0.5,
    newScanId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
    host: { hostname: "test-host", os: "Linux" },
  };
  const daemon = new CollectorDaemon(daemonOptions);
  return {
    clock,
    daemon,
    log,
    calls,
    checkins,
    enrolAt,
    docs,
    queued,
    queue,
    portal,
    secrets,
    maxRunning: () => maxRunning,
    setPortalSettings: (s: DaemonSettings) => {
      portalSettings = s;
    },
    /** Scan starts as [kind, minutes since the daemon started]. */
    timeline: () => calls.map((c) => [c.kind, (c.at - daemon.startedAt.getTime()) / MIN] as const),
  };
}

const printers: KnownDevice[] = [
  { ip: "127.0.10.1", credential: 0 },
  { ip: "127.0.10.2", credential: 1 },
];

describe("CollectorDaemon", () => {
  test("enrols with backoff while the portal is unreachable, then discovers at once", async () => {
    const h = harness({ enrolFailures: 3 });
    const done = h.daemon.run();
    await h.clock.advance(0);
    assert.equal(h.daemon.state, "enrolling");
    await h.clock.advance(15_000);
    // Waits of 2, 4 and 8 s (jitter 0.5 → ×1.0), then success.
    const base = h.daemon.startedAt.getTime();
    assert.deepEqual(
      h.enrolAt.map((t) => t - base),
      [0, 2000, 6000, 14_000],
    );
    assert.equal(h.daemon.state, "running");
    assert.deepEqual(h.timeline(), [["discovery", 14_000 / MIN]]);
    assert.equal(h.log.lines.filter((l) => l.startsWith("warn: enrolment failed")).length, 3);
    assert.ok(h.secrets.includes("collector-key-base64"));
    await h.daemon.stop();
    await done;
  });

  test("the backoff grows to its cap", async () => {
    const h = harness({ enrolFailures: 12 });
    const done = h.daemon.run();
    await h.clock.advance(60 * MIN);
    const gaps = h.enrolAt.slice(1).map((t, i) => t - (h.enrolAt[i] as number));
    assert.deepEqual(gaps.slice(0, 9), [2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]);
    await h.daemon.stop();
    await done;
  });

  test("discovery at start and every 720 min, refresh of its printers every 20 min", async () => {
    const h = harness({ found: printers });
    const done = h.daemon.run();
    await h.clock.advance(24 * 60 * MIN);
    const discoveries = h.timeline().filter(([k]) => k === "discovery");
    const refreshes = h.timeline().filter(([k]) => k === "refresh");
    assert.deepEqual(
      discoveries.map(([, m]) => m),
      [0, 720, 1440],
    );
    // One refresh per 20-minute slot; at 720 it follows the discovery (1 min) and keeps its slot.
    for (let slot = 20; slot <= 1420; slot += 20) {
      const inSlot = refreshes.filter(([, m]) => m >= slot && m <= slot + 1);
      assert.equal(inSlot.length, 1, `slot ${slot}`);
    }
    assert.equal(refreshes.length, 71);
    assert.deepEqual(h.calls.find((c) => c.kind === "refresh")?.devices, printers);
    assert.equal(h.maxRunning(), 1);
    // Every scan went to the queue as a scan file with the health.
    assert.equal(h.queued.length, h.calls.filter((c) => c.endedAt !== undefined).length);
    const last = h.docs.at(-1) as ScanDocument;
    assert.equal(last.collector.id, "col-1");
    assert.equal(last.health.version, "0.1.0-test");
    assert.equal(last.health.lastScanDevices, 2);
    assert.ok(last.health.lastDiscoveryAt && last.health.lastRefreshAt);
    assert.equal(last.settingsDigest, settingsDigest({ version: 1, targets: ["127.0.10.0/29"] }));
    await h.daemon.stop();
    await done;
  });

  test("a restarted collector refreshes the portal's known devices at once, then discovers", async () => {
    const h = harness({ settings: { version: 4, targets: ["127.0.10.0/29"], knownDevices: printers } });
    const done = h.daemon.run();
    await h.clock.advance(30 * MIN);
    assert.deepEqual(h.timeline().slice(0, 3), [
      ["refresh", 0],
      ["discovery", 1],
      ["refresh", 20],
    ]);
    assert.deepEqual(h.calls[0]?.devices, printers);
    await h.daemon.stop();
    await done;
  });

  test("a refresh due during a discovery waits for it: never two scans at once", async () => {
    const h = harness({ found: printers, scanMinutes: { discovery: 50, refresh: 2 } });
    const done = h.daemon.run();
    await h.clock.advance(3 * 60 * MIN);
    assert.equal(h.maxRunning(), 1);
    const [first, second, third] = h.calls;
    assert.equal(first?.kind, "discovery");
    assert.equal(second?.kind, "refresh");
    assert.equal(second?.at, first?.endedAt, "the refresh starts when the discovery ends");
    // The refreshes keep their 20-minute slots: the late one does not shift the next (60 min).
    assert.equal(((third?.at as number) - h.daemon.startedAt.getTime()) / MIN, 60);
    await h.daemon.stop();
    await done;
  });

  test("checks in before scans with the health, and is the heartbeat when nothing is known", async () => {
    const h = harness();
    const done = h.daemon.run();
    await h.clock.advance(61 * MIN);
    // Enrolment at 0 is fresh contact; check-ins at each refresh slot (20, 40, 60) though nothing to refresh.
    assert.equal(h.checkins.length, 3);
    const health = h.checkins.at(-1) as Health;
    assert.equal(health.version, "0.1.0-test");
    assert.equal(health.startedAt, h.daemon.startedAt.toISOString());
    assert.equal(health.lastScanDevices, 0);
    assert.ok(health.lastDiscoveryAt);
    assert.equal(health.lastRefreshAt, undefined);
    assert.equal(health.queuedScans, 1);
    assert.deepEqual(health.errors, []);
    assert.deepEqual(h.timeline(), [["discovery", 0]]);
    await h.daemon.stop();
    await done;
  });

  test("new settings take effect at the next scan; new targets make a discovery due", async () => {
    const h = harness({ found: printers, scanMinutes: { discovery: 5, refresh: 1 } });
    const done = h.daemon.run();
    await h.clock.advance(MIN);
    // Settings change while the first discovery runs: it keeps its own settings.
    h.setPortalSettings({ version: 2, targets: ["127.0.10.0/29"], refreshIntervalMinutes: 5 });
    h.daemon.offerSettings({ version: 2, targets: ["127.0.10.0/29"], refreshIntervalMinutes: 5 });
    await h.clock.advance(30 * MIN);
    assert.equal(h.calls[0]?.settings.version, 1);
    const refreshes = h.calls.filter((c) => c.kind === "refresh");
    assert.equal(refreshes[0]?.settings.version, 2);
    assert.equal(((refreshes[1]?.at as number) - (refreshes[0]?.at as number)) / MIN, 5);

    // An ack brings new targets and a community: discovery at once, with them.
    const before = h.calls.length;
    const v3 = { version: 3, targets: ["127.0.11.0/29"], communities: ["s3cret"], refreshIntervalMinutes: 5 };
    h.setPortalSettings(v3);
    h.daemon.offerSettings(v3);
    await h.clock.advance(10 * MIN);
    const next = h.calls.slice(before);
    assert.equal(next[0]?.kind, "discovery");
    assert.deepEqual(next[0]?.settings.targets, ["127.0.11.0/29"]);
    assert.ok(h.secrets.includes("s3cret"));
    // A late, older answer is ignored.
    h.daemon.offerSettings({ version: 2, targets: ["127.0.10.0/29"] });
    assert.equal(h.daemon.settings?.version, 3);
    await h.daemon.stop();
    await done;
  });

  test("a failed check-in does not stop scanning; an unknown key makes it enrol again", async () => {
    const h = harness({ found: printers });
    const done = h.daemon.run();
    await h.clock.advance(2 * MIN);
    h.portal.checkinFails = "down";
    await h.clock.advance(20 * MIN);
    assert.equal(h.calls.filter((c) => c.kind === "refresh").length, 1);
    assert.ok(h.log.lines.some((l) => l.startsWith("warn: check-in failed: fetch failed")));
    h.portal.checkinFails = "unauthorized";
    await h.clock.advance(20 * MIN);
    assert.equal(h.enrolAt.length, 2);
    assert.ok(h.log.lines.some((l) => l.includes("debug: enrolled again: collector col-1")));
    assert.equal(h.calls.filter((c) => c.kind === "refresh").length, 2);
    await h.daemon.stop();
    await done;
  });

  test("a failing scan is logged as an error and reported in the health", async () => {
    const clock = new FakeClock();
    const errors = new ErrorRing({
      now: () => clock.now(),
      redact: (t) => t.replaceAll("public", "[redacted]"),
    });
    const log = createMemoryLogger();
    const checkins: Health[] = [];
    const daemon = new CollectorDaemon<DaemonSettings>({
      portal: {
        enrol: async () => ({
          collectorId: "c",
          settings: { communities: ["public"], knownDevices: printers },
        }),
        checkin: async (health) => {
          checkins.push(health);
          return { communities: ["public"], knownDevices: printers };
        },
      },
      queue: { size: 0, enqueue: () => {}, flush: async () => {} },
      scanner: {
        discovery: async () => {
          throw new Error("no permission to ping (community public)");
        },
        refresh: async () => {
          throw new Error("socket closed");
        },
      },
      encodeScan: () => "",
      log: errors.wrap(log),
      errors,
      version: "t",
      clock,
    });
    const done = daemon.run();
    await clock.advance(21 * MIN);
    assert.deepEqual(
      checkins.at(-1)?.errors.map((l) => l.replace(/^\S+ /, "")),
      [
        "refresh scan failed: socket closed",
        "discovery scan failed: no permission to ping (community [redacted])",
      ],
    );
    await daemon.stop();
    await done;
  });

  test("stop aborts the running scan, uploads nothing of it, flushes the queue, leaves no timer", async () => {
    const h = harness({ found: printers, scanMinutes: { discovery: 30, refresh: 1 } });
    const done = h.daemon.run();
    await h.clock.advance(21 * MIN); // first discovery still running
    assert.equal(h.daemon.scanning, "discovery");
    h.queued.push({ scanId: "earlier", kind: "refresh", xml: "<scan/>" });
    await h.daemon.stop();
    await done;
    assert.equal(h.daemon.state, "stopped");
    assert.equal(h.calls[0]?.aborted, true);
    assert.equal(h.docs.length, 0);
    assert.deepEqual(h.queue.flushCalls, [5000]);
    assert.equal(h.queued.length, 0);
    assert.equal(h.clock.pending, 0);
    // Nothing happens after a stop.
    await h.clock.advance(24 * 60 * MIN);
    assert.equal(h.calls.length, 1);
  });

  test("stop gives a stuck queue 5 s, not more", async () => {
    const h = harness({ queueFlushes: false });
    const done = h.daemon.run();
    await h.clock.advance(2 * MIN);
    assert.equal(h.queued.length, 1);
    let stopped = false;
    const stopping = h.daemon.stop().then(() => {
      stopped = true;
    });
    await h.clock.advance(4900);
    assert.equal(stopped, false);
    await h.clock.advance(200);
    assert.equal(stopped, true);
    await stopping;
    await done;
    assert.ok(h.log.lines.some((l) => l.includes("stopping with 1 scan(s) not uploaded")));
  });

  test("stop while an enrolment request hangs: run() and stop() still end, within the abort bound", async () => {
    const clock = new FakeClock();
    const daemon = new CollectorDaemon<DaemonSettings>({
      portal: {
        enrol: () => new Promise(() => {}), // never answers, ignores the signal
        checkin: async () => ({}),
      },
      queue: { size: 0, enqueue: () => {}, flush: async () => {} },
      scanner: { discovery: async () => assert.fail(), refresh: async () => assert.fail() },
      encodeScan: () => "",
      log: createMemoryLogger(),
      version: "t",
      clock,
    });
    let ran = false;
    const done = daemon.run().then(() => {
      ran = true;
    });
    await clock.advance(1000);
    const stopping = daemon.stop();
    await clock.advance(5000);
    await stopping;
    await done;
    assert.equal(ran, true);
    assert.equal(daemon.state, "stopped");
  });

  test('an unexpected error ends run() with "failed", logged as an error', async () => {
    const clock = new FakeClock();
    const log = createMemoryLogger();
    const daemon = new CollectorDaemon<DaemonSettings>({
      portal: { enrol: async () => ({ collectorId: "c", settings: {} }), checkin: async () => ({}) },
      queue: {
        size: 0,
        enqueue: () => {
          throw new TypeError("queue bug");
        },
        flush: async () => {},
      },
      scanner: {
        discovery: async () => ({ startedAt: new Date(), endedAt: new Date(), ranges: [], devices: [] }),
        refresh: async () => assert.fail(),
      },
      encodeScan: () => "<scan/>",
      log,
      version: "t",
      clock,
    });
    const outcome = daemon.run();
    await clock.advance(1000);
    assert.equal(await outcome, "failed");
    assert.ok(
      log.lines.some((l) =>
        l.startsWith("error: the collector stopped on an unexpected error: TypeError: queue bug"),
      ),
    );
    await daemon.stop();
  });

  test("stop while enrolment is still failing ends at once", async () => {
    const h = harness({ enrolFailures: 1000 });
    const done = h.daemon.run();
    await h.clock.advance(10 * MIN);
    const attempts = h.enrolAt.length;
    await h.daemon.stop();
    await done;
    await settle();
    assert.equal(h.daemon.state, "stopped");
    assert.equal(h.clock.pending, 0);
    assert.deepEqual(h.queue.flushCalls, []);
    await h.clock.advance(60 * MIN);
    assert.equal(h.enrolAt.length, attempts);
  });
});
