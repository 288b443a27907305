import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, sessionFor } from "../testing/tenants.ts";
import { startTenancyFixture, type TenancyFixture } from "./testing.ts";

describe("sites", () => {
  let f: TenancyFixture;
  before(async () => {
    f = await startTenancyFixture();
  });
  after(() => f.close());

  const names = (body: { items: { name: string }[] }) => body.items.map((s) => s.name);

  it("lists sites within the scope and filters by customer", async () => {
    assert.deepEqual(names((await f.api("technician", "GET", "/api/v1/sites")).body), [
      "A1 north",
      "A1 south",
      "A2 main",
    ]);
    const a2 = await f.api("technician", "GET", `/api/v1/sites?customerId=${f.tree.a.a2}`);
    assert.deepEqual(names(a2.body), ["A2 main"]);
    assert.deepEqual(names((await f.api("customerUser", "GET", "/api/v1/sites")).body), [
      "A1 north",
      "A1 south",
    ]);
    // Filtering by another tenant's customer finds nothing rather than leaking.
    const foreign = await f.api("customerUser", "GET", `/api/v1/sites?customerId=${f.tree.a.a2}`);
    assert.deepEqual(names(foreign.body), []);
    assert.deepEqual(names((await f.api("otherAccountAdmin", "GET", "/api/v1/sites")).body), ["B1 main"]);
    const page = await f.api("technician", "GET", "/api/v1/sites?limit=2");
    assert.equal(page.body.items.length, 2);
    const rest = await f.api("technician", "GET", `/api/v1/sites?limit=2&cursor=${page.body.nextCursor}`);
    assert.deepEqual(names(rest.body), ["A2 main"]);
    assert.equal(rest.body.nextCursor, null);
  });

  it("shows a site-bound customer user only its site", async () => {
    const user = await f.portal.ctx.db.system(async (sql) => {
      const row = (
        await sql.query<{ user_id: string }>(
          `insert into users (account_id, email, role, customer_id, site_id)
           values ($1, 'north@a1.test', 'customer-admin', $2, $3) returning user_id`,
          [f.tree.a.accountId, f.tree.a.a1, f.tree.a.a1North],
        )
      ).rows[0] as { user_id: string };
      return row.user_id;
    });
    const session = await sessionFor(f.portal.ctx.db, {
      accountId: f.tree.a.accountId,
      userId: user,
      email: "north@a1.test",
      role: "customer-admin",
      customerId: f.tree.a.a1,
      siteId: f.tree.a.a1North,
    });
    const list = await call(f.portal.url, session, "GET", "/api/v1/sites");
    assert.deepEqual(names(list.body), ["A1 north"]);
    assert.equal((await call(f.portal.url, session, "GET", `/api/v1/sites/${f.tree.a.a1South}`)).status, 404);
    const create = await call(f.portal.url, session, "POST", "/api/v1/sites", {
      customerId: f.tree.a.a1,
      name: "A1 east",
      timeZone: "Europe/Berlin",
    });
    assert.equal(create.status, 403);
  });

  it("lets a customer admin create sites for its own customer only, and audits them", async () => {
    const created = await f.api("customerAdmin", "POST", "/api/v1/sites", {
      customerId: f.tree.a.a1,
      name: "A1 west",
      address: "Weststraße 1, Köln",
      timeZone: "Europe/Berlin",
    });
    assert.equal(created.status, 201);
    assert.deepEqual(
      { ...created.body, id: undefined, createdAt: undefined },
      {
        id: undefined,
        createdAt: undefined,
        accountId: f.tree.a.accountId,
        customerId: f.tree.a.a1,
        name: "A1 west",
        address: "Weststraße 1, Köln",
        timeZone: "Europe/Berlin",
      },
    );
    const audit = (await f.audit(f.tree.a.accountId)).filter((r) => r.action === "site.create");
    assert.equal(audit.at(-1)?.target_id, created.body.id);
    assert.equal(audit.at(-1)?.customer_id, f.tree.a.a1);

    const sibling = await f.api("customerAdmin", "POST", "/api/v1/sites", {
      customerId: f.tree.a.a2,
      name: "Planted",
      timeZone: "Europe/Berlin",
    });
    assert.equal(sibling.status, 404);
    const foreign = await f.api("accountAdmin", "POST", "/api/v1/sites", {
      customerId: f.tree.b.b1,
      name: "Planted",
      timeZone: "Europe/Berlin",
    });
    assert.equal(foreign.status, 404);
    const userTry = await f.api("customerUser", "POST", "/api/v1/sites", {
      customerId: f.tree.a.a1,
      name: "Mine",
      timeZone: "Europe/Berlin",
    });
    assert.equal(userTry.status, 403);
  });

  it("refuses duplicates and bad input", async () => {
    const base = { customerId: f.tree.a.a1, name: "A1 north", timeZone: "Europe/Berlin" };
    assert.equal((await f.api("accountAdmin", "POST", "/api/v1/sites", base)).status, 409);
    // The same name at another customer is fine.
    assert.equal(
      (await f.api("accountAdmin", "POST", "/api/v1/sites", { ...base, customerId: f.tree.a.a2 })).status,
      201,
    );
    assert.equal(
      (
        await f.api("accountAdmin", "POST", "/api/v1/sites", {
          ...base,
          name: "Mars",
          timeZone: "Mars/Olympus",
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await f.api("accountAdmin", "POST", "/api/v1/sites", {
          ...base,
          name: "No zone",
          timeZone: undefined,
        })
      ).status,
      400,
    );
    assert.equal(
      (await f.api("accountAdmin", "POST", "/api/v1/sites", { ...base, customerId: "A1" })).status,
      400,
    );
    assert.equal(
      (await f.api("platformAdmin", "POST", "/api/v1/sites", { ...base, customerId: crypto.randomUUID() }))
        .status,
      404,
    );
  });

  it("reads, changes and deletes a site; another tenant gets 404", async () => {
    const created = await f.api("accountAdmin", "POST", "/api/v1/sites", {
      customerId: f.tree.a.a2,
      name: "A2 temp",
      timeZone: "Europe/Berlin",
    });
    const path = `/api/v1/sites/${created.body.id}`;
    assert.equal((await f.api("billing", "GET", path)).status, 200);
    assert.equal((await f.api("customerUser", "GET", path)).status, 404);
    assert.equal((await f.api("otherAccountAdmin", "GET", path)).status, 404);
    assert.equal((await f.api("customerAdmin", "PATCH", path, { name: "Mine now" })).status, 404);
    assert.equal((await f.api("technician", "PATCH", path, { name: "Tech" })).status, 403);

    const changed = await f.api("accountAdmin", "PATCH", path, {
      timeZone: "America/New_York",
      address: "5th Ave",
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.timeZone, "America/New_York");
    assert.equal(changed.body.address, "5th Ave");
    assert.equal(changed.body.name, "A2 temp");
    assert.equal((await f.api("accountAdmin", "PATCH", path, { name: "A2 main" })).status, 409);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { timeZone: "Nowhere" })).status, 400);
    const audit = (await f.audit(f.tree.a.accountId)).filter((r) => r.action === "site.update");
    assert.deepEqual(audit.at(-1)?.details, {
      before: { name: "A2 temp", address: null, timeZone: "Europe/Berlin" },
      after: { name: "A2 temp", address: "5th Ave", timeZone: "America/New_York" },
    });

    assert.equal((await f.api("otherAccountAdmin", "DELETE", path)).status, 404);
    assert.equal((await f.api("accountAdmin", "DELETE", path)).status, 204);
    assert.equal((await f.api("accountAdmin", "GET", path)).status, 404);
    assert.equal((await f.audit(f.tree.a.accountId)).at(-1)?.action, "site.delete");
  });

  it("keeps a site while a collector or a site-bound user depends on it", async () => {
    const created = await f.api("customerAdmin", "POST", "/api/v1/sites", {
      customerId: f.tree.a.a1,
      name: "A1 busy",
      timeZone: "UTC",
    });
    const siteId = created.body.id as string;
    await f.portal.ctx.db.system((sql) =>
      sql.query("insert into collectors (account_id, customer_id, site_id) values ($1, $2, $3)", [
        f.tree.a.accountId,
        f.tree.a.a1,
        siteId,
      ]),
    );
    assert.equal((await f.api("customerAdmin", "DELETE", `/api/v1/sites/${siteId}`)).status, 409);
    await f.portal.ctx.db.system((sql) =>
      sql.query("update collectors set revoked_at = now() where account_id = $1 and site_id = $2", [
        f.tree.a.accountId,
        siteId,
      ]),
    );
    const user = await f.api("customerAdmin", "POST", "/api/v1/users", {
      email: "busy@a1.test",
      name: "Busy",
      role: "customer-user",
      siteId,
    });
    assert.equal(user.status, 201);
    assert.equal((await f.api("customerAdmin", "DELETE", `/api/v1/sites/${siteId}`)).status, 409);
    assert.equal((await f.api("customerAdmin", "DELETE", `/api/v1/users/${user.body.user.id}`)).status, 204);
    assert.equal((await f.api("customerAdmin", "DELETE", `/api/v1/sites/${siteId}`)).status, 204);
  });
});
