import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { findExecutable, netnsSkipReason, nftRuleset, parseCidr, runInNetns, shellQuote } from "./netns.ts";
import type { ProbeResult } from "./netns-probe.ts";

const PROBE = new URL("./netns-probe.ts", import.meta.url).pathname;

/** The namespace prerequisites, and `ping` for the probes. */
function skipReason(): string | undefined {
  const reason = netnsSkipReason();
  if (reason || findExecutable("ping")) return reason;
  const message = "ping not found (apt-get install iputils-ping)";
  if (process.env.DP_REQUIRE_NETNS === "1") throw new Error(`DP_REQUIRE_NETNS=1 but ${message}`);
  return message;
}

describe("nftRuleset", () => {
  test("drops the subnet except the answering set", () => {
    const rules = nftRuleset({
      subnet: "127.77.0.0/16",
      answering: ["127.77.0.10", "127.77.3.4", "127.77.0.10"],
      rules: ["ip daddr 127.77.0.0/16 counter"],
    });
    assert.match(
      rules,
      /set answering \{ type ipv4_addr; elements = \{ 127\.77\.0\.10, 127\.77\.3\.4 \}; \}/,
    );
    assert.match(rules, /counter\n\s+ip daddr 127\.77\.0\.0\/16 ip daddr != @answering drop/);
  });
  test("an empty answering set has no elements clause (nft refuses `{ }`)", () => {
    assert.doesNotMatch(nftRuleset({ subnet: "127.77.0.0/24", answering: [] }), /elements/);
  });
  test("refuses anything outside loopback, or answering addresses outside the subnet", () => {
    assert.throws(() => nftRuleset({ subnet: "10.0.0.0/16", answering: [] }), /only simulated inside 127/);
    assert.throws(() => nftRuleset({ subnet: "126.0.0.0/7", answering: [] }), /only simulated inside 127/);
    assert.throws(() => nftRuleset({ subnet: "127.77.0.0/24", answering: ["127.77.1.1"] }), /outside/);
    assert.throws(() => parseCidr("127.77.0.1/16"), /host bits/);
  });
  test("shellQuote", () => {
    assert.equal(shellQuote(["sh", "-c", "a && b", "it's"]), `sh -c 'a && b' 'it'\\''s'`);
  });
});

describe("silent hosts in a network namespace", { skip: skipReason() }, () => {
  test("a dropped 127.x address answers neither ping nor UDP (no ICMP unreachable); an allowed one does", async () => {
    const run = await runInNetns({
      subnet: "127.77.0.0/16",
      answering: ["127.77.0.10"],
      script: PROBE,
      args: [
        "--echo",
        "127.77.0.10",
        "--echo-port",
        "9999",
        "--closed-port",
        "9998",
        "--check",
        "127.77.0.10,127.77.0.11,127.77.200.7",
      ],
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 0, `namespace script failed: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as { isolated: boolean; results: ProbeResult[] };
    assert.equal(out.isolated, true);
    const by = new Map(out.results.map((r) => [r.address, r]));
    // Allowed: echo reply, UDP reply, and ICMP port unreachable for a closed port.
    assert.deepEqual(by.get("127.77.0.10"), {
      address: "127.77.0.10",
      ping: true,
      udp: "reply",
      closedPort: "refused",
    });
    // Dropped: nothing at all, not even port unreachable.
    for (const address of ["127.77.0.11", "127.77.200.7"]) {
      assert.deepEqual(by.get(address), { address, ping: false, udp: "silent", closedPort: "silent" });
    }
  });

  test("outside the namespace the probe script refuses to serve (isolation check)", async () => {
    // Runs on the machine itself: it must notice it is not isolated and probe nothing.
    const { execFileSync } = await import("node:child_process");
    const out = JSON.parse(
      execFileSync(process.execPath, [PROBE, "--check", "127.0.0.1"], { encoding: "utf8" }),
    );
    assert.deepEqual(out, { isolated: false, results: [] });
  });

  test("the namespace and everything in it is killed at the timeout", async () => {
    // The script starts a grandchild that would outlive it; the timeout must take both.
    const marker = `86399.${process.pid}`;
    const run = await runInNetns({
      subnet: "127.77.0.0/24",
      answering: [],
      script: PROBE,
      nodeArgs: [
        "-e",
        `require("node:child_process").spawn("sleep", ["${marker}"], { stdio: "ignore" });
         console.log("started"); setInterval(() => {}, 1000);`,
      ],
      timeoutMs: 1500,
    });
    assert.equal(run.timedOut, true);
    assert.equal(run.stdout.trim(), "started");
    assert.ok(run.ms < 5000, `took ${run.ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
    const left = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return readFileSync(`/proc/${d}/cmdline`, "utf8").includes(marker);
        } catch {
          return false;
        }
      });
    assert.deepEqual(left, [], "a process started inside the namespace survived it");
  });
});
