import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { scanFileFromXml } from "@device-portal/protocol";
import type { ScanResult } from "../scan/result.ts";
import { type SimulatedNetwork, serveDevices } from "../scan/testing.ts";
import { runScanCommand } from "./scan-command.ts";

/** `ice scan` in-process: real UDP to the simulator, exit codes, stdout and the stderr report. */

const dir = mkdtempSync(join(tmpdir(), "dp-scan-cli-"));
let net: SimulatedNetwork;
before(async () => {
  net = await serveDevices([
    { address: "127.0.48.5", community: "east", recording: "generic-color-mfp.snmprec" },
    { address: "127.0.48.6", community: "west", recording: "generic-mono-printer.snmprec" },
  ]);
});
after(() => net.close());

async function ice(args: string[], signal?: AbortSignal) {
  let stdout = "";
  const stderr: string[] = [];
  const code = await runScanCommand(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (l) => stderr.push(l),
    ...(signal && { signal }),
  });
  return { code, stdout, stderr: stderr.join("\n") };
}

const quick = () => [
  "--port",
  String(net.port),
  "--no-ping",
  "--discovery-timeout",
  "150",
  "--snmp-retries",
  "0",
];

describe("ice scan", () => {
  test("finds the printers of a /28: a summary on stdout, the report on stderr, exit 0", async () => {
    const { code, stdout, stderr } = await ice(["127.0.48.0/28", "--community", "west,east", ...quick()]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split("\n"), [
      "127.0.48.5  Generic Imaging C4500  serial GIC4500X71234  total 184233  credential 1 (v2c)",
      "127.0.48.6  Generic Imaging P3010  serial GIP3010A00482  total 73561  credential 0 (v2c)",
    ]);
    assert.match(
      stderr,
      /127\.0\.48\.0\/28: 14 addresses, 2 answered SNMP, 2 printers; not read: 12 no SNMP answer/,
    );
    assert.match(stderr, /2 printer\(s\) in [\d.]+ s; SNMP .* sent/);
  });

  test("--json --out writes the scan result; duplicates are scanned once and said so", async () => {
    const out = join(dir, "scan.json");
    const { code, stdout, stderr } = await ice([
      "127.0.48.4-127.0.48.6",
      "127.0.48.5",
      "--community",
      "east,west",
      ...quick(),
      "--json",
      "--out",
      out,
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "");
    const result = JSON.parse(readFileSync(out, "utf8")) as ScanResult;
    assert.equal(result.kind, "discovery");
    assert.deepEqual(
      result.devices.map((d) => [d.record.ip, d.credential]),
      [
        ["127.0.48.5", 0],
        ["127.0.48.6", 1],
      ],
    );
    assert.equal(result.totals.addresses, 3);
    assert.match(stderr, /1 address is in more than one target: each was scanned once/);
  });

  test("--refresh FILE re-reads known devices; --xml is the scan file", async () => {
    const known = join(dir, "known.json");
    writeFileSync(
      known,
      JSON.stringify({ knownDevices: [{ ip: "127.0.48.6", credential: 1, snmpVersion: "2c" }] }),
    );
    const { code, stdout, stderr } = await ice([
      "--refresh",
      known,
      "--community",
      "east,west",
      "--port",
      String(net.port),
      "--xml",
    ]);
    assert.equal(code, 0, stderr);
    const scan = scanFileFromXml(stdout);
    assert.equal(scan.kind, "refresh");
    assert.equal(scan.devices[0]?.device.serial, "GIP3010A00482");
    assert.equal(scan.devices[0]?.credential, 1);
    assert.deepEqual(scan.ranges, [
      { target: "known devices", tried: 1, answeredSnmp: 1, printers: 1, noSnmp: 0, notPrinter: 0 },
    ]);
  });

  test("no printer answers: exit 2 with the reason", async () => {
    const { code, stderr } = await ice(["127.0.48.9", ...quick()]);
    assert.equal(code, 2);
    assert.match(stderr, /not read: 1 no SNMP answer to any credential/);
  });

  test("a /8 typed by mistake is refused before anything is sent", async () => {
    const { code, stderr } = await ice(["127.0.0.0/8", ...quick()]);
    assert.equal(code, 1);
    assert.match(stderr, /127\.0\.0\.0\/8 is 16,777,214 addresses, more than the limit of 65,536/);
  });

  test("bad input: clear messages, exit 1", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["127.0.48.300"], /127\.0\.48\.300 is not a valid IPv4 address/],
      [[], /give at least one target/],
      [["127.0.48.5", "--json", "--xml"], /choose --json or --xml/],
      [["127.0.48.5", "--rate", "0"], /--rate must be a whole number from 1/],
      [["127.0.48.5", "--refresh", "x.json"], /--refresh re-reads known devices: give it no targets/],
      [["--refresh", join(dir, "missing.json")], /missing\.json: no such file/],
      [["127.0.48.5", "--list", join(dir, "missing.txt")], /missing\.txt: no such file/],
      [["127.0.48.5", "--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await ice(args);
      assert.equal(code, 1, args.join(" "));
      assert.match(stderr, message);
    }
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify([{ ip: "127.0.48.5", credential: "public" }]));
    const { code, stderr } = await ice(["--refresh", bad]);
    assert.equal(code, 1);
    assert.match(stderr, /entry 1: "credential" must be a whole number/);
  });

  test("interrupted: exit 130, nothing written", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const { code, stdout, stderr } = await ice(
      ["127.0.49.0/24", "--port", "9", "--no-ping", "--discovery-timeout", "10000"],
      controller.signal,
    );
    assert.equal(code, 130);
    assert.equal(stdout, "");
    assert.match(stderr, /interrupted; nothing written/);
  });

  test("--help", async () => {
    const { code, stdout } = await ice(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /usage: ice scan/);
  });
});
