import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { deviceFromXml, deviceRecordSchema } from "@device-portal/protocol";
import { type Simulator, startSimulator } from "../sim/simulator.ts";

/** The `ice read` command as a user runs it: a real process, real UDP, exit codes and output. */

const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
const colorMfp = fileURLToPath(new URL("../../fixtures/generic-color-mfp.snmprec", import.meta.url));

function ice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("ice read", () => {
  let sim: Simulator;
  let silent: Simulator;
  let port = 0;
  let silentPort = 0;
  let hostPort = 0;
  let host: Simulator;

  before(async () => {
    sim = await startSimulator({ fixtures: [colorMfp], address: "127.0.0.1", port: 0 });
    port = sim.agents[0]?.port ?? 0;
    silent = await startSimulator({
      fixtures: [colorMfp],
      address: "127.0.0.1",
      port: 0,
      faults: { dropAfter: 0 },
    });
    silentPort = silent.agents[0]?.port ?? 0;
    const dir = mkdtempSync(join(tmpdir(), "dp-cli-"));
    const file = join(dir, "router.snmprec");
    writeFileSync(file, "1.3.6.1.2.1.1.1.0|4|Edge router\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9.1.1\n");
    host = await startSimulator({ fixtures: [file], address: "127.0.0.1", port: 0 });
    hostPort = host.agents[0]?.port ?? 0;
  });
  after(async () => {
    await Promise.all([sim.close(), silent.close(), host.close()]);
  });

  test("--json prints exactly one device record that satisfies the schema", async () => {
    const { code, stdout, stderr } = await ice(["read", "127.0.0.1", "--port", String(port), "--json"]);
    assert.equal(code, 0, stderr);
    const record = deviceRecordSchema.parse(JSON.parse(stdout));
    assert.equal(record.serial, "GIC4500X71234");
    assert.equal(record.counters.total, 184233);
  });

  test("--xml prints the device element", async () => {
    const { code, stdout } = await ice([
      "read",
      "127.0.0.1",
      "--port",
      String(port),
      "--xml",
      "--community",
      "x,public",
      "--timeout",
      "200",
    ]);
    assert.equal(code, 0);
    assert.equal(deviceFromXml(stdout.trim()).model, "Generic Imaging C4500");
  });

  test("text summary by default", async () => {
    const { code, stdout } = await ice(["read", "127.0.0.1", "--port", String(port)]);
    assert.equal(code, 0);
    assert.match(stdout, /Generic Imaging C4500/);
    assert.match(stdout, /toner black: 64 %/);
  });

  test("exit 2 with one line on stderr when nothing answers", async () => {
    const { code, stdout, stderr } = await ice([
      "read",
      "127.0.0.1",
      "--port",
      String(silentPort),
      "--timeout",
      "150",
      "--retries",
      "0",
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1);
    assert.match(stderr, /no SNMP answer from 127\.0\.0\.1 \(tried v2c and v1 with 1 community\)/);
  });

  test("exit 3 for an SNMP device that is not a printer", async () => {
    const { code, stderr } = await ice(["read", "127.0.0.1", "--port", String(hostPort)]);
    assert.equal(code, 3);
    assert.match(stderr, /answers SNMP but is not a printer or MFP: Edge router/);
  });

  test("exit 1 with a clear message for bad options", async () => {
    for (const args of [
      ["read"],
      ["read", "127.0.0.1", "--port", "99999"],
      ["read", "127.0.0.1", "--snmp-version", "4"],
      ["read", "127.0.0.1", "--json", "--xml"],
      ["read", "127.0.0.1", "--snmp-version", "3"],
      ["read", "127.0.0.1", "--v3-user", "u", "--v3-priv-key", "secret123"],
      ["frobnicate"],
    ]) {
      const { code, stderr } = await ice(args);
      assert.equal(code, 1, `${args.join(" ")} → ${stderr}`);
      assert.ok(stderr.length > 0);
    }
  });
});
