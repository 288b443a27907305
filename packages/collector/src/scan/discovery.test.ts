import assert from "node:assert/strict";
import dgram from "node:dgram";
import { after, before, describe, test } from "node:test";
import { parseScanTargets } from "../discover/targets.ts";
import { createMemoryLogger } from "../log.ts";
import { runDiscovery } from "./discovery.ts";
import { formatReport, type ScanResult } from "./result.ts";
import { type SimulatedNetwork, serveDevices, switchRecording } from "./testing.ts";

/**
 * Discovery over real UDP: a /24 on loopback where the simulator serves five addresses and the
 * rest is unused. Every 127.x address answers ping, so SNMP behaviour is tested without ping.
 */

const communities = ["north", "east", "west"];
const v3Users = [{ name: "monitor", authProtocol: "sha" as const, authKey: "monitor-auth-key" }];
const fast = { discoveryTimeoutMs: 200, timeoutMs: 1000, retries: 0 };

let net: SimulatedNetwork;
before(async () => {
  net = await serveDevices([
    { address: "127.0.42.10", community: "east", recording: "generic-color-mfp.snmprec" },
    { address: "127.0.42.11", community: "west", recording: "generic-mono-printer.snmprec" },
    {
      address: "127.0.42.12",
      community: "north",
      recording: "generic-mono-printer.snmprec",
      faults: { v1Only: true },
    },
    { address: "127.0.42.13", community: "east", recording: switchRecording },
    { address: "127.0.42.14", community: "secret", recording: "generic-color-mfp.snmprec" },
  ]);
});
after(() => net.close());

