import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createMemoryLogger } from "../log.ts";
import { loadProfiles } from "../profiles/catalog.ts";
import type { Faults } from "../sim/agent.ts";
import { type Simulator, startSimulator } from "../sim/simulator.ts";
import { SnmpBadAnswerError, SnmpNoAnswerError } from "../snmp/errors.ts";
import { type ReadOptions, readDevice } from "./read-device.ts";

/** Real SNMP over UDP to the project's simulator on loopback, one simulator per fault mode. */

const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const colorMfp = join(fixtures, "generic-color-mfp.snmprec");
const profiles = loadProfiles();
const running: Simulator[] = [];

async function serve(file: string, faults?: Faults): Promise<{ port: number; address: string }> {
  const sim = await startSimulator({
    fixtures: [file],
    address: "127.0.0.1",
    port: 0,
    ...(faults && { faults }),
  });
  running.push(sim);
  const agent = sim.agents[0];
  assert.ok(agent);
  return { port: agent.port, address: agent.address };
}

function options(target: { port: number; address: string }, extra: Partial<ReadOptions> = {}): ReadOptions {
  return {
    host: target.address,
    port: target.port,
    communities: ["public"],
    timeoutMs: 300,
    retries: 0,
    log: createMemoryLogger(),
    profiles,
    ...extra,
  };
}

after(async () => {
  await Promise.all(running.map((s) => s.close()));
});

describe("reading a full colour MFP", () => {
  let result: Awaited<ReturnType<typeof readDevice>>;
  before(async () => {
    result = await readDevice(
      options(await serve(colorMfp), { now: () => new Date("2026-06-01T12:00:00Z") }),
    );
  });

  test("identity from the standard MIBs", () => {
    assert.equal(result.kind, "printer");
    if (result.kind !== "printer") return;
    const r = result.record;
    assert.equal(r.ip, "127.0.0.1");
    assert.equal(r.model, "Generic Imaging C4500");
    assert.equal(r.serial, "GIC4500X71234");
    assert.equal(r.mac, "00:00:5e:00:53:21");
    assert.equal(r.name, "MFP-2F-EAST");
    assert.equal(r.location, "Building A, 2nd floor, copy room");
    assert.equal(r.sysObjectId, "1.3.6.1.4.1.32473.2.1");
    assert.equal(r.uptimeSeconds, 934221);
    assert.equal(r.vendor, undefined, "no profile knows enterprise 32473: the vendor is not invented");
  });

  test("counters: Printer-MIB life count with its unit, PWG mono/colour", () => {
    if (result.kind !== "printer") assert.fail("not read");
    const r = result.record;
    assert.equal(r.counterUnit, "impressions");
    assert.equal(r.counters.total, 184233);
    assert.equal(r.counters.sincePowerOn, 1822);
    assert.equal(r.counters.mono, 121507);
    assert.equal(r.counters.color, 62726);
  });

  test("supplies with type, colour, level; -3 stays 'some remaining'", () => {
    if (result.kind !== "printer") assert.fail("not read");
    const byIndex = new Map(result.record.supplies.map((s) => [s.index, s]));
    assert.equal(byIndex.size, 7);
    assert.deepEqual(
      [...byIndex.values()].map((s) => [s.type, s.color ?? "-", s.levelPercent, s.state]),
      [
        ["toner", "black", 64, "ok"],
        ["toner", "cyan", 38, "ok"],
        ["toner", "magenta", 71, "ok"],
        ["toner", "yellow", 8, "low"],
        ["waste", "-", null, "ok"],
        ["drum", "-", 69, "ok"],
        ["fuser", "-", 8, "low"],
      ],
    );
    assert.equal(byIndex.get("1.5")?.class, "receptacle");
    assert.equal(byIndex.get("1.6")?.maxCapacity, 60000);
    assert.equal(byIndex.get("1.6")?.unit, "impressions");
    assert.equal(byIndex.get("1.1")?.partNumber, "GT-45K");
  });

  test("status and alerts", () => {
    if (result.kind !== "printer") assert.fail("not read");
    const r = result.record;
    assert.deepEqual(r.status, { device: "warning", printer: "idle", errors: ["lowToner"] });
    assert.equal(r.alerts.length, 1);
    assert.equal(r.alerts[0]?.severity, "warningBinaryChangeEvent");
    assert.equal(r.alerts[0]?.group, "markerSupplies");
    assert.equal(r.alerts[0]?.description, "Yellow toner low");
    // prtAlertTime 93120044 ticks at uptime 93422117: 3020.73 s before "now".
    assert.equal(r.alerts[0]?.time, "2026-06-01T11:09:39.270Z");
  });
});

describe("credentials", () => {
  test("tries each community in order and reports the one that worked", async () => {
    const target = await serve(colorMfp);
    const result = await readDevice(options(target, { communities: ["wrong", "public"] }));
    assert.equal(result.kind, "printer");
    if (result.kind === "printer")
      assert.deepEqual(result.credentials, { version: "2c", community: "public" });
  });

  test("falls back to v1 for a device without v2c, and walks with GETNEXT", async () => {
    const result = await readDevice(options(await serve(colorMfp, { v1Only: true })));
    assert.equal(result.kind, "printer");
    if (result.kind !== "printer") return;
    assert.deepEqual(result.credentials, { version: "1", community: "public" });
    assert.equal(result.record.supplies.length, 7, "tables walked over v1");
    assert.equal(result.record.counters.total, 184233);
  });

  test("a fixed version is not fallen back from", async () => {
    const target = await serve(colorMfp, { v1Only: true });
    await assert.rejects(readDevice(options(target, { version: "2c" })), SnmpNoAnswerError);
  });
});

