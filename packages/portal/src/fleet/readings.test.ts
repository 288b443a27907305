import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { insertDevice, insertReadings } from "../testing/fleet-data.ts";
import { type FleetFixture, startFleetFixture } from "./fleet-fixture.ts";
import { monthBoundaries } from "./volumes.ts";

const day = 24 * 60 * 60 * 1000;
const counters = (mono: number, color: number) => ({ total: mono + color, mono, color });

describe("meter readings and page volumes", () => {
  let f: FleetFixture;
  /** Starts of the month before last, last month, this month, next month (UTC). */
  let m: Date[];
  const at = (month: number, offsetMs: number) => new Date((m[month] as Date).getTime() + offsetMs);

  before(async () => {
    f = await startFleetFixture();
    m = monthBoundaries(3);
    const { a } = f.tree;
    const device = { accountId: a.accountId, customerId: a.a1, deviceId: f.d.d1 };
    await insertReadings(f.portal.ctx.db, device, [
      // The baseline of the month before last: the last reading before it.
      { readAt: at(0, -1 * day), counters: counters(1000, 100) },
      { readAt: at(0, 5 * day), counters: counters(1100, 150) },
      { readAt: at(0, 20 * day), counters: counters(1300, 200) },
      { readAt: at(1, 3 * day), counters: counters(1350, 220) },
      // The counters restarted (a new board): a new baseline, no negative volume.
      { readAt: at(1, 10 * day), counters: counters(50, 10), anomaly: "backwards" },
      { readAt: at(1, 15 * day), counters: counters(250, 40) },
      // A jump is suspicious but counts.
      { readAt: at(2, 60_000), counters: counters(300, 60), anomaly: "jump" },
    ]);
  });
  after(() => f.close());

  it("computes monthly volumes from the last reading of each month, restarting at a counter reset", async () => {
    const res = await f.api("customerUser", "GET", `/api/v1/devices/${f.d.d1}/volumes?months=3`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      deviceId: f.d.d1,
      months: [
        { month: (m[0] as Date).toISOString().slice(0, 10), mono: 300, color: 100, total: 400 },
        // 1300 → 1350, then from the new baseline 50 → 250 (and 200 → 220, 10 → 40 in colour)
        { month: (m[1] as Date).toISOString().slice(0, 10), mono: 250, color: 50, total: 300 },
        { month: (m[2] as Date).toISOString().slice(0, 10), mono: 50, color: 20, total: 70 },
      ],
    });
  });

  it("answers twelve months by default, nothing before the first reading", async () => {
    const res = await f.api("accountAdmin", "GET", `/api/v1/devices/${f.d.d1}/volumes`);
    assert.equal(res.body.months.length, 12);
    assert.deepEqual(
      res.body.months.slice(0, 9).map((v: { total: number }) => v.total),
      Array(9).fill(0),
    );
    assert.deepEqual(
      res.body.months.slice(9).map((v: { total: number }) => v.total),
      [400, 300, 70],
    );
  });

  it("starts a new device's first month from its first reading", async () => {
    const { a } = f.tree;
    const id = await insertDevice(f.portal.ctx.db, {
      accountId: a.accountId,
      customerId: a.a1,
      siteId: a.a1North,
    });
    await insertReadings(f.portal.ctx.db, { accountId: a.accountId, customerId: a.a1, deviceId: id }, [
      { readAt: at(2, 60_000), counters: { total: 5000 } },
      { readAt: at(2, 120_000), counters: { total: 5100 } },
    ]);
    const res = await f.api("accountAdmin", "GET", `/api/v1/devices/${id}/volumes?months=2`);
    assert.deepEqual(
      res.body.months.map((v: { mono: number; color: number; total: number }) => [v.mono, v.color, v.total]),
      [
        [0, 0, 0],
        [100, 0, 100],
      ],
    );
  });

  it("lists readings newest first with their anomaly flag, in pages", async () => {
    const first = await f.api("customerUser", "GET", `/api/v1/devices/${f.d.d1}/readings?limit=3`);
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.items.map((r: { counters: { mono: number }; anomaly: string | null }) => [
        r.counters.mono,
        r.anomaly,
      ]),
      [
        [300, "jump"],
        [250, null],
        [50, "backwards"],
      ],
    );
    const rest: number[] = [];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await f.api(
        "customerUser",
        "GET",
        `/api/v1/devices/${f.d.d1}/readings?limit=3&cursor=${cursor}`,
      );
      rest.push(...page.body.items.map((r: { counters: { mono: number } }) => r.counters.mono));
      cursor = page.body.nextCursor;
    }
    assert.deepEqual(rest, [1350, 1300, 1100, 1000]);
  });

  it("limits readings to a time range (from inclusive, to exclusive)", async () => {
    const from = at(1, 0).toISOString();
    const to = at(1, 15 * day).toISOString();
    const res = await f.api(
      "accountAdmin",
      "GET",
      `/api/v1/devices/${f.d.d1}/readings?from=${from}&to=${to}`,
    );
    assert.deepEqual(
      res.body.items.map((r: { counters: { mono: number } }) => r.counters.mono),
      [50, 1350],
    );
    assert.equal(res.body.items[0].counterUnit, "impressions");
  });

  it("answers 404 outside the scope and 400 for malformed input", async () => {
    const { d } = f;
    assert.equal((await f.api("otherAccountAdmin", "GET", `/api/v1/devices/${d.d1}/readings`)).status, 404);
    assert.equal((await f.api("customerUser", "GET", `/api/v1/devices/${d.d7}/volumes`)).status, 404);
    assert.equal((await f.asSiteUser("GET", `/api/v1/devices/${d.d4}/readings`)).status, 404);
    for (const query of [
      "readings?cursor=bm9wZQ",
      "readings?from=yesterday",
      "readings?limit=1001",
      "volumes?months=0",
      "volumes?months=37",
    ])
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/devices/${d.d1}/${query}`)).status,
        400,
        query,
      );
  });
});
