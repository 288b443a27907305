import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const demo = fileURLToPath(new URL("./demo.ts", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

test("the demo serves the repository's own printers and reads each of them", async () => {
  const { stdout } = await run(process.execPath, [demo, "--once", "--fixtures", fixtures], {
    timeout: 30_000,
  });
  assert.match(stdout, /Simulating 2 printers/);
  assert.match(stdout, /127\.0\.10\.1 .*Generic Imaging C4500 .*GIC4500X71234/);
  assert.match(stdout, /127\.0\.10\.2 /);
  assert.doesNotMatch(stdout, /no answer/);
});