describe("robustness", () => {
  test("no answer at all → SnmpNoAnswerError", async () => {
    const target = await serve(colorMfp, { dropAfter: 0 });
    await assert.rejects(readDevice(options(target)), SnmpNoAnswerError);
  });

  test("malformed answers never crash the reader: a clear error, nothing read", async () => {
    const target = await serve(colorMfp, { malformed: true });
    await assert.rejects(readDevice(options(target)), (err: Error) => {
      assert.ok(err instanceof SnmpBadAnswerError || err instanceof SnmpNoAnswerError, String(err));
      return true;
    });
  });

  test("a device that stops answering midway yields what was read, and says so", async () => {
    const log = createMemoryLogger();
    // Answered: the probe, ifPhysAddress, ifType, hrDevice, hrPrinter; then silence.
    const result = await readDevice(options(await serve(colorMfp, { dropAfter: 5 }), { log }));
    assert.equal(result.kind, "printer", "HOST-RESOURCES already showed a printer");
    if (result.kind !== "printer") return;
    assert.equal(result.record.sysObjectId, "1.3.6.1.4.1.32473.2.1");
    assert.equal(result.record.model, "Generic Imaging C4500");
    assert.equal(result.record.serial, undefined, "prtGeneralSerialNumber was never answered");
    assert.equal(result.record.supplies.length, 0, "the supplies table was never answered");
    assert.ok(log.lines.some((l) => l.includes("stopped answering")));
  });

  test("GETBULK answered with genErr: the walk continues with GETNEXT", async () => {
    const result = await readDevice(options(await serve(colorMfp, { noBulk: true })));
    assert.equal(result.kind, "printer");
    if (result.kind === "printer") assert.equal(result.record.supplies.length, 7);
  });

  test("wrongly typed values are skipped, the rest is read", async () => {
    const target = await serve(colorMfp, {
      wrongTypes: ["1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.43.12.1.1.4"],
    });
    const result = await readDevice(options(target));
    assert.equal(result.kind, "printer");
    if (result.kind !== "printer") return;
    assert.equal(result.record.sysObjectId, undefined, "an OctetString is no sysObjectID");
    assert.equal(result.record.uptimeSeconds, undefined, "an OctetString is no TimeTicks");
    assert.equal(result.record.serial, "GIC4500X71234");
    // Colorant names as text of their text are still names; colours still come through.
    assert.equal(result.record.supplies.find((s) => s.index === "1.2")?.color, "cyan");
  });

  test("Null values, odd encodings and absurd numbers are skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-odd-"));
    const file = join(dir, "odd.snmprec");
    writeFileSync(
      file,
      [
        "1.3.6.1.2.1.1.1.0|4|Odd Printer",
        "1.3.6.1.2.1.1.2.0|5|",
        "1.3.6.1.2.1.1.5.0|4x|4f6464ff00",
        "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5",
        "1.3.6.1.2.1.25.3.5.1.2.1|2|8",
        "1.3.6.1.2.1.43.5.1.1.17.1|5|",
        "1.3.6.1.2.1.43.10.2.1.4.1.1|2|-17",
        "1.3.6.1.2.1.43.11.1.1.5.1.1|2|3",
        "1.3.6.1.2.1.43.11.1.1.6.1.1|4|Toner",
        "1.3.6.1.2.1.43.11.1.1.8.1.1|2|100",
        "1.3.6.1.2.1.43.11.1.1.9.1.1|2|4000",
        "",
      ].join("\n"),
    );
    const result = await readDevice(options(await serve(file)));
    assert.equal(result.kind, "printer");
    if (result.kind !== "printer") return;
    const r = result.record;
    assert.equal(r.sysObjectId, undefined);
    assert.equal(r.serial, undefined);
    assert.equal(r.counters.total, undefined, "a negative life count is absurd");
    assert.equal(r.supplies[0]?.levelPercent, null, "level above capacity is absurd");
    assert.deepEqual(
      r.status.errors,
      ["doorOpen"],
      "error state sent as INTEGER 8 is read as its octet 0x08",
    );
    assert.equal(r.name, "Odd\u00ff", "invalid UTF-8 falls back to Latin-1, padding removed");
  });

  test("an SNMP device that is not a printer is reported as such", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-host-"));
    const file = join(dir, "linux.snmprec");
    writeFileSync(
      file,
      "1.3.6.1.2.1.1.1.0|4|Linux fileserver 6.1.0\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10\n1.3.6.1.2.1.25.3.2.1.2.196608|6|1.3.6.1.2.1.25.3.1.3\n",
    );
    const result = await readDevice(options(await serve(file)));
    assert.equal(result.kind, "not-printer");
    if (result.kind === "not-printer") assert.equal(result.sysDescr, "Linux fileserver 6.1.0");
  });
});
