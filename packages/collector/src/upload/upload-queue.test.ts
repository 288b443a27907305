import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createMemoryLogger } from "../log.ts";
import { type FakePortal, startFakePortal } from "../testing/fake-portal.ts";
import { createTestPki, pkiSkipReason, type TestPki } from "../testing/fake-portal-pki.ts";
import { PortalError } from "./errors.ts";
import type { ScanAck } from "./portal-client.ts";
import { PortalClient } from "./portal-client.ts";
import { type QueueEntry, type QueueTimers, type ScanUploader, UploadQueue } from "./upload-queue.ts";

const identity = { hostname: "ice-host", os: "linux", version: "0.1.0" };
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;
const scanXml = (id: string, extra = "") => `<scan scanId="${id}">${extra}</scan>`;

/** Timers the test moves by hand. */
class ManualTimers implements QueueTimers {
  time = 1_000_000;
  delays: number[] = [];
  #pending = new Set<{ at: number; callback: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.delays.push(ms);
    const timer = { at: this.time + ms, callback };
    this.#pending.add(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as { at: number; callback: () => void });
  }
  get pending(): number {
    return this.#pending.size;
  }
  /** Moves the clock and runs what fell due, then lets the promises settle. */
  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const timer of [...this.#pending])
      if (timer.at <= this.time) {
        this.#pending.delete(timer);
        timer.callback();
      }
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Real timers shortened to 1 ms, recording the delays the queue asked for. */
function recordingTimers(): QueueTimers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout: (callback, ms) => {
      delays.push(ms);
      return setTimeout(callback, 1);
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

/** An uploader that fails with `error` while `failing` is true, and records the calls. */
function scriptedUploader(error: unknown): ScanUploader & { calls: string[]; failing: boolean } {
  const uploader = {
    calls: [] as string[],
    failing: true,
    async uploadScan(scanId: string): Promise<ScanAck> {
      uploader.calls.push(scanId);
      if (uploader.failing) throw error;
      return { scanId, stored: true };
    },
  };
  return uploader;
}

describe("UploadQueue with the real client and portal", { skip: pkiSkipReason() }, () => {
  let pki: TestPki;
  let portal: FakePortal;
  let client: PortalClient;

  before(async () => {
    pki = createTestPki();
    portal = await startFakePortal({ tls: pki.server });
    client = new PortalClient({ portalUrl: portal.url, ca: pki.ca.cert, proxy: false, fallbackUrl: null });
    await client.enrol(portal.token, identity);
  });
  after(async () => {
    await client.close();
    await portal.close();
    pki.remove();
  });

  it("retries 500s with exponential backoff and jitter, then gets the ack", async () => {
    const timers = recordingTimers();
    const acks: ScanAck[] = [];
    const logger = createMemoryLogger();
    const queue = new UploadQueue({
      client,
      timers,
      random: () => 0.5,
      initialDelayMs: 1000,
      jitter: 0.5,
      logger,
      onAck: (_scan, ack) => acks.push(ack),
    });
    portal.failNext("scans", { kind: "status", status: 500 }, 3);
    const id = uuid(1);
    queue.add({ scanId: id, kind: "refresh", xml: scanXml(id) });
    await queue.idle();
    // 1000, 2000, 4000 ms, each cut by jitter × random = 0.5 × 0.5 = 25 %.
    assert.deepEqual(timers.delays, [750, 1500, 3000]);
    assert.deepEqual(acks, [{ scanId: id, stored: true }]);
    assert.equal(portal.scans.get(id)?.deliveries, 1);
    assert.equal(
      logger.lines.filter((l) => /^warn: upload of scan .* failed \(portal error 500/.test(l)).length,
      3,
    );
    assert.deepEqual(queue.stats(), {
      scans: 0,
      bytes: 0,
      failures: 0,
      nextAttemptAt: undefined,
      acknowledged: 1,
      dropped: 0,
      lastError: undefined,
    });
    await queue.close();
  });

  it("on a 401 the scan goes through after re-enrolment, without a backoff", async () => {
    const timers = recordingTimers();
    const queue = new UploadQueue({ client, timers });
    const keyBefore = client.enrolment?.keyId;
    portal.failNext("scans", { kind: "status", status: 401, reason: "unknown-key" });
    const id = uuid(2);
    queue.add({ scanId: id, kind: "discovery", xml: scanXml(id) });
    await queue.idle();
    assert.notEqual(client.enrolment?.keyId, keyBefore);
    assert.equal(portal.scans.get(id)?.deliveries, 1);
    assert.deepEqual(timers.delays, []);
    await queue.close();
  });

  it("a duplicate scan is acknowledged with stored=false and leaves the queue", async () => {
    const acks: ScanAck[] = [];
    const queue = new UploadQueue({ client, onAck: (_s, ack) => acks.push(ack) });
    const id = uuid(3);
    queue.add({ scanId: id, kind: "refresh", xml: scanXml(id) });
    await queue.idle();
    queue.add({ scanId: id, kind: "refresh", xml: scanXml(id) });
    await queue.idle();
    assert.deepEqual(acks, [
      { scanId: id, stored: true },
      { scanId: id, stored: false },
    ]);
    assert.equal(queue.stats().scans, 0);
    await queue.close();
  });

  it("drops a scan the portal rejects (400) with an error line and goes on with the next", async () => {
    const logger = createMemoryLogger();
    const queue = new UploadQueue({ client, logger });
    const bad = uuid(4);
    const good = uuid(5);
    queue.add({ scanId: bad, kind: "refresh", xml: scanXml(uuid(99)) });
    queue.add({ scanId: good, kind: "refresh", xml: scanXml(good) });
    await queue.idle();
    assert.equal(portal.scans.has(bad), false);
    assert.equal(portal.scans.has(good), true);
    assert.ok(
      logger.lines.some((l) =>
        l.startsWith(`error: dropped refresh scan ${bad}: the portal will never take it`),
      ),
    );
    assert.equal(queue.stats().dropped, 1);
    await queue.close();
  });

  it("retries a tampered answer instead of taking it as an ack", async () => {
    const timers = recordingTimers();
    const queue = new UploadQueue({ client, timers });
    portal.failNext("scans", { kind: "tamper" });
    const id = uuid(6);
    queue.add({ scanId: id, kind: "refresh", xml: scanXml(id) });
    await queue.idle();
    assert.equal(timers.delays.length, 1);
    assert.equal(portal.scans.get(id)?.deliveries, 2, "sent again; stored once");
    await queue.close();
  });
});

describe("UploadQueue bounds and backoff", () => {
  const down = new PortalError(
    "unreachable",
    "portal unreachable at https://portal.test/: connection refused",
  );

  it("drops the oldest discovery scans first, refresh scans last, and logs each drop", async () => {
    const timers = new ManualTimers();
    const logger = createMemoryLogger();
    const queue = new UploadQueue({ client: scriptedUploader(down), timers, logger, maxScans: 3 });
    const add = (n: number, kind: "discovery" | "refresh") => {
      timers.time += 1000;
      return queue.add({ scanId: `${kind[0]}${n}`, kind, xml: `<scan n="${n}"/>` }).map((e) => e.scanId);
    };
    assert.deepEqual(add(1, "discovery"), []);
    await settle();
    assert.deepEqual(add(1, "refresh"), []);
    assert.deepEqual(add(2, "discovery"), []);
    assert.deepEqual(add(2, "refresh"), ["d1"]); // d1 was being retried: still the oldest discovery
    assert.deepEqual(add(3, "refresh"), ["d2"]);
    assert.deepEqual(add(3, "discovery"), ["d3"], "a new discovery scan does not push out refresh readings");
    assert.deepEqual(add(4, "refresh"), ["r1"], "only refresh scans left: the oldest goes");
    assert.deepEqual(
      queue.list().map((e) => e.scanId),
      ["r2", "r3", "r4"],
    );
    const drops = logger.lines.filter((l) => l.startsWith("warn: upload queue full"));
    assert.equal(drops.length, 4);
    assert.match(
      drops[0] as string,
      /dropped discovery scan d1 \(\d+ bytes, queued 1970-01-01T00:\d\d:\d\d.000Z, 1 attempts\)/,
    );
    assert.equal(queue.stats().dropped, 4);
    await queue.close();
  });

  it("keeps within the byte bound, the same way", async () => {
    const timers = new ManualTimers();
    const queue = new UploadQueue({ client: scriptedUploader(down), timers, maxBytes: 1000 });
    queue.add({ scanId: "r1", kind: "refresh", xml: "r".repeat(600) });
    queue.add({ scanId: "d1", kind: "discovery", xml: "d".repeat(300) });
    assert.deepEqual(
      queue.add({ scanId: "r2", kind: "refresh", xml: "r".repeat(300) }).map((e) => e.scanId),
      ["d1"],
    );
    assert.equal(queue.stats().bytes, 900);
    assert.deepEqual(
      queue.add({ scanId: "big", kind: "refresh", xml: "b".repeat(1001) }).map((e) => e.scanId),
      ["big"],
      "a scan bigger than the whole bound is dropped alone",
    );
    assert.deepEqual(
      queue.list().map((e) => e.scanId),
      ["r1", "r2"],
    );
    assert.equal(queue.stats().bytes, 900);
    await queue.close();
  });

  it("backs off exponentially up to the cap, honours Retry-After, and resets after a success", async () => {
    const timers = new ManualTimers();
    const uploader = scriptedUploader(down);
    const queue = new UploadQueue({
      client: uploader,
      timers,
      initialDelayMs: 1000,
      maxDelayMs: 8000,
      jitter: 0,
    });
    queue.add({ scanId: "r1", kind: "refresh", xml: "<scan/>" });
    await settle();
    for (let i = 0; i < 5; i++) await timers.advance(timers.delays.at(-1) as number);
    assert.deepEqual(timers.delays, [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(uploader.calls.length, 6);
    assert.equal(queue.stats().failures, 6);
    assert.equal(queue.stats().nextAttemptAt, timers.time + 8000);

    // A new scan does not jump the wait; retryNow does.
    queue.add({ scanId: "r2", kind: "refresh", xml: "<scan/>" });
    await settle();
    assert.equal(uploader.calls.length, 6);
    uploader.failing = false;
    queue.retryNow();
    await queue.idle();
    assert.deepEqual(uploader.calls.slice(6), ["r1", "r2"]);
    assert.equal(queue.stats().failures, 0);

    // After the success the backoff starts again at the bottom; a 503's Retry-After wins when longer.
    const busy = new PortalError("server", "portal error 503", { status: 503, retryAfterMs: 30_000 });
    const second = scriptedUploader(busy);
    const other = new UploadQueue({
      client: second,
      timers,
      initialDelayMs: 1000,
      jitter: 0,
      maxDelayMs: 60_000,
    });
    other.add({ scanId: "r3", kind: "refresh", xml: "<scan/>" });
    await settle();
    assert.equal(timers.delays.at(-1), 30_000);
    await other.close();
    await queue.close();
  });

  it("puts the jitter within [delay × (1 − jitter), delay]", async () => {
    for (const random of [0, 0.999]) {
      const timers = new ManualTimers();
      const queue = new UploadQueue({
        client: scriptedUploader(down),
        timers,
        initialDelayMs: 10_000,
        jitter: 0.5,
        random: () => random,
      });
      queue.add({ scanId: "r1", kind: "refresh", xml: "<scan/>" });
      await settle();
      const delay = timers.delays[0] as number;
      assert.ok(delay >= 5000 && delay <= 10_000, `delay ${delay}`);
      await queue.close();
    }
  });

  it("never loses a queued refresh reading while it retries, and close() returns what is left", async () => {
    const timers = new ManualTimers();
    const uploader = scriptedUploader(down);
    const queue = new UploadQueue({ client: uploader, timers, initialDelayMs: 1000, maxDelayMs: 1000 });
    queue.add({ scanId: "r1", kind: "refresh", xml: "<scan/>" });
    for (let i = 0; i < 50; i++) await timers.advance(1000);
    assert.ok(uploader.calls.length >= 50);
    const left: QueueEntry[] = await queue.close();
    assert.deepEqual(
      left.map((e) => [e.scanId, e.kind]),
      [["r1", "refresh"]],
    );
    assert.equal(timers.pending, 0, "no timer left behind");
    assert.throws(() => queue.add({ scanId: "r2", kind: "refresh", xml: "" }), /closed/);
  });
});
