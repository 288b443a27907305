import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { insertReadings, insertSupply, insertSupplyReadings } from "../testing/fleet-data.ts";
import { type FleetFixture, startFleetFixture } from "./fleet-fixture.ts";
import { monthBoundaries } from "./volumes.ts";

const day = 24 * 60 * 60 * 1000;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("dashboard", () => {
  let f: FleetFixture;
  /** Starts of last month, this month, next month (UTC). */
  let m: Date[];
  const at = (month: number, offsetMs: number) => new Date((m[month] as Date).getTime() + offsetMs);
  const month = (i: number) => (m[i] as Date).toISOString().slice(0, 10);

  before(async () => {
    f = await startFleetFixture();
    m = monthBoundaries(2);
    const db = f.portal.ctx.db;
    const { a, b } = f.tree;
    const dev = (deviceId: string, customerId: string, accountId = a.accountId) => ({
      accountId,
      customerId,
      deviceId,
    });

    // Page volumes: d1 (A1) reads since before last month; d7 (A2) started last month.
    await insertReadings(db, dev(f.d.d1, a.a1), [
      { readAt: at(0, -day), counters: { total: 1000, mono: 1000 } },
      { readAt: at(0, 5 * day), counters: { total: 1500, mono: 1500 } },
      { readAt: at(1, 60_000), counters: { total: 1600, mono: 1600 } },
    ]);
    await insertReadings(db, dev(f.d.d7, a.a2), [
      { readAt: at(0, 2 * day), counters: { mono: 200, color: 100 } },
      { readAt: at(0, 20 * day), counters: { mono: 300, color: 150 } },
      { readAt: at(1, 120_000), counters: { mono: 350, color: 170 } },
    ]);
    // Neither a retired device nor another dealer's counts.
    for (const [id, customer, account] of [
      [f.d.d6, a.a1, a.accountId],
      [f.d.d8, b.b1, b.accountId],
    ] as const)
      await insertReadings(db, dev(id, customer, account), [
        { readAt: at(0, day), counters: { total: 1 } },
        { readAt: at(1, 60_000), counters: { total: 99_999 } },
      ]);

    // Supplies: d2 and d4 are low (fixture); d3's falls 3 points a day from 30 %: empty in 10 days;
    // d7's falls 2 a day from 50 %: 25 days, beyond the dashboard's 14.
    const now = new Date();
    await insertSupply(db, dev(f.d.d3, a.a1), { key: "1.1", levelPercent: 30, lastReadAt: now });
    await insertSupplyReadings(db, dev(f.d.d3, a.a1), "1.1", [
      { readAt: new Date(now.getTime() - 10 * day), levelPercent: 60 },
    ]);
    await insertSupplyReadings(db, dev(f.d.d7, a.a2), "1.1", [
      { readAt: new Date(Date.now() - 10 * day), levelPercent: 70 },
    ]);
    await db.system((sql) =>
      sql.query("update supplies set last_read_at = now() where device_id = $1", [f.d.d7]),
    );

    // Collectors: online, silent for 4 hours, never in contact, revoked; one of dealer B.
    const collector = (
      accountId: string,
      customerId: string,
      siteId: string,
      contact: Date | null,
      revoked = false,
    ) =>
      db.system((sql) =>
        sql.query(
          `insert into collectors (account_id, customer_id, site_id, name, last_contact_at, revoked_at)
           values ($1, $2, $3, 'ice', $4, $5)`,
          [accountId, customerId, siteId, contact, revoked ? new Date() : null],
        ),
      );
    await collector(a.accountId, a.a1, a.a1North, minutesAgo(10));
    await collector(a.accountId, a.a1, a.a1South, minutesAgo(240));
    await collector(a.accountId, a.a2, a.a2Main, null);
    await collector(a.accountId, a.a1, a.a1North, minutesAgo(500), true);
    await collector(b.accountId, b.b1, b.b1Main, minutesAgo(500));
  });
  after(() => f.close());

  const dashboard = async (who: Parameters<FleetFixture["api"]>[0], query = "") => {
    const res = await f.api(who, "GET", `/api/v1/dashboard${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { generatedAt, ...rest } = res.body;
    assert.equal(typeof generatedAt, "string");
    return rest;
  };
  const volumes = (last: [number, number], current: [number, number]) => ({
    lastMonth: { month: month(0), mono: last[0], color: last[1], total: last[0] + last[1] },
    thisMonth: { month: month(1), mono: current[0], color: current[1], total: current[0] + current[1] },
  });

  it("sums up an account", async () => {
    assert.deepEqual(await dashboard("accountAdmin"), {
      devices: {
        total: 6,
        reporting: 5,
        notReporting: 1,
        byStatus: { ok: 3, warning: 1, error: 1, offline: 1 },
      },
      alerts: {
        open: 2,
        byKind: [
          { kind: "jammed", count: 1 },
          { kind: "lowToner", count: 1 },
        ],
      },
      supplies: { low: 2, forecastEmpty: 1, attention: 3, forecastDays: 14 },
      collectors: { total: 3, offline: 2 },
      volumes: volumes([600, 50], [150, 20]),
    });
  });

  it("sums up a customer user's customer, and a site user's site", async () => {
    assert.deepEqual(await dashboard("customerUser"), {
      devices: {
        total: 5,
        reporting: 4,
        notReporting: 1,
        byStatus: { ok: 2, warning: 1, error: 1, offline: 1 },
      },
      alerts: {
        open: 2,
        byKind: [
          { kind: "jammed", count: 1 },
          { kind: "lowToner", count: 1 },
        ],
      },
      supplies: { low: 2, forecastEmpty: 1, attention: 3, forecastDays: 14 },
      collectors: { total: 2, offline: 1 },
      volumes: volumes([500, 0], [100, 0]),
    });
    const site = await f.asSiteUser("GET", "/api/v1/dashboard");
    assert.equal(site.status, 200);
    assert.deepEqual(site.body.devices, {
      total: 3,
      reporting: 3,
      notReporting: 0,
      byStatus: { ok: 2, warning: 1, error: 0, offline: 0 },
    });
    assert.deepEqual(site.body.alerts, { open: 1, byKind: [{ kind: "lowToner", count: 1 }] });
    assert.deepEqual(site.body.supplies, { low: 1, forecastEmpty: 1, attention: 2, forecastDays: 14 });
    assert.deepEqual(site.body.collectors, { total: 1, offline: 0 });
  });

  it("narrows to one customer or site of the scope", async () => {
    const a2 = await dashboard("accountAdmin", `?customerId=${f.tree.a.a2}`);
    assert.equal(a2.devices.total, 1);
    assert.deepEqual(a2.alerts, { open: 0, byKind: [] });
    assert.deepEqual(a2.supplies, { low: 0, forecastEmpty: 0, attention: 0, forecastDays: 14 });
    assert.deepEqual(a2.collectors, { total: 1, offline: 1 });
    assert.deepEqual(a2.volumes, volumes([100, 50], [50, 20]));
    const south = await dashboard("accountAdmin", `?siteId=${f.tree.a.a1South}`);
    assert.deepEqual(south.devices.byStatus, { ok: 0, warning: 0, error: 1, offline: 1 });
    assert.deepEqual(south.collectors, { total: 1, offline: 1 });
  });

  it("agrees with the lists it summarises", async () => {
    const board = await dashboard("accountAdmin");
    const soon = await f.api("accountAdmin", "GET", "/api/v1/supplies/low?forecastDays=14&limit=500");
    assert.equal(soon.body.items.length, board.supplies.attention);
    const devices = await f.api("accountAdmin", "GET", "/api/v1/devices?limit=500");
    assert.equal(devices.body.items.length, board.devices.total);
    const silent = await f.api("accountAdmin", "GET", "/api/v1/devices?notReporting=true");
    assert.equal(silent.body.items.length, board.devices.notReporting);
    const open = await f.api("accountAdmin", "GET", "/api/v1/alerts?state=open&limit=500");
    assert.equal(open.body.items.length, board.alerts.open);
  });

  it("shows the platform every account", async () => {
    const all = await dashboard("platformAdmin");
    assert.equal(all.devices.total, 7);
    assert.deepEqual(all.collectors, { total: 4, offline: 3 });
    assert.equal(all.volumes.thisMonth.total, 170 + 99_999 - 1);
  });

  it("answers 404 for a customer or site outside the scope, 400 for a malformed one", async () => {
    assert.equal(
      (await f.api("customerUser", "GET", `/api/v1/dashboard?customerId=${f.tree.a.a2}`)).status,
      404,
    );
    assert.equal(
      (await f.api("accountAdmin", "GET", `/api/v1/dashboard?siteId=${f.tree.b.b1Main}`)).status,
      404,
    );
    assert.equal((await f.asSiteUser("GET", `/api/v1/dashboard?siteId=${f.tree.a.a1South}`)).status, 404);
    assert.equal((await f.api("accountAdmin", "GET", "/api/v1/dashboard?customerId=x")).status, 400);
    assert.equal((await f.api(undefined, "GET", "/api/v1/dashboard")).status, 401);
  });
});
