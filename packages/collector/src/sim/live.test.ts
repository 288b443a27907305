import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { LiveModel } from "./live.ts";
import { type Simulator, startSimulator } from "./simulator.ts";
import { loadSnmprec, type Recording } from "./snmprec.ts";
import { closeSession, get, openSession } from "./test-client.ts";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures");
const HOUR = 3_600_000;

/** Live values of `oids` at clock reading `now` (direct, no UDP). */
function valuesAt(model: LiveModel, recording: Recording, now: number, oids: string[]) {
  const state = model.state(now);
  return oids.map((oid) => {
    const i = recording.records.findIndex((r) => r.oid === oid);
    const r = recording.records[i];
    assert.ok(r, oid);
    return model.value(i, r, state) ?? r.value;
  });
}

describe("live model", () => {
  const color = loadSnmprec(join(FIXTURES, "generic-color-mfp.snmprec"));
  const mono = loadSnmprec(join(FIXTURES, "generic-mono-printer.snmprec"));

  it("counters rise at pages per hour; PWG mono + colour stay equal to the total", () => {
    let now = 1_000_000;
    const model = new LiveModel(color, { clock: () => now, pagesPerHour: 120 }, 0);
    const oids = [
      "1.3.6.1.2.1.43.10.2.1.4.1.1", // prtMarkerLifeCount
      "1.3.6.1.2.1.43.10.2.1.5.1.1", // prtMarkerPowerOnCount
      "1.3.6.1.4.1.2699.1.3.1.8.1.1.4.1.3.3", // icImpressionTotalImps
      "1.3.6.1.4.1.2699.1.3.1.8.1.1.5.1.3.3", // …MonochromeImps
      "1.3.6.1.4.1.2699.1.3.1.8.1.1.7.1.3.3", // …FullColorImps
    ];
    assert.deepEqual(valuesAt(model, color, now, oids), [184233, 1822, 184233, 121507, 62726]);
    now += 2 * HOUR;
    const [life, powerOn, total, monoImps, colorImps] = valuesAt(model, color, now, oids) as number[];
    assert.deepEqual([life, powerOn, total], [184473, 2062, 184473]);
    assert.equal(colorImps, 62726 + 72); // 30 % of 240
    assert.equal((monoImps as number) + (colorImps as number), total);
  });

  it("toner falls with the pages and is replaced when empty; colour toner only with colour pages", () => {
    let now = 0;
    const model = new LiveModel(color, { clock: () => now, pagesPerHour: 1000, pagesPerSupply: 1000 });
    const levels = () =>
      valuesAt(
        model,
        color,
        now,
        [1, 4, 5, 6].map((i) => `1.3.6.1.2.1.43.11.1.1.9.1.${i}`),
      ) as number[];
    assert.deepEqual(levels(), [64, 8, -3, 41210]);
    now = 0.5 * HOUR; // 500 pages, 150 of them colour
    assert.deepEqual(levels(), [14, 100 - 7, -3, 41210 - 6000]); // yellow: 8 - 15 → replaced at 0, 93 left
    now = 0.639 * HOUR;
    assert.equal(levels()[0], 0); // black at its last drop
    now = 0.64 * HOUR;
    assert.equal(levels()[0], 100); // and replaced
  });

  it("a mono printer's drum wears five times slower than its toner", () => {
    let now = 0;
    const model = new LiveModel(mono, { clock: () => now, pagesPerHour: 100, pagesPerSupply: 1000 });
    now = HOUR;
    assert.deepEqual(
      valuesAt(model, mono, now, ["1.3.6.1.2.1.43.11.1.1.9.1.1", "1.3.6.1.2.1.43.11.1.1.9.1.2"]),
      [54, 17540 - 600],
    );
  });

  it("jams and paper-outs come and go, seeded per printer", () => {
    let now = 0;
    const oids = ["1.3.6.1.2.1.25.3.5.1.2.1", "1.3.6.1.2.1.25.3.5.1.1.1", "1.3.6.1.2.1.25.3.2.1.5.1"];
    const never = new LiveModel(color, { clock: () => now });
    const always = new LiveModel(color, { clock: () => now, jamRate: 6, paperOutRate: 6 }); // 1 per 10-minute slot
    now = 5 * HOUR;
    assert.deepEqual(valuesAt(never, color, now, oids), [Buffer.from([0x20, 0x00]), 3, 3]);
    assert.deepEqual(valuesAt(always, color, now, oids), [Buffer.from([0x20 | 0x40 | 0x04, 0x00]), 1, 5]);
    // The network device (hrDevice 2) is not the printer: never down.
    assert.equal(valuesAt(always, color, now, ["1.3.6.1.2.1.25.3.2.1.5.2"])[0], 2);

    const sometimes = [1, 2].map((seed) => new LiveModel(color, { clock: () => 0, jamRate: 3 }, seed));
    const seen = sometimes.map((m) => {
      const jammed: boolean[] = [];
      for (let slot = 0; slot < 60; slot++) jammed.push(m.state(slot * 600_000 + 1).jammed);
      return jammed;
    });
    for (const s of seen) {
      const n = s.filter(Boolean).length;
      assert.ok(n > 10 && n < 50, `jammed in ${n} of 60 slots`);
    }
    assert.notDeepEqual(seen[0], seen[1]);
  });
});

describe("live simulator over UDP with an injected clock", () => {
  let now = 0;
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({
      fixtures: join(FIXTURES, "generic-mono-printer.snmprec"),
      port: 0,
      live: { clock: () => now, pagesPerHour: 600, pagesPerSupply: 1000 },
    });
  });
  after(() => sim.close());

  it("sysUpTime, page counter and toner move with the clock", async () => {
    const session = openSession(sim.agents[0]?.port as number, "public");
    const read = async () =>
      (
        await get(session, [
          "1.3.6.1.2.1.1.3.0",
          "1.3.6.1.2.1.43.10.2.1.4.1.1",
          "1.3.6.1.2.1.43.11.1.1.9.1.1",
        ])
      ).map((v) => v.value);
    try {
      assert.deepEqual(await read(), [2811406, 73561, 64]);
      now += HOUR;
      assert.deepEqual(await read(), [2811406 + 360_000, 73561 + 600, 4]);
      now += HOUR / 10; // 60 more pages: the toner ran out and was replaced
      assert.deepEqual(await read(), [2811406 + 396_000, 73561 + 660, 98]);
    } finally {
      closeSession(session);
    }
  });
});
