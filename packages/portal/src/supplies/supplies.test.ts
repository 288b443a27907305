import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type FleetFixture, startFleetFixture } from "../fleet/fleet-fixture.ts";
import {
  insertDevice,
  insertSupply,
  insertSupplyChange,
  insertSupplyReadings,
} from "../testing/fleet-data.ts";

const day = 24 * 60 * 60 * 1000;

describe("supplies: history, changes, forecast, low list", () => {
  let f: FleetFixture;
  let dF: string;
  /** The time of the current readings. */
  const T = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ago = (ms: number) => new Date(T.getTime() - ms);
  /** Start of the UTC day three days ago: two readings on it test the daily history. */
  const D = new Date(Math.floor((T.getTime() - 3 * day) / day) * day);

  before(async () => {
    f = await startFleetFixture();
    const db = f.portal.ctx.db;
    const { a } = f.tree;
    dF = await insertDevice(db, {
      accountId: a.accountId,
      customerId: a.a1,
      siteId: a.a1North,
      vendor: "Lexmark",
      serial: "LX-F",
      name: "forecast",
    });
    const dev = { accountId: a.accountId, customerId: a.a1, deviceId: dF };
    const supply = async (
      key: string,
      color: string,
      levelPercent: number,
      readings: [number, number][],
      more = {},
    ) => {
      await insertSupply(db, dev, { key, color, levelPercent, lastReadAt: T, ...more });
      await insertSupplyReadings(
        db,
        dev,
        key,
        readings.map(([agoMs, level]) => ({ readAt: ago(agoMs), levelPercent: level })),
      );
    };
    // 50 → 30 in 10 days: 2 points a day, empty in 15 days.
    await supply("k1", "black", 30, [
      [10 * day, 50],
      [5 * day, 40],
      [0, 30],
    ]);
    // 45 → 25 in 10 days: empty in 12.5 days.
    await supply("k2", "cyan", 25, [
      [10 * day, 45],
      [0, 25],
    ]);
    // 90 → 80 in 10 days: 80 days; two readings on day D, the later one is its history point.
    await supply("k3", "magenta", 80, [
      [10 * day, 90],
      [T.getTime() - D.getTime() - 1 * 3600_000, 85],
      [T.getTime() - D.getTime() - 2 * 3600_000, 84],
      [0, 80],
    ]);
    // Replaced two days ago: the old cartridge's 10 % does not count; 100 → 98 in a day: 49 days.
    await supply(
      "k4",
      "yellow",
      98,
      [
        [10 * day, 10],
        [1 * day, 100],
        [0, 98],
      ],
      { lastChangedAt: ago(2 * day) },
    );
    // Fell only before the 30-day window, flat inside it: no forecast.
    await supply(
      "k5",
      "waste",
      40,
      [
        [45 * day, 90],
        [5 * day, 40],
        [0, 40],
      ],
      { type: "waste" },
    );
    await supply("k6", "photo black", 0, [[0, 0]], { state: "empty" });
    await insertSupplyChange(db, dev, {
      supplyKey: "k4",
      changedAt: ago(60 * day),
      levelBefore: 3,
      levelAfter: 100,
      totalAtChange: 5000,
    });
    await insertSupplyChange(db, dev, {
      supplyKey: "k4",
      changedAt: ago(2 * day),
      levelBefore: 10,
      levelAfter: 100,
      totalAtChange: 15000,
    });
    // A low supply of customer A2, for the scope tests.
    await insertSupply(
      db,
      { accountId: a.accountId, customerId: a.a2, deviceId: f.d.d7 },
      { key: "1.9", levelPercent: 5 },
    );
  });
  after(() => f.close());

  const plusDays = (days: number) => new Date(T.getTime() + days * day).toISOString();

  describe("a device's supplies", () => {
    it("forecasts from the last 30 days since the last change, and not without a fall", async () => {
      const res = await f.api("customerUser", "GET", `/api/v1/devices/${dF}/supplies`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const forecast = Object.fromEntries(
        res.body.items.map((s: { key: string; forecastEmptyAt: string | null }) => [
          s.key,
          s.forecastEmptyAt,
        ]),
      );
      assert.deepEqual(forecast, {
        k1: plusDays(15),
        k2: plusDays(12.5),
        k3: plusDays(80),
        k4: plusDays(49),
        k5: null,
        k6: T.toISOString(),
      });
    });

    it("answers the daily history (last reading of each day) and the replacements with their yield", async () => {
      const res = await f.api("accountAdmin", "GET", `/api/v1/devices/${dF}/supplies?days=30`);
      const byKey = new Map(res.body.items.map((s: { key: string }) => [s.key, s]));
      const k3 = byKey.get("k3") as { history: { levelPercent: number }[]; low: boolean };
      assert.deepEqual(
        k3.history.map((h) => h.levelPercent),
        [90, 84, 80],
      );
      const k5 = byKey.get("k5") as { history: { levelPercent: number }[]; type: string };
      assert.deepEqual(
        k5.history.map((h) => h.levelPercent),
        [40, 40],
      );
      assert.equal(k5.type, "waste");
      const k4 = byKey.get("k4") as { changes: { changedAt: string; pagesSincePrevious: number | null }[] };
      assert.deepEqual(
        k4.changes.map((c) => [c.changedAt, c.pagesSincePrevious]),
        [
          [ago(2 * day).toISOString(), 10000],
          [ago(60 * day).toISOString(), null],
        ],
      );
      assert.equal((byKey.get("k6") as { low: boolean }).low, true);
      assert.equal(k3.low, false);
    });

    it("answers 404 outside the scope, 400 for malformed input", async () => {
      assert.equal((await f.api("otherAccountAdmin", "GET", `/api/v1/devices/${dF}/supplies`)).status, 404);
      assert.equal((await f.asSiteUser("GET", `/api/v1/devices/${f.d.d4}/supplies`)).status, 404);
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/devices/${randomUUID()}/supplies`)).status,
        404,
      );
      assert.equal((await f.api("accountAdmin", "GET", `/api/v1/devices/${dF}/supplies?days=0`)).status, 400);
    });
  });

  describe("low supplies", () => {
    type Item = {
      device: { id: string };
      supply: { key: string; levelPercent: number | null };
      daysToEmpty: number | null;
    };
    const keys = (body: { items: Item[] }) =>
      body.items.map(
        (i) =>
          `${i.device.id === dF ? "F" : Object.entries(f.d).find(([, id]) => id === i.device.id)?.[0]}:${i.supply.key}`,
      );
    const low = async (query: string, who: Parameters<FleetFixture["api"]>[0] = "accountAdmin") => {
      const res = await f.api(who, "GET", `/api/v1/supplies/low${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { items: Item[]; nextCursor: string | null };
    };

    it("lists supplies at or below 20 % or reported low or empty, lowest first", async () => {
      const body = await low("");
      assert.deepEqual(keys(body), ["F:k6", "d7:1.9", "d2:1.1", "d4:1.2"]);
      const first = body.items[0] as Item & Record<string, unknown>;
      assert.equal(first.daysToEmpty, 0);
      assert.deepEqual(first.customer, { id: f.tree.a.a1, name: "Customer A1" });
      assert.deepEqual(first.site, { id: f.tree.a.a1North, name: "A1 north" });
    });

    it("takes a threshold, and supplies forecast to run out within some days", async () => {
      assert.deepEqual(keys(await low("?threshold=35")), [
        "F:k6",
        "d7:1.9",
        "d2:1.1",
        "F:k2",
        "F:k1",
        "d4:1.2",
      ]);
      const soon = await low("?forecastDays=14");
      assert.deepEqual(keys(soon), ["F:k6", "d7:1.9", "d2:1.1", "F:k2", "d4:1.2"]);
      assert.equal(soon.items.find((i) => i.supply.key === "k2")?.daysToEmpty, 12.5);
      assert.deepEqual(keys(await low("?forecastDays=20&type=toner")), [
        "F:k6",
        "d7:1.9",
        "d2:1.1",
        "F:k2",
        "F:k1",
        "d4:1.2",
      ]);
      assert.deepEqual(keys(await low("?threshold=100&type=waste")), ["F:k5"]);
    });

    it("keeps to the caller's scope and narrows to a customer or site", async () => {
      assert.deepEqual(keys(await low("", "customerUser")), ["F:k6", "d2:1.1", "d4:1.2"]);
      const site = await f.asSiteUser("GET", "/api/v1/supplies/low");
      assert.deepEqual(keys(site.body), ["F:k6", "d2:1.1"]);
      assert.deepEqual(keys(await low(`?customerId=${f.tree.a.a2}`)), ["d7:1.9"]);
      assert.deepEqual(keys(await low(`?siteId=${f.tree.a.a1South}`)), ["d4:1.2"]);
      assert.deepEqual(keys(await low("", "otherAccountAdmin")), []);
      assert.equal(
        (await f.api("customerUser", "GET", `/api/v1/supplies/low?customerId=${f.tree.a.a2}`)).status,
        404,
      );
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/supplies/low?siteId=${f.tree.b.b1Main}`)).status,
        404,
      );
    });

    it("pages without gaps or repeats", async () => {
      const all = keys(await low("?threshold=100"));
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await low(`?threshold=100&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        walked.push(...keys(page));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(walked, all);
      assert.equal(new Set(all).size, all.length);
      assert.ok(all.length >= 10);
    });

    it("refuses malformed queries", async () => {
      for (const query of [
        "threshold=101",
        "threshold=-1",
        "forecastDays=0",
        "limit=501",
        "cursor=xyz",
        "customerId=1",
      ])
        assert.equal(
          (await f.api("accountAdmin", "GET", `/api/v1/supplies/low?${query}`)).status,
          400,
          query,
        );
    });
  });
});
