import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTenancyFixture, type TenancyFixture } from "./testing.ts";

describe("customers", () => {
  let f: TenancyFixture;
  before(async () => {
    f = await startTenancyFixture();
  });
  after(() => f.close());

  const names = (body: { items: { name: string }[] }) => body.items.map((c) => c.name);

  it("lists an account's own customers by name; a customer user sees only its own", async () => {
    const own = await f.api("accountAdmin", "GET", "/api/v1/customers");
    assert.equal(own.status, 200);
    assert.deepEqual(names(own.body), ["Customer A1", "Customer A2"]);
    assert.equal(own.body.nextCursor, null);
    assert.deepEqual(names((await f.api("otherAccountAdmin", "GET", "/api/v1/customers")).body), [
      "Customer B1",
    ]);
    assert.deepEqual(names((await f.api("customerUser", "GET", "/api/v1/customers")).body), ["Customer A1"]);
    const all = await f.api("platformAdmin", "GET", "/api/v1/customers");
    assert.deepEqual(names(all.body), ["Customer A1", "Customer A2", "Customer B1"]);
    const onlyB = await f.api("platformAdmin", "GET", `/api/v1/customers?accountId=${f.tree.b.accountId}`);
    assert.deepEqual(names(onlyB.body), ["Customer B1"]);
  });

  it("pages with a cursor, sorts both ways and searches", async () => {
    for (const n of ["P1", "P2", "P3", "P4", "P5"])
      assert.equal(
        (await f.api("otherAccountAdmin", "POST", "/api/v1/customers", { name: `Paged ${n}` })).status,
        201,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?q=paged&limit=2&sort=-name${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await f.api("otherAccountAdmin", "GET", `/api/v1/customers${query}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...names(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ["Paged P5", "Paged P4", "Paged P3", "Paged P2", "Paged P1"]);

    const bad = await f.api("otherAccountAdmin", "GET", "/api/v1/customers?cursor=not-a-cursor");
    assert.equal(bad.status, 400);
    const first = await f.api("otherAccountAdmin", "GET", "/api/v1/customers?limit=1&sort=name");
    const mixed = await f.api(
      "otherAccountAdmin",
      "GET",
      `/api/v1/customers?sort=-name&cursor=${first.body.nextCursor}`,
    );
    assert.equal(mixed.status, 400, "a cursor of another sort order is refused");
    assert.equal((await f.api("otherAccountAdmin", "GET", "/api/v1/customers?sort=secret")).status, 400);
    assert.equal((await f.api("otherAccountAdmin", "GET", "/api/v1/customers?limit=0")).status, 400);
    // Search patterns are matched literally.
    assert.deepEqual(names((await f.api("otherAccountAdmin", "GET", "/api/v1/customers?q=%25")).body), []);
  });

  it("creates a customer in the caller's account and audits it", async () => {
    const created = await f.api("accountAdmin", "POST", "/api/v1/customers", {
      name: "  Customer A3 ",
      externalRef: "ERP-3",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, "Customer A3");
    assert.equal(created.body.accountId, f.tree.a.accountId);
    assert.equal(created.body.externalRef, "ERP-3");
    assert.match(created.body.createdAt, /^\d{4}-\d{2}-\d{2}T/);
    const audit = (await f.audit(f.tree.a.accountId)).filter((r) => r.action === "customer.create");
    assert.equal(audit.at(-1)?.target_id, created.body.id);
    assert.equal(audit.at(-1)?.customer_id, created.body.id);
    assert.equal(audit.at(-1)?.actor_user_id, f.tree.users.accountAdmin.userId);
  });

  it("refuses duplicates, bad input, customer admins and foreign accounts", async () => {
    const duplicate = await f.api("accountAdmin", "POST", "/api/v1/customers", { name: "Customer A1" });
    assert.equal(duplicate.status, 409);
    // The same name in another account is fine.
    assert.equal(
      (await f.api("otherAccountAdmin", "POST", "/api/v1/customers", { name: "Customer A1" })).status,
      201,
    );
    assert.equal((await f.api("accountAdmin", "POST", "/api/v1/customers", { name: "" })).status, 400);
    assert.equal((await f.api("accountAdmin", "POST", "/api/v1/customers", {})).status, 400);
    assert.equal(
      (await f.api("accountAdmin", "POST", "/api/v1/customers", { name: "x".repeat(201) })).status,
      400,
    );
    assert.equal(
      (await f.api("customerAdmin", "POST", "/api/v1/customers", { name: "Sibling" })).status,
      403,
    );
    assert.equal((await f.api("technician", "POST", "/api/v1/customers", { name: "Tech's" })).status, 403);
    const foreign = await f.api("accountAdmin", "POST", `/api/v1/customers?accountId=${f.tree.b.accountId}`, {
      name: "Planted",
    });
    assert.equal(foreign.status, 404);
    assert.equal((await f.api(undefined, "POST", "/api/v1/customers", { name: "Anon" })).status, 401);
  });

  it("lets platform admins create in a named dealer account only", async () => {
    assert.equal(
      (await f.api("platformAdmin", "POST", "/api/v1/customers", { name: "Nowhere" })).status,
      400,
    );
    const inPlatform = await f.api(
      "platformAdmin",
      "POST",
      `/api/v1/customers?accountId=${f.tree.platformId}`,
      {
        name: "Platform customer",
      },
    );
    assert.equal(inPlatform.status, 400);
    const unknown = await f.api(
      "platformAdmin",
      "POST",
      `/api/v1/customers?accountId=${crypto.randomUUID()}`,
      {
        name: "Ghost",
      },
    );
    assert.equal(unknown.status, 404);
    const created = await f.api(
      "platformAdmin",
      "POST",
      `/api/v1/customers?accountId=${f.tree.b.accountId}`,
      {
        name: "Customer B2",
      },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.accountId, f.tree.b.accountId);
  });

  it("reads own customers and answers 404 for another tenant's", async () => {
    assert.equal((await f.api("customerUser", "GET", `/api/v1/customers/${f.tree.a.a1}`)).status, 200);
    assert.equal((await f.api("customerUser", "GET", `/api/v1/customers/${f.tree.a.a2}`)).status, 404);
    assert.equal((await f.api("billing", "GET", `/api/v1/customers/${f.tree.a.a2}`)).status, 200);
    assert.equal((await f.api("accountAdmin", "GET", `/api/v1/customers/${f.tree.b.b1}`)).status, 404);
    assert.equal(
      (await f.api("accountAdmin", "GET", `/api/v1/customers/${crypto.randomUUID()}`)).status,
      404,
    );
    assert.equal((await f.api("accountAdmin", "GET", "/api/v1/customers/not-a-uuid")).status, 400);
    assert.equal((await f.api("platformAdmin", "GET", `/api/v1/customers/${f.tree.b.b1}`)).status, 200);
  });

  it("renames a customer, refuses a duplicate name, and audits before and after", async () => {
    const created = await f.api("accountAdmin", "POST", "/api/v1/customers", { name: "Renamable" });
    const path = `/api/v1/customers/${created.body.id}`;
    const renamed = await f.api("accountAdmin", "PATCH", path, { name: "Renamed", externalRef: "R-1" });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, "Renamed");
    assert.equal(renamed.body.externalRef, "R-1");
    // Unnamed fields stay as they are; an explicit null clears the reference.
    const kept = await f.api("accountAdmin", "PATCH", path, {});
    assert.equal(kept.body.externalRef, "R-1");
    assert.equal((await f.api("accountAdmin", "PATCH", path, { externalRef: null })).body.externalRef, null);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { name: "Customer A2" })).status, 409);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { name: 7 })).status, 400);
    assert.equal(
      (await f.api("customerAdmin", "PATCH", `/api/v1/customers/${f.tree.a.a1}`, { name: "Mine" })).status,
      403,
    );
    assert.equal((await f.api("otherAccountAdmin", "PATCH", path, { name: "Stolen" })).status, 404);
    const audit = (await f.audit(f.tree.a.accountId)).filter(
      (r) => r.action === "customer.update" && r.target_id === created.body.id,
    );
    assert.deepEqual(audit[0]?.details, {
      before: { name: "Renamable", externalRef: null },
      after: { name: "Renamed", externalRef: "R-1" },
    });
  });

  it("deletes a customer with its sites, and refuses while devices report for it", async () => {
    const created = await f.api("accountAdmin", "POST", "/api/v1/customers", { name: "Short-lived" });
    const id = created.body.id as string;
    const site = await f.api("accountAdmin", "POST", "/api/v1/sites", {
      customerId: id,
      name: "Only site",
      timeZone: "Europe/Berlin",
    });
    assert.equal(site.status, 201);
    assert.equal((await f.api("otherAccountAdmin", "DELETE", `/api/v1/customers/${id}`)).status, 404);
    assert.equal((await f.api("customerAdmin", "DELETE", `/api/v1/customers/${id}`)).status, 403);

    await f.portal.ctx.db.system((sql) =>
      sql.query(
        `insert into devices (account_id, customer_id, site_id, first_seen_at, last_seen_at)
         values ($1, $2, $3, now(), now())`,
        [f.tree.a.accountId, id, site.body.id],
      ),
    );
    assert.equal((await f.api("accountAdmin", "DELETE", `/api/v1/customers/${id}`)).status, 409);
    await f.portal.ctx.db.system((sql) =>
      sql.query("update devices set retired_at = now() where account_id = $1 and customer_id = $2", [
        f.tree.a.accountId,
        id,
      ]),
    );
    const deleted = await f.api("accountAdmin", "DELETE", `/api/v1/customers/${id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await f.api("accountAdmin", "GET", `/api/v1/customers/${id}`)).status, 404);
    assert.equal((await f.api("accountAdmin", "GET", `/api/v1/sites/${site.body.id}`)).status, 404);
    const audit = (await f.audit(f.tree.a.accountId)).filter((r) => r.action === "customer.delete");
    assert.equal(audit.at(-1)?.target_id, id);
  });
});
