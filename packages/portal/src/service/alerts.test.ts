import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type FleetFixture, startFleetFixture } from "../fleet/fleet-fixture.ts";
import { insertAlert } from "../testing/fleet-data.ts";

describe("alerts", () => {
  let f: FleetFixture;
  const alert: Record<string, string> = {};
  const all = () =>
    f.portal.ctx.db.system(async (sql) => (await sql.query("select alert_id from alerts")).rows);

  before(async () => {
    f = await startFleetFixture();
    const db = f.portal.ctx.db;
    const { a, b } = f.tree;
    const ids = (await db.system((sql) => sql.query("select alert_id, kind from alerts"))).rows;
    for (const row of ids) alert[row.kind] = row.alert_id;
    // Ten device alerts of d1, several at the very same time: the id breaks the tie.
    const same = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 10; i++)
      alert[`device-alert:${i}`] = await insertAlert(
        db,
        { accountId: a.accountId, deviceId: f.d.d1 },
        {
          kind: `device-alert:${i}`,
          severity: "info",
          openedAt: i < 6 ? same : new Date(same.getTime() - i * 1000),
        },
      );
    alert.foreign = await insertAlert(db, { accountId: b.accountId, deviceId: f.d.d8 }, { kind: "noPaper" });
    assert.equal((await all()).length, 14);
  });
  after(() => f.close());

  type Item = { id: string; kind: string; openedAt: string; closedAt: string | null };
  const list = async (query: string, who: Parameters<FleetFixture["api"]>[0] = "accountAdmin") => {
    const res = await f.api(who, "GET", `/api/v1/alerts${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { items: Item[]; nextCursor: string | null };
  };
  const kinds = (body: { items: Item[] }) => body.items.map((i) => i.kind).sort();

  describe("list", () => {
    it("lists the scope's alerts newest first, open and closed", async () => {
      const body = await list("?limit=100");
      assert.equal(body.items.length, 13);
      const times = body.items.map((i) => i.openedAt);
      assert.deepEqual(times, [...times].sort().reverse());
      assert.ok(!body.items.some((i) => i.id === alert.foreign));
    });

    it("filters by state, kind, severity, customer, site and device", async () => {
      const { d, tree } = f;
      assert.deepEqual(kinds(await list("?state=closed")), ["doorOpen"]);
      assert.equal((await list("?state=open")).items.length, 12);
      assert.deepEqual(kinds(await list("?kind=jammed")), ["jammed"]);
      assert.deepEqual(kinds(await list("?severity=critical")), ["jammed"]);
      assert.deepEqual(kinds(await list(`?customerId=${tree.a.a2}`)), ["doorOpen"]);
      assert.deepEqual(kinds(await list(`?siteId=${tree.a.a1South}`)), ["jammed"]);
      assert.deepEqual(kinds(await list(`?deviceId=${d.d2}&state=open`)), ["lowToner"]);
    });

    it("keeps customer and site users to their own", async () => {
      assert.equal((await list("?limit=100", "customerUser")).items.length, 12);
      const site = await f.asSiteUser("GET", "/api/v1/alerts?limit=100");
      assert.equal(site.body.items.length, 11);
      assert.ok(!site.body.items.some((i: Item) => i.kind === "jammed"));
      assert.deepEqual(kinds(await list("", "otherAccountAdmin")), ["noPaper"]);
      assert.equal((await list("?limit=100", "platformAdmin")).items.length, 14);
    });

    it("answers a foreign customer, site or device filter with 404", async () => {
      const { d, tree } = f;
      for (const [who, query] of [
        ["accountAdmin", `deviceId=${d.d8}`],
        ["accountAdmin", `customerId=${tree.b.b1}`],
        ["customerUser", `deviceId=${d.d7}`],
        ["customerUser", `siteId=${tree.a.a2Main}`],
        ["accountAdmin", `deviceId=${randomUUID()}`],
      ] as const)
        assert.equal((await f.api(who, "GET", `/api/v1/alerts?${query}`)).status, 404, query);
    });

    it("pages without gaps or repeats, also through equal times", async () => {
      const every = (await list("?limit=100")).items.map((i) => i.id);
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        walked.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(walked, every);
    });

    it("refuses malformed queries", async () => {
      for (const query of ["state=gone", "severity=fatal", "limit=0", "deviceId=x", "cursor=e30"])
        assert.equal((await f.api("accountAdmin", "GET", `/api/v1/alerts?${query}`)).status, 400, query);
    });
  });

  describe("one alert", () => {
    it("answers the alert with its device, customer and site", async () => {
      const res = await f.api("customerUser", "GET", `/api/v1/alerts/${alert.jammed}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.kind, "jammed");
      assert.equal(res.body.severity, "critical");
      assert.equal(res.body.deviceId, f.d.d4);
      assert.deepEqual(res.body.device, {
        id: f.d.d4,
        name: null,
        vendor: "HP",
        model: "Color LaserJet",
        serial: "HP-004",
        ip: "10.0.1.5",
      });
      assert.deepEqual(res.body.site, { id: f.tree.a.a1South, name: "A1 south" });
      assert.equal(res.body.closedAt, null);
    });

    it("answers 404 outside the scope", async () => {
      assert.equal((await f.api("otherAccountAdmin", "GET", `/api/v1/alerts/${alert.jammed}`)).status, 404);
      assert.equal((await f.api("customerUser", "GET", `/api/v1/alerts/${alert.doorOpen}`)).status, 404);
      assert.equal((await f.asSiteUser("GET", `/api/v1/alerts/${alert.jammed}`)).status, 404);
      assert.equal((await f.api("accountAdmin", "GET", `/api/v1/alerts/${alert.foreign}`)).status, 404);
      assert.equal((await f.api("accountAdmin", "GET", "/api/v1/alerts/nope")).status, 400);
    });
  });

  describe("closing", () => {
    it("closes an open alert, records it, and refuses to close it twice", async () => {
      const res = await f.api("technician", "POST", `/api/v1/alerts/${alert.lowToner}/close`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(typeof res.body.closedAt, "string");
      const again = await f.api("technician", "POST", `/api/v1/alerts/${alert.lowToner}/close`);
      assert.equal(again.status, 409);
      const audit = (await f.audit(f.tree.a.accountId)).filter((e) => e.action === "alert.close");
      assert.equal(audit.length, 1);
      assert.equal(audit[0]?.target_id, alert.lowToner);
      assert.equal(audit[0]?.customer_id, f.tree.a.a1);
      assert.deepEqual(audit[0]?.details, { kind: "lowToner", deviceId: f.d.d2 });
      // The device no longer counts as having alerts.
      const withAlerts = await f.api("accountAdmin", "GET", "/api/v1/devices?hasAlerts=true");
      assert.ok(!withAlerts.body.items.some((i: { id: string }) => i.id === f.d.d2));
    });

    it("lets a customer admin close its customer's alerts, nobody another tenant's", async () => {
      assert.equal(
        (await f.api("customerAdmin", "POST", `/api/v1/alerts/${alert["device-alert:0"]}/close`)).status,
        200,
      );
      assert.equal(
        (await f.api("customerAdmin", "POST", `/api/v1/alerts/${alert.doorOpen}/close`)).status,
        404,
      );
      assert.equal(
        (await f.api("accountAdmin", "POST", `/api/v1/alerts/${alert.foreign}/close`)).status,
        404,
      );
      assert.equal((await f.api("accountAdmin", "POST", `/api/v1/alerts/${randomUUID()}/close`)).status, 404);
    });

    it("refuses roles without service write, and a write without the CSRF token", async () => {
      assert.equal((await f.api("customerUser", "POST", `/api/v1/alerts/${alert.jammed}/close`)).status, 403);
      assert.equal((await f.api("billing", "POST", `/api/v1/alerts/${alert.jammed}/close`)).status, 403);
      const noCsrf = await fetch(`${f.portal.url}/api/v1/alerts/${alert.jammed}/close`, {
        method: "POST",
        headers: { cookie: f.as.accountAdmin.cookie },
      });
      assert.equal(noCsrf.status, 403);
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/alerts/${alert.jammed}`)).body.closedAt,
        null,
      );
    });
  });
});
