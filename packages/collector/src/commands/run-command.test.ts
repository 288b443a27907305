import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { scanFileFromXml } from "@device-portal/protocol";
import { type Simulator, startSimulator } from "../sim/simulator.ts";
import { type FakePortal, startFakePortal } from "../testing/fake-portal.ts";
import { createTestPki, pkiSkipReason, type TestPki } from "../testing/fake-portal-pki.ts";
import { parseRunArgs } from "./run-command.ts";

/**
 * `ice run` as a service runs it: a real process, real HTTPS to the fake portal (its own CA),
 * real SNMP to simulated printers on 127.0.x addresses, SIGTERM to stop. Its working folder,
 * HOME and TMPDIR are empty temporary folders, so anything written besides the log shows.
 */

const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
const runCommand = fileURLToPath(new URL("./run-command.ts", import.meta.url));
const fixtures = ["generic-color-mfp", "generic-mono-printer"].map((n) =>
  fileURLToPath(new URL(`../../fixtures/${n}.snmprec`, import.meta.url)),
);
const serials = ["GIC4500X71234", "GIP3010A00482"];

/** `ice run …` once the CLI has the command, else the command module on its own. */
function iceRun(): string[] {
  return readFileSync(cli, "utf8").includes('case "run"') ? [cli, "run"] : [runCommand];
}

interface Started {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const child = spawn(process.execPath, [...iceRun(), ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, stderr: () => stderr, exited };
}

/** Resolves the exit code, or kills the process and fails after `ms`. */
async function exitWithin(started: Started, ms: number): Promise<number | null> {
  const timer = setTimeout(() => started.child.kill("SIGKILL"), ms);
  try {
    const code = await started.exited;
    assert.notEqual(
      started.child.signalCode,
      "SIGKILL",
      `did not exit within ${ms} ms; stderr: ${started.stderr()}`,
    );
    return code;
  } finally {
    clearTimeout(timer);
  }
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1) + (e.isDirectory() ? "/" : ""))
    .sort();
}

