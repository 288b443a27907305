import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { netnsSkipReason, runInNetns } from "../testing/netns.ts";
import type { ScanResult } from "./result.ts";

/**
 * Ping where it means something: inside a network namespace whose nftables rules drop every
 * address of 127.0.60.0/24 but two, the silent ones answer no ping and get no SNMP probe.
 */

const script = new URL("./netns-discovery.fixture.ts", import.meta.url).pathname;

describe("discovery with ping against silent hosts", { skip: netnsSkipReason() }, () => {
  for (const method of ["fping", "ping"] as const) {
    test(`${method}: the 28 silent addresses are "no ping reply" and cost no SNMP packet`, async () => {
      const run = await runInNetns({
        subnet: "127.0.60.0/24",
        answering: ["127.0.60.10", "127.0.60.11"],
        script,
        args: [method],
        timeoutMs: 30_000,
      });
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as ScanResult;
      assert.deepEqual(result.report[0], {
        target: "127.0.60.0/27",
        addresses: 30,
        pinged: 30,
        answeredPing: 2,
        noPing: 28,
        answeredSnmp: 2,
        noSnmp: 0,
        printers: 1,
        notPrinter: 1,
        skipped: { "no-ping-reply": 28, "not-printer": 1 },
      });
      assert.deepEqual(
        result.devices.map((d) => d.record.ip),
        ["127.0.60.10"],
      );
      // 2 tries (timeout, one retry) for each silent address, 1 for each answering one.
      assert.ok(result.traffic.pingPackets >= 30 && result.traffic.pingPackets <= 28 * 2 + 2);
      const probed = result.devices.reduce((n, d) => n + d.traffic.packetsSent, 0);
      assert.ok(result.traffic.snmpPacketsSent - probed < 10, "SNMP went only to the two that answered ping");
      assert.ok(result.notes.some((n) => n.includes(`pinged with ${method}`)));
    });
  }
});
