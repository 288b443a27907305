import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import type { InterfaceTable } from "../discover/suggest-range.ts";
import { runSuggestRangeCommand } from "./suggest-range-command.ts";

const table: InterfaceTable = {
  lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", internal: true }],
  eth0: [{ address: "192.0.2.15", netmask: "255.255.255.0", family: "IPv4", internal: false }],
  wlan0: [{ address: "10.42.7.9", netmask: "255.0.0.0", family: "IPv4", internal: false }],
};

const execFileAsync = promisify(execFile);

async function run(argv: string[], interfaces: InterfaceTable = table) {
  let stdout = "";
  let stderr = "";
  const code = await runSuggestRangeCommand(argv, {
    networkInterfaces: () => interfaces,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe("ice suggest-range", () => {
  test("one CIDR per line, with the interface", async () => {
    const { code, stdout, stderr } = await run([]);
    assert.equal(code, 0);
    assert.equal(stderr, "");
    assert.equal(
      stdout,
      "192.0.2.0/24  eth0   this host 192.0.2.15, 254 addresses\n" +
        "10.42.7.0/24  wlan0  this host 10.42.7.9, 254 addresses, 10.0.0.0/8 is larger than /16: proposing the /24 around this host's address only\n",
    );
  });

  test("--json and --include-loopback", async () => {
    const { code, stdout } = await run(["--json", "--include-loopback"]);
    assert.equal(code, 0);
    const ranges = JSON.parse(stdout) as Array<{ cidr: string; interfaces: string[] }>;
    assert.deepEqual(
      ranges.map((r) => [r.cidr, r.interfaces]),
      [
        ["127.0.0.0/24", ["lo"]],
        ["192.0.2.0/24", ["eth0"]],
        ["10.42.7.0/24", ["wlan0"]],
      ],
    );
  });

  test("no network found: exit 2 with a hint; JSON still prints an empty list", async () => {
    const loopbackOnly = { lo: table.lo };
    const text = await run([], loopbackOnly);
    assert.equal(text.code, 2);
    assert.equal(text.stdout, "");
    assert.match(text.stderr, /no IPv4 network found .*--include-loopback/);
    const json = await run(["--json"], loopbackOnly);
    assert.equal(json.code, 2);
    assert.deepEqual(JSON.parse(json.stdout), []);
  });

  test("usage errors exit 1; --help exits 0", async () => {
    const bad = await run(["--jsn"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /usage: ice suggest-range/);
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: ice suggest-range/);
  });

  test("as a process: this machine's interfaces, real stdout", async () => {
    const module = new URL("./suggest-range-command.ts", import.meta.url).href;
    const script = `const { runSuggestRangeCommand } = await import(${JSON.stringify(module)});
process.exitCode = await runSuggestRangeCommand(["--include-loopback", "--json"]);`;
    const { stdout } = await execFileAsync(process.execPath, ["--input-type=module", "-e", script]);
    const ranges = JSON.parse(stdout) as Array<{ cidr: string }>;
    assert.ok(ranges.some((r) => r.cidr === "127.0.0.0/24"));
  });
});