/** A free port on every address of a random 127.x.y.0/24, and the simulator on it. */
async function simulatorOnLoopbackSubnet(): Promise<{ sim: Simulator; subnet: string; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const subnet = `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    try {
      const sim = await startSimulator({ fixtures, range: `${subnet}.1-${subnet}.2`, port });
      return { sim, subnet, port };
    } catch (err) {
      lastError = err; // Taken by another process: try elsewhere.
    }
  }
  throw lastError;
}

const skip = pkiSkipReason();

describe("ice run", { skip }, () => {
  let pki: TestPki;
  let portal: FakePortal;
  let sim: Simulator;
  let subnet = "";
  let snmpPort = 0;
  let caDir = "";
  let caFile = "";

  before(async () => {
    pki = createTestPki();
    caDir = mkdtempSync(join(tmpdir(), "dp-run-ca-"));
    caFile = join(caDir, "portal-ca.pem");
    writeFileSync(caFile, pki.ca.cert);
    ({ sim, subnet, port: snmpPort } = await simulatorOnLoopbackSubnet());
    portal = await startFakePortal({
      tls: pki.server,
      settings: {
        version: 1,
        // .3 answers ping (every loopback address does) but not SNMP.
        targets: [`${subnet}.1-${subnet}.3`],
        communities: ["wrong", "public"],
        snmp: { discoveryTimeoutMs: 300, timeoutMs: 1000, retries: 0 },
        ping: { enabled: true, timeoutMs: 500, retries: 0 },
        discoveryIntervalMinutes: 720,
        refreshIntervalMinutes: 20,
      },
    });
  });
  after(async () => {
    await portal?.close();
    await sim?.close();
    pki?.remove();
    rmSync(caDir, { recursive: true, force: true });
  });

  test("enrols, uploads a discovery with the simulated printers, stops on SIGTERM with exit 0, writes only its log", async () => {
    const work = mkdtempSync(join(tmpdir(), "dp-run-work-"));
    const home = mkdtempSync(join(tmpdir(), "dp-run-home-"));
    const temp = mkdtempSync(join(tmpdir(), "dp-run-tmp-"));
    try {
      assert.deepEqual(listFiles(work), []);
      const ice = start(
        [
          "--portal",
          portal.httpsUrl as string,
          "--ca",
          caFile,
          "--snmp-port",
          String(snmpPort),
          "--log-level",
          "debug",
        ],
        {
          cwd: work,
          env: { PATH: process.env.PATH, HOME: home, TMPDIR: temp, ICE_TOKEN: portal.token },
        },
      );
      const hasPrinters = (xml: string) => serials.every((s) => xml.includes(s));
      try {
        await portal.until(() => [...portal.scans.values()].some((s) => hasPrinters(s.xml)), 30_000);
      } catch (err) {
        ice.child.kill("SIGKILL");
        throw new Error(`${(err as Error).message}\nstderr: ${ice.stderr()}\nlog:\n${readLog(work)}`);
      }
      const stored = [...portal.scans.values()].find((s) => hasPrinters(s.xml));
      const scan = scanFileFromXml(stored?.xml as string);
      assert.equal(scan.kind, "discovery");
      assert.equal(scan.collector.id, portal.enrolments[0]?.collectorId);
      assert.deepEqual(scan.devices.map((d) => d.device.serial).sort(), [...serials].sort());
      // "public" is the second credential of the settings.
      assert.ok(scan.devices.every((d) => d.credential === 1));
      assert.deepEqual(
        scan.ranges.map((r) => [r.target, r.tried, r.printers]),
        [[`${subnet}.1-${subnet}.3`, 3, 2]],
      );
      assert.equal(scan.health.version, scan.collector.version);
      assert.equal(scan.health.lastScanDevices, 2);
      assert.ok(scan.health.lastDiscoveryAt);
      assert.equal(scan.health.queuedScans, 0);

      ice.child.kill("SIGTERM");
      assert.equal(await exitWithin(ice, 15_000), 0, ice.stderr());

      assert.deepEqual(listFiles(work), ["ice.log"]);
      assert.deepEqual(listFiles(home), []);
      assert.deepEqual(listFiles(temp), []);
      const log = readLog(work);
      assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: ICE \S+ starting/m);
      assert.match(log, /info: enrolled/);
      assert.match(log, /info: discovery scan \S+: 2 printer\(s\)/);
      assert.match(log, /info: SIGTERM: shutting down/);
      assert.match(log, /info: stopped$/m);
      assert.ok(!log.includes(portal.token), "the token is never logged");
      assert.doesNotMatch(log, /\bpublic\b/, "communities never appear in the log");
    } finally {
      for (const dir of [work, home, temp]) rmSync(dir, { recursive: true, force: true });
    }
  });

  test("SIGTERM during a discovery abandons it at once and uploads nothing of it", async () => {
    const work = mkdtempSync(join(tmpdir(), "dp-run-work-"));
    const before = portal.scans.size;
    const settings = portal.settings;
    // 254 addresses without ping, of which 2 answer: many seconds of SNMP probes.
    portal.setSettings({
      version: 2,
      targets: [`${subnet}.0/24`],
      communities: ["public"],
      ping: { enabled: false },
      snmp: { discoveryTimeoutMs: 1000, timeoutMs: 1000, retries: 1 },
      concurrency: 8,
    });
    try {
      const ice = start(
        ["--portal", portal.httpsUrl as string, "--ca", caFile, "--snmp-port", String(snmpPort)],
        {
          cwd: work,
          env: { PATH: process.env.PATH, ICE_TOKEN: portal.token },
        },
      );
      await waitFor(() => readLog(work).includes("info: discovery scan: "), 15_000);
      await new Promise((r) => setTimeout(r, 500));
      const signalled = Date.now();
      ice.child.kill("SIGTERM");
      assert.equal(await exitWithin(ice, 10_000), 0, ice.stderr());
      assert.ok(Date.now() - signalled < 5000, `took ${Date.now() - signalled} ms`);
      assert.match(readLog(work), /info: discovery scan stopped by shutdown; nothing uploaded/);
      assert.equal(portal.scans.size, before);
    } finally {
      portal.setSettings(settings);
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("keeps retrying enrolment while the portal is unreachable; SIGINT still stops it at once", async () => {
    const work = mkdtempSync(join(tmpdir(), "dp-run-work-"));
    try {
      // A port nothing listens on: connection refused.
      const closed = await startFakePortal({ tls: pki.server });
      const url = closed.httpsUrl as string;
      await closed.close();
      const ice = start(["--portal", url, "--ca", caFile, "--token", portal.token], {
        cwd: work,
        env: { PATH: process.env.PATH },
      });
      await waitFor(() => (readLog(work).match(/warn: enrolment failed/g) ?? []).length >= 2, 15_000);
      ice.child.kill("SIGINT");
      assert.equal(await exitWithin(ice, 5000), 0, ice.stderr());
      const log = readLog(work);
      assert.match(
        log,
        /enrolment failed \(attempt 1\): portal unreachable at .*connection refused.*; next try in/,
      );
      assert.ok(!log.includes(portal.token));
      assert.deepEqual(listFiles(work), ["ice.log"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("exit 1 with a message: missing options, a malformed token, a log that cannot be opened", async () => {
    const work = mkdtempSync(join(tmpdir(), "dp-run-work-"));
    try {
      const cases: Array<[string[], RegExp]> = [
        [[], /--portal is required/],
        [
          ["--portal", "https://portal.example/"],
          /--token \(or the ICE_TOKEN environment variable\) is required/,
        ],
        [["--portal", "http://portal.example/", "--token", portal.token], /must be an https:\/\/ URL/],
        [
          ["--portal", "https://portal.example/", "--token", "not-a-token"],
          /enrolment token must be 43 base64url/,
        ],
        [
          [
            "--portal",
            "https://portal.example/",
            "--token",
            portal.token,
            "--log-file",
            join(work, "no", "ice.log"),
          ],
          /cannot open the log file/,
        ],
        [
          ["--portal", "https://portal.example/", "--token", portal.token, "--log-max-bytes", "12"],
          /--log-max-bytes/,
        ],
      ];
      for (const [args, message] of cases) {
        const ice = start(args, { cwd: work, env: { PATH: process.env.PATH } });
        assert.equal(await exitWithin(ice, 10_000), 1, args.join(" "));
        assert.match(ice.stderr(), message);
        assert.ok(!ice.stderr().includes("not-a-token") || args.includes("not-a-token"));
      }
      // The malformed token got as far as the log, redacted.
      assert.ok(!readLog(work).includes("not-a-token"));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe("parseRunArgs", () => {
  test("defaults and ICE_TOKEN", () => {
    const options = parseRunArgs(["--portal", "https://portal.example/dp"], { ICE_TOKEN: " tok " });
    assert.notEqual(options, "help");
    if (options === "help") return;
    assert.equal(options.portal.href, "https://portal.example/dp/");
    assert.equal(options.token, "tok");
    assert.equal(options.logMaxBytes, 5 * 1024 * 1024);
    assert.equal(options.logFiles, 3);
    assert.match(options.logFile, /\/ice\.log$/);
    assert.equal(options.proxy, undefined);
    assert.equal(options.allowHttpFallback, false);
  });
  test("plain HTTP only for a portal on this machine", () => {
    for (const url of ["http://127.0.0.1:8080/", "http://localhost:8080/", "http://[::1]:8080/"]) {
      const o = parseRunArgs(["--portal", url, "--token", "t"], {});
      assert.ok(o !== "help" && o.portal.protocol === "http:", url);
    }
    for (const url of ["http://portal.example/", "http://10.0.0.1/", "http://127.example/"])
      assert.throws(
        () => parseRunArgs(["--portal", url, "--token", "t"], {}),
        /must be an https:\/\/ URL/,
        url,
      );
  });
  test("a token that starts with a dash", () => {
    const o = parseRunArgs(["--portal", "https://p/", "--token", "-Xh3m_7Jc", "--log-files", "2"], {});
    assert.ok(o !== "help" && o.token === "-Xh3m_7Jc" && o.logFiles === 2);
  });
  test("sizes and counts", () => {
    const o = parseRunArgs(
      [
        "--portal",
        "https://p/",
        "--token",
        "t",
        "--log-max-bytes",
        "512k",
        "--log-files",
        "5",
        "--proxy",
        "proxy:3128",
      ],
      {},
    );
    assert.ok(o !== "help" && o.logMaxBytes === 512 * 1024 && o.logFiles === 5 && o.proxy === "proxy:3128");
    assert.throws(() => parseRunArgs(["--portal", "https://p/", "--token", "t", "--log-files", "0"], {}));
    assert.throws(() => parseRunArgs(["--portal", "https://p/", "--token", "t", "--snmp-port", "70000"], {}));
  });
});

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "ice.log"), "utf8");
  } catch {
    return "";
  }
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
