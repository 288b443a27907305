import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  findExecutable,
  fpingPinger,
  PingUnavailableError,
  parseFpingAlive,
  parseFpingSent,
} from "./ping.ts";

/** fping's output and arguments, with a stand-in script where the real tool would send packets. */

const dir = mkdtempSync(join(tmpdir(), "dp-ping-"));

/** A fake fping: records its arguments and stdin, answers for the first address only. */
function fakeFping(exitCode = 1, stats = true): string {
  const path = join(dir, `fping-${exitCode}-${stats}`);
  writeFileSync(
    path,
    [
      "#!/bin/sh",
      `echo "$@" > "${path}.args"`,
      `cat > "${path}.stdin"`,
      `head -n1 "${path}.stdin"`,
      stats
        ? `echo "       5 ICMP Echos sent" >&2`
        : `echo "fping: can't create socket (must run as root?)" >&2`,
      `exit ${exitCode}`,
      "",
    ].join("\n"),
  );
  chmodSync(path, 0o755);
  return path;
}

describe("fping", () => {
  test("one process per batch, paced at the scan's rate, paid up front for every try", async () => {
    const path = fakeFping();
    const pinger = fpingPinger(path, { timeoutMs: 300, retries: 2, packetsPerSecond: 500 });
    const taken: number[] = [];
    const outcome = await pinger.ping(["127.0.0.1", "127.0.0.2"], {
      take: (cost = 1) => {
        taken.push(cost);
        return undefined;
      },
    });
    assert.deepEqual([...outcome.alive], ["127.0.0.1"]);
    assert.equal(outcome.packets, 5, "fping's own count of echo requests");
    assert.deepEqual(taken, [2 * 3]);
    assert.equal(readFileSync(`${path}.args`, "utf8").trim(), "-a -q -s -B1 -r2 -t300 -i2.00");
    assert.equal(readFileSync(`${path}.stdin`, "utf8"), "127.0.0.1\n127.0.0.2\n");
  });

  test("a tool that fails or is not fping is unavailable, with its own words", async () => {
    const broken = fpingPinger(fakeFping(4, false), { timeoutMs: 300, retries: 0, packetsPerSecond: 500 });
    await assert.rejects(broken.ping(["127.0.0.1"], undefined), (err: unknown) => {
      assert.ok(err instanceof PingUnavailableError);
      assert.match(err.message, /can't create socket/);
      return true;
    });
    const missing = fpingPinger(join(dir, "nope"), { timeoutMs: 300, retries: 0, packetsPerSecond: 500 });
    await assert.rejects(missing.ping(["127.0.0.1"], undefined), /cannot run .*nope: ENOENT/);
  });

  test("output parsing is strict about addresses, lenient about the rest", () => {
    assert.deepEqual(
      [...parseFpingAlive("127.0.0.1\n\n  127.0.0.3  \nICMP Host Unreachable from 127.0.0.9\n999.1.1.1\n")],
      ["127.0.0.1", "127.0.0.3"],
    );
    assert.equal(parseFpingSent("  2 targets\n     256 ICMP Echos sent\n"), 256);
    assert.equal(parseFpingSent("garbage"), undefined);
  });

  test("findExecutable looks on PATH and in the sbin folders", () => {
    assert.match(findExecutable("sh", "/nonexistent") ?? "", /^\/(usr\/)?bin\/sh$/);
    assert.equal(findExecutable("/nonexistent/fping"), undefined);
    assert.equal(findExecutable("no-such-tool-here", "/nonexistent"), undefined);
  });
});
