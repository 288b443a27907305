/**
 * The simulator against Debian's snmpsim on the shared recordings (DP_SNMP_FIXTURES, default
 * <repo>/../shared/fixtures/snmp): same walks, same v1 behaviour. Skipped, visibly, without
 * snmpsimd or the recordings.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  fixturesDir,
  listRecordings,
  type Snmpsim,
  snmpsimSkipReason,
  startSnmpsim,
} from "../testing/snmpsim.ts";
import { type Simulator, startSimulator } from "./simulator.ts";
import { closeSession, get, openSession, type Vb, walk } from "./test-client.ts";

const SYS_DESCR = "1.3.6.1.2.1.1.1.0";

describe("same answers as Debian's snmpsim for the shared recordings", () => {
  const skip = snmpsimSkipReason();
  let snmpsim: Snmpsim | undefined;
  let sim: Simulator | undefined;
  before(async () => {
    if (skip) return;
    [snmpsim, sim] = await Promise.all([
      startSnmpsim({ dataDir: fixturesDir() }),
      startSimulator({ fixtures: fixturesDir(), port: 0 }),
    ]);
  });
  after(async () => {
    await Promise.all([snmpsim?.stop(), sim?.close()]);
  });

  it("v2c walks of every recording are equal", async (t) => {
    if (skip || !snmpsim || !sim) return t.skip(skip);
    const ours = sim.agents[0]?.port as number;
    const theirs = snmpsim.port;
    const names = listRecordings(fixturesDir());
    assert.deepEqual(sim.issues, []);
    // snmpsim takes ~0.3 ms per varbind: the four big walks are compared at the start of
    // mib-2 and of the vendor subtree (400 varbinds each), all other recordings in full.
    const lines = (file: string) => readFileSync(file, "latin1").split("\n").length;
    const big = new Set(sim.agents.filter((a) => lines(a.file) > 1000).map((a) => a.community));
    let varbinds = 0;
    for (let i = 0; i < names.length; i += 4) {
      await Promise.all(
        names.slice(i, i + 4).map(async (name) => {
          const starts = big.has(name) ? ["1.3.6", "1.3.6.1.4.1"] : ["1.3.6"];
          const limit = big.has(name) ? 400 : Infinity;
          const [a, b] = await Promise.all(
            [ours, theirs].map(async (port) => {
              const s = openSession(port, name, { timeout: 3000 });
              try {
                const parts = [];
                for (const start of starts) parts.push(...(await walk(s, start, 50, limit)));
                return parts;
              } finally {
                closeSession(s);
              }
            }),
          );
          assert.deepEqual(a, b, name);
          varbinds += (a as Vb[]).length;
        }),
      );
    }
    assert.ok(varbinds > 5_000, `${varbinds} varbinds compared`);
  });

  it("v1 walks and GETs of absent OIDs agree too", async (t) => {
    if (skip || !snmpsim || !sim) return t.skip(skip);
    const name = "hp_laserjet-mfp-m130nw"; // has Counter64 values, which v1 must skip
    const ask = async (port: number) => {
      const v1 = openSession(port, name, { version: 1, timeout: 3000 });
      const v2 = openSession(port, name, { timeout: 3000 });
      try {
        const walked = await walk(v1, "1.3.6.1.2.1");
        const absent = await get(v2, [SYS_DESCR, "1.3.6.1.2.1.1.1.1", "1.3.6.1.9.9.9"]);
        // snmpsim answers noSuchInstance for both kinds of absence; we tell noSuchObject apart.
        return { walked, absent: absent.map((v) => (v.type >= 0x80 ? "absent" : v.value)) };
      } finally {
        closeSession(v1);
        closeSession(v2);
      }
    };
    const [a, b] = await Promise.all([ask(sim.agents[0]?.port as number), ask(snmpsim.port)]);
    assert.deepEqual(a, b);
    assert.ok(a.walked.length > 300);
  });
});
