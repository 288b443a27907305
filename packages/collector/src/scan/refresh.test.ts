import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseScanTargets } from "../discover/targets.ts";
import { createMemoryLogger } from "../log.ts";
import { runDiscovery } from "./discovery.ts";
import { type KnownDevice, runRefresh } from "./refresh.ts";
import type { ScanResult } from "./result.ts";
import { type SimulatedNetwork, serveDevices } from "./testing.ts";

/** Refresh over real UDP against simulated printers whose counters rise with an injected clock. */

const HOUR = 3_600_000;
let clock = 1_700_000_000_000;
const communities = ["bogus", "east", "west"];
const snmp = { discoveryTimeoutMs: 200, timeoutMs: 500, retries: 0 };

let net: SimulatedNetwork;
before(async () => {
  net = await serveDevices(
    [
      { address: "127.0.45.10", community: "east", recording: "generic-color-mfp.snmprec" },
      {
        address: "127.0.45.11",
        community: "west",
        recording: "generic-mono-printer.snmprec",
        faults: { v1Only: true },
      },
    ],
    { clock: () => clock, pagesPerHour: 600 },
  );
});
after(() => net.close());

describe("refresh of known devices", () => {
  let discovery: ScanResult;
  let refresh: ScanResult;
  before(async () => {
    discovery = await runDiscovery({
      targets: parseScanTargets({ targets: ["127.0.45.10-127.0.45.11"] }),
      port: net.port,
      settings: { communities, ping: { enabled: false }, snmp },
    });
    clock += HOUR;
    const known: KnownDevice[] = discovery.devices.map((d) => ({
      ip: d.record.ip,
      credential: d.credential,
    }));
    refresh = await runRefresh({ devices: known, port: net.port, settings: { communities, snmp } });
  });

  test("reads every known device, with the credential it was found with", () => {
    assert.deepEqual(
      discovery.devices.map((d) => [d.record.ip, d.credential, d.snmpVersion]),
      [
        ["127.0.45.10", 1, "2c"],
        ["127.0.45.11", 2, "1"],
      ],
    );
    assert.deepEqual(
      refresh.devices.map((d) => [d.record.ip, d.credential, d.snmpVersion]),
      [
        ["127.0.45.10", 1, "2c"],
        ["127.0.45.11", 2, "1"],
      ],
    );
    assert.equal(refresh.kind, "refresh");
    assert.deepEqual(refresh.report[0]?.skipped, {});
  });

  test("counters rose with the hour of printing", () => {
    for (const [i, d] of refresh.devices.entries()) {
      const before = discovery.devices[i]?.record.counters.total ?? 0;
      const now = d.record.counters.total ?? 0;
      assert.ok(now >= before + 500, `${d.record.ip}: total ${before} → ${now}`);
    }
  });

  test("no credential trial: the v2c device costs not one unanswered datagram", () => {
    const mfp = refresh.devices[0];
    assert.equal(mfp?.traffic.packetsSent, mfp?.traffic.packetsReceived);
    assert.equal(refresh.traffic.pingPackets, 0);
  });

  test("a refresh reads what changes and the serial, not the MAC or the model", () => {
    const r = refresh.devices[0]?.record;
    assert.equal(r?.serial, "GIC4500X71234");
    assert.equal(r?.mac, undefined);
    assert.equal(r?.model, undefined);
    assert.ok((r?.supplies.length ?? 0) > 0);
    assert.ok(r?.status);
    const full = discovery.devices[0]?.traffic.packetsSent ?? 0;
    assert.ok((refresh.devices[0]?.traffic.packetsSent ?? 0) < full, "fewer requests than the full read");
  });
});

describe("refresh: devices that cannot be read", () => {
  test("unknown credential, silent device and a duplicate are reported, not thrown", async () => {
    const log = createMemoryLogger("warn");
    const result = await runRefresh({
      devices: [
        { ip: "127.0.45.10", credential: 1, snmpVersion: "2c" },
        { ip: "127.0.45.10", credential: 1 },
        { ip: "127.0.45.12", credential: 1 }, // nothing there
        { ip: "127.0.45.11", credential: 7 }, // no such credential
      ],
      port: net.port,
      settings: { communities, snmp },
      log,
    });
    assert.deepEqual(
      result.devices.map((d) => d.record.ip),
      ["127.0.45.10"],
    );
    assert.deepEqual(result.report[0], {
      target: "known devices",
      addresses: 3,
      pinged: 0,
      answeredPing: 0,
      noPing: 0,
      answeredSnmp: 1,
      noSnmp: 1,
      printers: 1,
      notPrinter: 0,
      skipped: { "no-snmp-answer": 1, "unknown-credential": 1 },
    });
    assert.ok(result.notes.some((n) => n.includes("listed twice")));
    assert.ok(log.lines.some((l) => l.includes("credential 7 is not in the settings")));
  });

  test("cancelled: rejects with the reason", async () => {
    const controller = new AbortController();
    const devices = Array.from({ length: 50 }, (_, i) => ({ ip: `127.0.45.${100 + i}`, credential: 0 }));
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await assert.rejects(
      runRefresh({
        devices,
        port: net.port,
        settings: { communities, snmp: { timeoutMs: 10_000, retries: 0 } },
        signal: controller.signal,
      }),
      /stop/,
    );
  });
});