describe("discovery of a /24 without ping", () => {
  let result: ScanResult;
  const log = createMemoryLogger("info");
  before(async () => {
    result = await runDiscovery({
      targets: parseScanTargets({ targets: ["127.0.42.0/24"] }),
      port: net.port,
      settings: { communities, v3Users, ping: { enabled: false }, snmp: fast },
      log,
    });
  });

  test("finds exactly the simulated printers, each with the credential that works", () => {
    assert.deepEqual(
      result.devices.map((d) => [d.record.ip, d.credential, d.snmpVersion]),
      [
        ["127.0.42.10", 1, "2c"],
        ["127.0.42.11", 2, "2c"],
        ["127.0.42.12", 0, "1"], // v1 only: v2c got no answer, v1 did
      ],
    );
    const mfp = result.devices[0]?.record;
    assert.equal(mfp?.model, "Generic Imaging C4500");
    assert.equal(mfp?.serial, "GIC4500X71234");
    assert.equal(mfp?.mac, "00:00:5e:00:53:21", "a discovery reads in full");
    assert.ok((mfp?.counters.total ?? 0) > 0);
  });

  test("the switch is reported as answering but not a printer", () => {
    assert.deepEqual(result.others, [
      {
        ip: "127.0.42.13",
        credential: 1,
        sysDescr: "Example 24-port managed switch, firmware 3.1",
        sysObjectId: "1.3.6.1.4.1.32473.9.1",
      },
    ]);
  });

  test("the report accounts for every address and says why it was skipped", () => {
    const [range] = result.report;
    assert.deepEqual(range, {
      target: "127.0.42.0/24",
      addresses: 254,
      pinged: 0,
      answeredPing: 0,
      noPing: 0,
      answeredSnmp: 4,
      noSnmp: 250,
      printers: 3,
      notPrinter: 1,
      skipped: { "no-snmp-answer": 250, "not-printer": 1 },
    });
    assert.deepEqual({ ...result.totals, target: range?.target }, range);
    const text = formatReport(result).join("\n");
    assert.match(text, /127\.0\.42\.0\/24: 254 addresses, 4 answered SNMP, 3 printers/);
    assert.match(text, /not read: 250 no SNMP answer to any credential, 1 answers SNMP but is not a printer/);
    assert.match(text, /ping off/);
  });

  test("traffic is counted per device and in total", () => {
    for (const d of result.devices) {
      assert.ok(d.traffic.bytesSent > 0 && d.traffic.bytesReceived > d.traffic.bytesSent);
    }
    const perDevice = result.devices.reduce((n, d) => n + d.traffic.bytesReceived, 0);
    assert.ok(result.traffic.snmpBytesReceived >= perDevice);
    // Unused addresses cost one datagram per try: 3 communities × 2 versions + 1 v3 user.
    assert.ok(result.traffic.snmpPacketsSent >= 250 * 7);
    assert.equal(result.traffic.pingPackets, 0);
    assert.match(result.scanId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(result.startedAt <= result.endedAt);
  });
});

describe("ping", () => {
  const targets = () => parseScanTargets({ targets: ["127.0.42.8/29"] }); // .9–.14
  const settings = { communities, ping: { enabled: true, timeoutMs: 300, retries: 0 }, snmp: fast };

  test("with fping: every loopback address answers, the printers are found", async () => {
    const log = createMemoryLogger("info");
    const result = await runDiscovery({ targets: targets(), port: net.port, settings, log });
    const [range] = result.report;
    assert.equal(range?.pinged, 6);
    assert.equal(range?.answeredPing, 6);
    assert.equal(range?.printers, 3);
    assert.ok(result.traffic.pingPackets >= 6);
    assert.ok(result.notes.some((n) => /pinged with (fping|ping)/.test(n)));
  });

  test("fping missing: a clear log line, then /bin/ping", async () => {
    const log = createMemoryLogger("info");
    const result = await runDiscovery({
      targets: targets(),
      port: net.port,
      settings,
      log,
      pingTools: { fping: "/nonexistent/fping" },
    });
    assert.ok(log.lines.some((l) => l.includes("fping not found (/nonexistent/fping")));
    assert.ok(result.notes.some((n) => n.startsWith("pinged with ping")));
    assert.equal(result.report[0]?.answeredPing, 6);
    assert.equal(result.report[0]?.printers, 3);
  });

  test("no ping tool at all: every address gets the SNMP probe", async () => {
    const log = createMemoryLogger("info");
    const result = await runDiscovery({
      targets: targets(),
      port: net.port,
      settings,
      log,
      pingTools: { fping: false, ping: false },
    });
    assert.ok(log.lines.some((l) => l.includes("no usable ping tool")));
    assert.equal(result.report[0]?.pinged, 0);
    assert.equal(result.report[0]?.printers, 3);
  });

  test("a ping tool that fails when run: the next one takes over", async () => {
    const log = createMemoryLogger("info");
    // ls refuses fping's options: not a working fping, whatever its exit code.
    const result = await runDiscovery({
      targets: targets(),
      port: net.port,
      settings: { ...settings, ping: { ...settings.ping, method: "auto" } },
      log,
      pingTools: { fping: "/bin/ls" },
    });
    assert.ok(log.lines.some((l) => /fping \(\/bin\/ls\) failed/.test(l)));
    assert.equal(result.report[0]?.answeredPing, 6);
  });
});

describe("packet rate", () => {
  test("a silent /25 at 300 packets/s: no second carries more than 300 + the burst", async () => {
    // A sink on every loopback address at one port: it receives the probes and never answers.
    const sink = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => sink.bind(0, "0.0.0.0", () => resolve()));
    const arrivals: number[] = [];
    sink.on("message", () => arrivals.push(performance.now()));
    const result = await runDiscovery({
      targets: parseScanTargets({ targets: ["127.0.43.0/25"] }),
      port: sink.address().port,
      settings: {
        communities: ["public"],
        ping: { enabled: false },
        snmp: { discoveryTimeoutMs: 200, retries: 1 },
        packetsPerSecond: 300,
      },
    });
    sink.close();
    // 126 addresses × (v2c, v1) × (1 try + 1 retry).
    assert.equal(result.traffic.snmpPacketsSent, 126 * 4);
    assert.equal(arrivals.length, 126 * 4);
    let busiest = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while ((arrivals[i] as number) - (arrivals[j] as number) > 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    assert.ok(busiest <= 300 + 3 + 5, `busiest second carried ${busiest} packets`);
    assert.equal(result.report[0]?.skipped["no-snmp-answer"], 126);
  });
});

describe("cancellation and memory", () => {
  test("an abort stops a /16 promptly, having read only the addresses in flight", async () => {
    let pulled = 0;
    const targets = parseScanTargets({ targets: ["127.2.0.0/16"] });
    const counted = {
      count: targets.count,
      targets: targets.targets,
      *addressNumbers() {
        for (const n of targets.addressNumbers()) {
          pulled++;
          yield n;
        }
      },
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 500);
    const started = performance.now();
    await assert.rejects(
      runDiscovery({
        targets: counted,
        port: 9, // nothing listens: every probe would wait for its timeout
        settings: {
          ping: { enabled: false },
          snmp: { discoveryTimeoutMs: 10_000, retries: 0 },
          concurrency: 64,
        },
        signal: controller.signal,
      }),
      /shutting down/,
    );
    assert.ok(performance.now() - started < 5000, "did not wait for the 10 s timeouts");
    // The addresses in flight, plus the one the loop was holding when it stopped.
    assert.ok(pulled <= 64 + 1, `read ${pulled} addresses of 65,534`);
  });

  test("an already aborted signal starts nothing", async () => {
    await assert.rejects(
      runDiscovery({
        targets: parseScanTargets({ targets: ["127.0.42.10"] }),
        signal: AbortSignal.abort(new Error("too late")),
      }),
      /too late/,
    );
  });
});
