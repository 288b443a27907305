import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { deviceRecordSchema } from "@device-portal/protocol";
import { type Simulator, startSimulator } from "../src/sim/simulator.ts";
import { bundleCollector, sizeLimitBytes } from "./bundle.ts";

/**
 * The bundle as it is shipped: built into a temporary folder, copied alone into an empty one
 * (no node_modules, no profiles beside it), run with Node 24 against the simulator.
 */

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const colorMfp = fileURLToPath(new URL("../fixtures/generic-color-mfp.snmprec", import.meta.url));

function run(
  bundle: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundle, ...args],
      { cwd, timeout: 20_000, env: {} },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A record without what depends on the moment of the read (uptime, alert times). */
function timeless(json: string): unknown {
  return JSON.parse(json, (key, value) => (key === "time" || key === "uptimeSeconds" ? undefined : value));
}

describe("the collector bundle (dist/ice.mjs)", () => {
  let buildDir = "";
  let shipDir = "";
  let bundle = "";
  let bytes = 0;
  let sim: Simulator;
  let port = 0;

  before(async () => {
    buildDir = mkdtempSync(join(tmpdir(), "dp-bundle-"));
    shipDir = mkdtempSync(join(tmpdir(), "dp-ship-"));
    const built = await bundleCollector({ outfile: join(buildDir, "ice.mjs") });
    bytes = built.bytes;
    bundle = join(shipDir, "ice.mjs");
    copyFileSync(built.outfile, bundle);
    sim = await startSimulator({ fixtures: [colorMfp], address: "127.0.0.1", port: 0 });
    port = sim.agents[0]?.port ?? 0;
  });
  after(async () => {
    await sim?.close();
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(shipDir, { recursive: true, force: true });
  });

  test(`is under ${sizeLimitBytes} bytes`, () => {
    process.stdout.write(`# bundle: ${bytes} bytes\n`);
    assert.ok(bytes < sizeLimitBytes, `${bytes} bytes`);
  });

  test("--help", async () => {
    const { code, stdout } = await run(bundle, ["--help"], shipDir);
    assert.equal(code, 0);
    assert.match(stdout, /usage: ice <command>/);
    assert.match(stdout, /read <host>/);
  });

  test("a command module runs once: `sim --help` prints its usage and nothing else", async () => {
    const { code, stdout, stderr } = await run(bundle, ["sim", "--help"], shipDir);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.match(/usage: ice sim/g)?.length, 1);
    assert.equal(stderr, "");
  });

  test("run --help, once the CLI has `run`", async (t) => {
    if (!readFileSync(cli, "utf8").includes('case "run"'))
      return t.skip("src/cli.ts does not wire `ice run` yet");
    const { code, stdout } = await run(bundle, ["run", "--help"], shipDir);
    assert.equal(code, 0);
    assert.match(stdout, /usage: ice run --portal URL/);
  });

  test("read --json reads the simulated printer exactly as the sources do", async () => {
    const args = ["read", "127.0.0.1", "--port", String(port), "--json"];
    const { code, stdout, stderr } = await run(bundle, args, shipDir);
    assert.equal(code, 0, stderr);
    const record = deviceRecordSchema.parse(JSON.parse(stdout));
    assert.equal(record.serial, "GIC4500X71234");
    assert.equal(record.counters.total, 184233);
    // Same record from the TypeScript sources: the inlined profile catalog is the real one.
    const fromSources = await run(cli, args, shipDir);
    assert.equal(fromSources.code, 0, fromSources.stderr);
    assert.deepEqual(timeless(stdout), timeless(fromSources.stdout));
  });

  test("read --xml (the XML codec and zod inside the bundle)", async () => {
    const { code, stdout, stderr } = await run(
      bundle,
      ["read", "127.0.0.1", "--port", String(port), "--xml"],
      shipDir,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /<device [^>]*ip="127\.0\.0\.1"/);
  });
});
