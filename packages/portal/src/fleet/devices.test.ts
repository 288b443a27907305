import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { insertDevice, seedFleet } from "../testing/fleet-data.ts";
import { type FleetFixture, startFleetFixture } from "./fleet-fixture.ts";
import { deviceSortFields } from "./schemas.ts";

describe("device list, detail, change and export", () => {
  let f: FleetFixture;
  before(async () => {
    f = await startFleetFixture();
  });
  after(() => f.close());

  const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);
  const sorted = (list: string[]) => [...list].sort();
  const list = async (query: string, who: Parameters<FleetFixture["api"]>[0] = "accountAdmin") => {
    const res = await f.api(who, "GET", `/api/v1/devices${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { items: Record<string, unknown>[] & { id: string }[]; nextCursor: string | null };
  };

  describe("scope", () => {
    it("shows an account its devices, never retired ones nor another dealer's", async () => {
      const { d } = f;
      assert.deepEqual(sorted(ids(await list(""))), sorted([d.d1, d.d2, d.d3, d.d4, d.d5, d.d7]));
    });

    it("shows a customer user its customer only, and a site user its site only", async () => {
      const { d } = f;
      assert.deepEqual(sorted(ids(await list("", "customerUser"))), sorted([d.d1, d.d2, d.d3, d.d4, d.d5]));
      const site = await f.asSiteUser("GET", "/api/v1/devices");
      assert.equal(site.status, 200);
      assert.deepEqual(sorted(ids(site.body)), sorted([d.d1, d.d2, d.d3]));
    });

    it("shows the platform every account", async () => {
      const { d } = f;
      assert.deepEqual(
        sorted(ids(await list("", "platformAdmin"))),
        sorted([d.d1, d.d2, d.d3, d.d4, d.d5, d.d7, d.d8]),
      );
    });

    it("answers a customer or site filter outside the scope with 404", async () => {
      const { tree } = f;
      for (const [who, query] of [
        ["accountAdmin", `customerId=${tree.b.b1}`],
        ["accountAdmin", `siteId=${tree.b.b1Main}`],
        ["customerUser", `customerId=${tree.a.a2}`],
        ["customerUser", `siteId=${tree.a.a2Main}`],
        ["accountAdmin", `customerId=${randomUUID()}`],
      ] as const) {
        const res = await f.api(who, "GET", `/api/v1/devices?${query}`);
        assert.equal(res.status, 404, `${who} ${query}`);
      }
      assert.equal((await f.asSiteUser("GET", `/api/v1/devices?siteId=${tree.a.a1South}`)).status, 404);
    });

    it("refuses anonymous callers", async () => {
      assert.equal((await f.api(undefined, "GET", "/api/v1/devices")).status, 401);
    });
  });

  describe("filters", () => {
    const cases: [string, (d: FleetFixture["d"]) => string[]][] = [
      ["customerId=A2", (d) => [d.d7]],
      ["siteId=SOUTH", (d) => [d.d4, d.d5]],
      ["vendor=hp", (d) => [d.d1, d.d4]],
      ["model=ecosys%20p3155dn", (d) => [d.d2]],
      ["q=inv-77", (d) => [d.d2]],
      ["q=10.0.1", (d) => [d.d4]],
      ["q=floor%201", (d) => [d.d1]],
      ["q=RI-00", (d) => [d.d5]],
      ["q=mystery", (d) => [d.d3]],
      ["q=%25", () => []],
      ["q=_", () => []],
      ["status=warning", (d) => [d.d2]],
      ["status=error,offline", (d) => [d.d4, d.d5]],
      ["status=ok", (d) => [d.d1, d.d3, d.d7]],
      ["hasAlerts=true", (d) => [d.d2, d.d4]],
      ["hasAlerts=false", (d) => [d.d1, d.d3, d.d5, d.d7]],
      ["lowSupplies=true", (d) => [d.d2, d.d4]],
      ["lowSupplies=false", (d) => [d.d1, d.d3, d.d5, d.d7]],
      ["notReporting=true", (d) => [d.d5]],
      ["notReporting=false", (d) => [d.d1, d.d2, d.d3, d.d4, d.d7]],
      ["duplicateSerial=true", (d) => [d.d5]],
      ["vendor=hp&status=error&hasAlerts=true&siteId=SOUTH", (d) => [d.d4]],
    ];
    for (const [query, expected] of cases)
      it(`filters ${query}`, async () => {
        const q = query.replace("A2", f.tree.a.a2).replace("SOUTH", f.tree.a.a1South);
        assert.deepEqual(sorted(ids(await list(`?${q}`))), sorted(expected(f.d)));
      });

    it("refuses malformed filters", async () => {
      for (const query of [
        "status=broken",
        "status=",
        "hasAlerts=yes",
        "limit=501",
        "limit=0",
        "sort=colour",
        "customerId=not-a-uuid",
        "cursor=!!!",
      ]) {
        const res = await f.api("accountAdmin", "GET", `/api/v1/devices?${query}`);
        assert.equal(res.status, 400, query);
      }
    });
  });

  describe("items", () => {
    it("carries names, status, counts, lowest supply and the total counter", async () => {
      const { d, tree } = f;
      const items = (await list("?limit=100")).items as unknown as Record<string, Record<string, unknown>>[];
      const byId = new Map(items.map((i) => [i.id as unknown as string, i]));
      const d2 = byId.get(d.d2);
      assert.deepEqual(d2?.customer, { id: tree.a.a1, name: "Customer A1" });
      assert.deepEqual(d2?.site, { id: tree.a.a1North, name: "A1 north" });
      assert.equal(d2?.status, "warning");
      assert.deepEqual(d2?.errors, ["lowToner"]);
      assert.equal(d2?.openAlertCount, 1);
      assert.equal(d2?.lowestSupplyPercent, 15);
      assert.equal(d2?.totalCounter, 12000);
      assert.equal(d2?.assetTag, "INV-77");
      const d1 = byId.get(d.d1);
      assert.equal(d1?.ip, "10.0.0.11");
      assert.equal(d1?.mac, "02:00:00:00:00:01");
      assert.equal(d1?.status, "ok");
      assert.equal(d1?.openAlertCount, 0);
      // mono + colour where the device reports no total
      assert.equal(byId.get(d.d4)?.totalCounter, 800);
      assert.equal(byId.get(d.d4)?.status, "error");
      assert.equal(byId.get(d.d5)?.status, "offline");
      assert.equal(typeof byId.get(d.d5)?.notReportingSince, "string");
      assert.equal(byId.get(d.d3)?.totalCounter, null);
      assert.equal(byId.get(d.d3)?.lowestSupplyPercent, null);
      // a closed alert does not count
      assert.equal(byId.get(d.d7)?.openAlertCount, 0);
    });
  });

  describe("sorting", () => {
    it("sorts by counter, nulls last in both directions", async () => {
      const { d } = f;
      assert.deepEqual(ids(await list("?sort=totalCounter")), [d.d4, d.d5, d.d1, d.d7, d.d2, d.d3]);
      assert.deepEqual(ids(await list("?sort=-totalCounter")), [d.d2, d.d7, d.d1, d.d5, d.d4, d.d3]);
    });

    it("sorts by last contact (newest first by default)", async () => {
      const { d } = f;
      assert.deepEqual(ids(await list("")), [d.d1, d.d2, d.d3, d.d4, d.d7, d.d5]);
      assert.deepEqual(ids(await list("?sort=lastSeenAt")), [d.d5, d.d7, d.d4, d.d3, d.d2, d.d1]);
    });

    it("sorts IP addresses as addresses, not as text", async () => {
      const { d } = f;
      assert.deepEqual(ids(await list("?sort=ip")), [d.d2, d.d1, d.d4, d.d5, d.d7, d.d3]);
    });

    it("sorts by serial and by vendor", async () => {
      const { d } = f;
      assert.deepEqual(ids(await list("?sort=serial")), [d.d7, d.d1, d.d4, d.d2, d.d5, d.d3]);
      const vendors = (await list("?sort=-vendor")).items.map((i) => i.vendor);
      assert.deepEqual(vendors, ["Ricoh", "Kyocera", "HP", "HP", "Canon", null]);
    });

    it("sorts by customer and site name", async () => {
      const { d } = f;
      const bySite = ids(await list("?sort=-siteName"));
      assert.equal(bySite[0], d.d7);
      assert.deepEqual(sorted(bySite.slice(1, 3)), sorted([d.d4, d.d5]));
      assert.deepEqual(sorted(bySite.slice(3)), sorted([d.d1, d.d2, d.d3]));
      const byCustomer = (await list("?sort=customerName")).items.map(
        (i) => (i.customer as { name: string }).name,
      );
      assert.deepEqual(byCustomer, [...Array(5).fill("Customer A1"), "Customer A2"]);
    });
  });

  describe("pagination", () => {
    before(async () => {
      // 60 more devices of A2, some without vendor, IP or counters, several with equal values.
      const db = f.portal.ctx.db;
      const { a } = f.tree;
      await seedFleet(db, {
        accountId: a.accountId,
        customerId: a.a2,
        siteIds: [a.a2Main],
        count: 54,
        prefix: "P",
        readingsPerDevice: 1,
      });
      for (let i = 0; i < 6; i++)
        await insertDevice(db, {
          accountId: a.accountId,
          customerId: a.a2,
          siteId: a.a2Main,
          lastSeenAt: new Date(Date.UTC(2025, 0, 1)),
          serial: i % 2 ? null : `DUP-SERIAL`,
        });
    });

    for (const field of deviceSortFields)
      for (const sort of [field, `-${field}`])
        it(`walks every device exactly once sorted by ${sort}`, async () => {
          const all = ids(await list(`?sort=${sort}&limit=500`));
          assert.equal(all.length, 66);
          const walked: string[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page = await list(`?sort=${sort}&limit=7${cursor ? `&cursor=${cursor}` : ""}`);
            walked.push(...ids(page));
            cursor = page.nextCursor;
            pages++;
          } while (cursor && pages < 20);
          assert.equal(pages, 10);
          assert.deepEqual(walked, all);
          assert.equal(new Set(walked).size, 66);
        });

    it("walks a filtered list of a customer user too", async () => {
      const all = ids(await list("?sort=vendor&limit=500&status=ok,warning", "customerUser"));
      const first = await list("?sort=vendor&limit=2&status=ok,warning", "customerUser");
      const second = await list(
        `?sort=vendor&limit=2&status=ok,warning&cursor=${first.nextCursor}`,
        "customerUser",
      );
      assert.deepEqual([...ids(first), ...ids(second)], all);
      assert.equal(second.nextCursor, null);
    });

    it("refuses a cursor of another sort order, or a tampered one", async () => {
      const page = await list("?sort=serial&limit=3");
      const other = await f.api(
        "accountAdmin",
        "GET",
        `/api/v1/devices?sort=model&cursor=${page.nextCursor}`,
      );
      assert.equal(other.status, 400);
      const forged = Buffer.from(JSON.stringify(["lastSeenAt", "yesterday", randomUUID()])).toString(
        "base64url",
      );
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/devices?sort=lastSeenAt&cursor=${forged}`)).status,
        400,
      );
      const badIp = Buffer.from(JSON.stringify(["ip", "10.0.0.300", randomUUID()])).toString("base64url");
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/devices?sort=ip&cursor=${badIp}`)).status,
        400,
      );
    });
  });

  describe("detail", () => {
    it("answers counters, status, supplies, open alerts and the device's web page", async () => {
      const { d } = f;
      const res = await f.api("customerUser", "GET", `/api/v1/devices/${d.d2}`);
      assert.equal(res.status, 200);
      const body = res.body;
      assert.deepEqual(body.counters, { total: 12000 });
      assert.equal(body.webUrl, "http://10.0.0.2/");
      assert.equal(body.deviceState, "warning");
      assert.deepEqual(
        body.supplies.map((s: { key: string; levelPercent: number; low: boolean }) => [
          s.key,
          s.levelPercent,
          s.low,
        ]),
        [
          ["1.1", 15, true],
          ["1.2", 60, false],
        ],
      );
      assert.deepEqual(
        body.openAlerts.map((a: { kind: string }) => a.kind),
        ["lowToner"],
      );
      assert.equal((await f.api("accountAdmin", "GET", `/api/v1/devices/${d.d3}`)).body.webUrl, null);
    });

    it("puts an IPv6 address in brackets", async () => {
      const { a } = f.tree;
      const id = await insertDevice(f.portal.ctx.db, {
        accountId: a.accountId,
        customerId: a.a1,
        siteId: a.a1North,
        ip: "fd00::17",
      });
      assert.equal(
        (await f.api("accountAdmin", "GET", `/api/v1/devices/${id}`)).body.webUrl,
        "http://[fd00::17]/",
      );
    });

    it("answers 404 for a device outside the scope, and 400 for a malformed id", async () => {
      const { d } = f;
      for (const [who, id] of [
        ["accountAdmin", d.d8],
        ["customerUser", d.d7],
        ["otherAccountAdmin", d.d1],
        ["accountAdmin", randomUUID()],
      ] as const)
        assert.equal((await f.api(who, "GET", `/api/v1/devices/${id}`)).status, 404, `${who}`);
      assert.equal((await f.asSiteUser("GET", `/api/v1/devices/${d.d4}`)).status, 404);
      assert.equal((await f.api("accountAdmin", "GET", "/api/v1/devices/12")).status, 400);
    });
  });

  describe("change", () => {
    it("sets asset tag and location note, records it, and finds the device by its note", async () => {
      const { d, tree } = f;
      const res = await f.api("technician", "PATCH", `/api/v1/devices/${d.d1}`, {
        assetTag: "A-1001",
        locationNote: "Behind the reception desk",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.assetTag, "A-1001");
      assert.equal(res.body.locationNote, "Behind the reception desk");
      assert.equal(res.body.location, "Floor 1");
      assert.deepEqual(ids(await list("?q=reception%20desk")), [d.d1]);
      const cleared = await f.api("technician", "PATCH", `/api/v1/devices/${d.d1}`, { locationNote: null });
      assert.equal(cleared.body.locationNote, null);
      assert.equal(cleared.body.assetTag, "A-1001");
      const audit = (await f.audit(tree.a.accountId)).filter((e) => e.action === "device.update");
      assert.equal(audit.length, 2);
      assert.equal(audit[0]?.target_id, d.d1);
      assert.equal(audit[0]?.customer_id, tree.a.a1);
      assert.deepEqual(audit[1]?.details, { locationNote: null });
    });

    it("refuses roles without fleet write, foreign devices, empty and oversized changes", async () => {
      const { d } = f;
      assert.equal(
        (await f.api("customerAdmin", "PATCH", `/api/v1/devices/${d.d1}`, { assetTag: "x" })).status,
        403,
      );
      assert.equal(
        (await f.api("billing", "PATCH", `/api/v1/devices/${d.d1}`, { assetTag: "x" })).status,
        403,
      );
      assert.equal(
        (await f.api("accountAdmin", "PATCH", `/api/v1/devices/${d.d8}`, { assetTag: "x" })).status,
        404,
      );
      assert.equal((await f.api("accountAdmin", "PATCH", `/api/v1/devices/${d.d1}`, {})).status, 400);
      assert.equal(
        (await f.api("accountAdmin", "PATCH", `/api/v1/devices/${d.d1}`, { assetTag: "x".repeat(101) }))
          .status,
        400,
      );
    });
  });

  it("documents the routes in the OpenAPI document under their tags", async () => {
    const doc = (await (await fetch(`${f.portal.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const tag = (path: string, method = "get") => doc.paths[path]?.[method]?.tags?.[0];
    assert.equal(tag("/api/v1/devices"), "fleet");
    assert.equal(tag("/api/v1/devices/{deviceId}", "patch"), "fleet");
    assert.equal(tag("/api/v1/devices/{deviceId}/supplies"), "supplies");
    assert.equal(tag("/api/v1/supplies/low"), "supplies");
    assert.equal(tag("/api/v1/alerts/{alertId}/close", "post"), "service");
    assert.equal(tag("/api/v1/dashboard"), "dashboard");
  });

  describe("CSV export", () => {
    it("answers the filtered list as CSV and records the export", async () => {
      const { d, tree } = f;
      const query = `status=error,warning&sort=serial&customerId=${tree.a.a1}`;
      const res = await fetch(`${f.portal.url}/api/v1/devices/export.csv?${query}`, {
        headers: f.as.accountAdmin.headers,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/csv/);
      assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename="devices.csv"/);
      const lines = (await res.text()).trimEnd().split("\r\n");
      assert.equal(lines.length, 3);
      assert.match(lines[0] ?? "", /^id,customer,site,vendor,model,serial,/);
      assert.ok(lines[1]?.startsWith(`${d.d4},Customer A1,A1 south,HP,Color LaserJet,HP-004,`));
      assert.ok(lines[2]?.startsWith(`${d.d2},Customer A1,A1 north,Kyocera,`));
      const audit = (await f.audit(tree.a.accountId)).filter((e) => e.action === "export.devices");
      assert.equal(audit.length, 1);
      assert.equal(audit[0]?.details.rows, 2);
      assert.deepEqual(audit[0]?.details.filters, {
        status: ["error", "warning"],
        sort: "serial",
        customerId: tree.a.a1,
      });
      assert.equal(audit[0]?.customer_id, tree.a.a1);
    });

    it("keeps a spreadsheet from running device-supplied text as a formula", async () => {
      const { a } = f.tree;
      await insertDevice(f.portal.ctx.db, {
        accountId: a.accountId,
        customerId: a.a1,
        siteId: a.a1North,
        serial: "FORMULA-1",
        name: '=HYPERLINK("http://x","y")',
      });
      const res = await fetch(`${f.portal.url}/api/v1/devices/export.csv?q=FORMULA-1`, {
        headers: f.as.customerUser.headers,
      });
      const row = (await res.text()).split("\r\n")[1] ?? "";
      assert.ok(row.includes(`"'=HYPERLINK(""http://x"",""y"")"`), row);
    });

    it("exports a customer user's own devices only, and 404s a foreign customer", async () => {
      const res = await fetch(`${f.portal.url}/api/v1/devices/export.csv`, {
        headers: f.as.customerUser.headers,
      });
      const text = await res.text();
      assert.ok(!text.includes(f.d.d7));
      assert.ok(text.includes(f.d.d1));
      const foreign = await fetch(`${f.portal.url}/api/v1/devices/export.csv?customerId=${f.tree.a.a2}`, {
        headers: f.as.customerUser.headers,
      });
      assert.equal(foreign.status, 404);
    });
  });
});
