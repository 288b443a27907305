import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createMemoryLogger } from "../log.ts";
import type { Faults } from "../sim/agent.ts";
import { type Simulator, startSimulator } from "../sim/simulator.ts";
import { SnmpClient } from "./client.ts";
import { SnmpBadAnswerError, SnmpNoAnswerError } from "./errors.ts";
import type { SnmpCredentials } from "./target.ts";

/** The tolerant client against the project's simulator, over real UDP on loopback. */

const dir = mkdtempSync(join(tmpdir(), "dp-client-"));
const recording = join(dir, "device.snmprec");
writeFileSync(
  recording,
  [
    "1.3.6.1.2.1.1.1.0|4|Test device",
    "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1",
    "1.3.6.1.2.1.1.5.0|5|",
    "1.3.6.1.2.1.43.11.1.1.9.1.1|2|10",
    "1.3.6.1.2.1.43.11.1.1.9.1.2|5|",
    "1.3.6.1.2.1.43.11.1.1.9.1.3|2|30",
    ...Array.from({ length: 60 }, (_, i) => `1.3.6.1.4.1.99999.2.${i + 1}|65|${i * 10}`),
    "1.3.6.1.4.1.99999.3.0|70|18446744073709551615",
    "",
  ].join("\n"),
);

const sims: Simulator[] = [];
async function client(
  faults?: Faults,
  credentials: SnmpCredentials = { version: "2c", community: "public" },
) {
  const sim = await startSimulator({
    fixtures: [recording],
    address: "127.0.0.1",
    port: 0,
    ...(faults && { faults }),
  });
  sims.push(sim);
  const log = createMemoryLogger();
  const c = new SnmpClient(
    { host: "127.0.0.1", port: sim.agents[0]?.port ?? 0, credentials, timeoutMs: 250, retries: 0 },
    { log, maxRepetitions: 10 },
  );
  return { c, log };
}

after(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

describe("SnmpClient", () => {
  for (const version of ["2c", "1"] as const) {
    describe(`SNMP v${version}`, () => {
      let c: SnmpClient;
      let log: ReturnType<typeof createMemoryLogger>;
      before(async () => {
        ({ c, log } = await client(undefined, { version, community: "public" }));
      });
      after(() => c.close());

      test("GET skips missing OIDs (noSuchObject / noSuchName) and Null, keeps the rest", async () => {
        const values = await c.get([
          "1.3.6.1.2.1.1.1.0",
          "1.3.6.1.2.1.1.9.9.0",
          "1.3.6.1.2.1.1.5.0",
          "1.3.6.1.2.1.43.11.1.1.9.1.3",
        ]);
        assert.deepEqual([...values.keys()].sort(), ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.43.11.1.1.9.1.3"]);
      });

      test("a walk crosses many requests, skips Null rows and logs them", async () => {
        const rows = await c.walk("1.3.6.1.4.1.99999.2");
        assert.equal(rows.length, 60);
        assert.equal(rows.at(-1)?.oid, "1.3.6.1.4.1.99999.2.60");
        const supplies = await c.walk("1.3.6.1.2.1.43.11.1.1.9");
        assert.deepEqual(
          supplies.map((r) => r.oid),
          ["1.3.6.1.2.1.43.11.1.1.9.1.1", "1.3.6.1.2.1.43.11.1.1.9.1.3"],
        );
        assert.ok(c.stats.skippedValues >= 1);
        assert.ok(log.lines.some((l) => l.includes("skipped 1.3.6.1.2.1.43.11.1.1.9.1.2")));
      });

      test("a walk at the end of the MIB stops (endOfMibView / noSuchName)", async () => {
        assert.deepEqual(await c.walk("1.3.6.1.4.1.99999.9"), []);
        assert.deepEqual(await c.walk("1.3.6.1.6"), []);
      });
    });
  }

  test("Counter64 values survive beyond 2^53 as bigint", async () => {
    const { c } = await client();
    const values = await c.get(["1.3.6.1.4.1.99999.3.0"]);
    c.close();
    assert.deepEqual(values.get("1.3.6.1.4.1.99999.3.0"), {
      kind: "counter64",
      value: 18446744073709551615n,
    });
  });

  test("probe: no answer is an error; afterwards nothing waits for a dead agent", async () => {
    const { c } = await client({ dropAfter: 0 });
    await assert.rejects(c.probe(["1.3.6.1.2.1.1.1.0"]), SnmpNoAnswerError);
    assert.equal(c.unresponsive, true);
    const started = performance.now();
    assert.deepEqual(await c.walk("1.3.6.1.2.1"), []);
    assert.equal((await c.get(["1.3.6.1.2.1.1.1.0"])).size, 0);
    assert.ok(performance.now() - started < 50, "no further timeouts once the agent is known dead");
    c.close();
  });

  test("slow answers within the timeout are fine", async () => {
    const { c } = await client({ delayMs: 100 });
    const values = await c.get(["1.3.6.1.2.1.1.1.0"]);
    c.close();
    assert.equal(values.size, 1);
  });

  test("GETBULK refused with genErr: walks fall back to GETNEXT", async () => {
    const { c, log } = await client({ noBulk: true });
    const rows = await c.walk("1.3.6.1.4.1.99999.2");
    c.close();
    assert.equal(rows.length, 60);
    assert.ok(log.lines.some((l) => l.includes("walking with GETNEXT")));
  });

  test("a lying agent whose walk never advances: the walk stops after one request", async () => {
    const { c } = await client({ lying: "repeat" });
    const before = c.stats.requests;
    assert.deepEqual(await c.walk("1.3.6.1.2.1.43"), []);
    assert.equal(c.stats.requests - before, 1);
    c.close();
  });

  test("a lying agent whose walk goes backwards: stopped and logged, rows so far kept", async () => {
    const { c, log } = await client({ lying: "backwards" });
    const rows = await c.walk("1.3.6.1.2.1.43");
    c.close();
    assert.ok(rows.length <= 1);
    assert.ok(log.lines.some((l) => l.includes("went backwards")));
  });

  test("a lying agent whose subtree never ends: the walk is cut at its row bound", async () => {
    const sim = await startSimulator({
      fixtures: [recording],
      address: "127.0.0.1",
      port: 0,
      faults: { lying: "endless" },
    });
    sims.push(sim);
    const log = createMemoryLogger();
    const c = new SnmpClient(
      {
        host: "127.0.0.1",
        port: sim.agents[0]?.port ?? 0,
        credentials: { version: "2c", community: "public" },
        timeoutMs: 250,
        retries: 0,
      },
      { log, maxWalkRows: 300 },
    );
    const rows = await c.walk("1.3.6.1.2.1.43");
    c.close();
    assert.equal(rows.length, 300);
    assert.ok(log.lines.some((l) => l.includes("stopped at 300 rows")));
  });

  test("malformed replies are reported as unusable, never crash", async () => {
    const { c } = await client({ malformed: true });
    await assert.rejects(c.probe(["1.3.6.1.2.1.1.1.0"]), SnmpBadAnswerError);
    // Whatever comes next from such an agent is skipped, not thrown.
    assert.deepEqual(await c.walk("1.3.6.1.2.1"), []);
    c.close();
  });
});
