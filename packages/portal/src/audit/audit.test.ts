import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AuthFixture, login, startAuthFixture, testPassword } from "../auth/testing.ts";
import { call, sessionFor, type TestSession } from "../testing/tenants.ts";
import { recordAudit } from "./audit.ts";

interface Entry {
  auditId: string;
  at: string;
  accountId: string;
  customerId: string | null;
  action: string;
  actorEmail: string | null;
  ip: string | null;
}

describe("audit log list", () => {
  let fx: AuthFixture;
  let as: Record<
    "platform" | "adminA" | "technician" | "customerAdmin" | "customerUser" | "adminB",
    TestSession
  >;
  before(async () => {
    fx = await startAuthFixture();
    const u = fx.tree.users;
    const db = fx.portal.ctx.db;
    as = {
      platform: await sessionFor(db, u.platformAdmin),
      adminA: await sessionFor(db, u.accountAdmin),
      technician: await sessionFor(db, u.technician),
      customerAdmin: await sessionFor(db, u.customerAdmin),
      customerUser: await sessionFor(db, u.customerUser),
      adminB: await sessionFor(db, u.otherAccountAdmin),
    };
    // Real events through the API: sign-ins of an account user, a customer user, and in account B.
    for (const email of ["tech@a.test", "user@a1.test", "admin@b.test"])
      assert.equal((await login(fx.portal.url, email, testPassword)).status, 200);
    assert.equal((await login(fx.portal.url, "tech@a.test", "wrong password")).status, 401);
    // And a few written directly, at known times, for the time filters.
    await db.system(async (sql) => {
      await recordAudit(sql, { accountId: fx.tree.a.accountId, action: "test.old", details: { n: 1 } });
      await recordAudit(sql, {
        accountId: fx.tree.a.accountId,
        customerId: fx.tree.a.a2,
        action: "test.old",
        details: { n: 2 },
      });
      await sql.query("update audit_log set at = '2020-01-01T12:00:00Z' where action = 'test.old'");
    });
  });
  after(() => fx.close());

  const list = (who: TestSession | undefined, query = "") =>
    call(fx.portal.url, who, "GET", `/api/v1/audit${query}`);
  const items = async (who: TestSession, query = ""): Promise<Entry[]> => {
    const answer = await list(who, query);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.items;
  };

  it("shows an account user the account's events, newest first", async () => {
    const events = await items(as.adminA, "?limit=200");
    assert.ok(events.length >= 5);
    assert.ok(events.every((e) => e.accountId === fx.tree.a.accountId));
    const ids = events.map((e) => Number(e.auditId));
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => y - x),
    );
    const failed = events.find((e) => e.action === "auth.login-failed");
    assert.equal(failed?.actorEmail, "tech@a.test");
    assert.equal(failed?.ip, "127.0.0.1");
    // Events of customers are the account's events too.
    assert.ok(events.some((e) => e.customerId === fx.tree.a.a1));
  });

  it("shows a customer admin only the events that concern its customer", async () => {
    const events = await items(as.customerAdmin, "?limit=200");
    assert.ok(events.length >= 1);
    assert.ok(events.every((e) => e.customerId === fx.tree.a.a1));
    assert.ok(events.some((e) => e.action === "auth.login" && e.actorEmail === "user@a1.test"));
  });

  it("is closed to roles without the audit right and to anonymous callers", async () => {
    assert.equal((await list(as.technician)).status, 403);
    assert.equal((await list(as.customerUser)).status, 403);
    assert.equal((await list(undefined)).status, 401);
  });

  it("shows platform admins every account, or one with ?accountId=; others only their own", async () => {
    const all = await items(as.platform, "?limit=200");
    const accounts = new Set(all.map((e) => e.accountId));
    assert.ok(accounts.has(fx.tree.a.accountId) && accounts.has(fx.tree.b.accountId));
    const onlyB = await items(as.platform, `?accountId=${fx.tree.b.accountId}&limit=200`);
    assert.ok(onlyB.length >= 1);
    assert.ok(onlyB.every((e) => e.accountId === fx.tree.b.accountId));
    assert.equal((await list(as.adminA, `?accountId=${fx.tree.b.accountId}`)).status, 404);
    assert.equal((await list(as.customerAdmin, `?accountId=${fx.tree.b.accountId}`)).status, 404);
    assert.ok((await items(as.adminA, `?accountId=${fx.tree.a.accountId}`)).length >= 1);
    assert.ok((await items(as.adminB, "?limit=200")).every((e) => e.accountId === fx.tree.b.accountId));
  });

  it("filters by action, an action prefix and time", async () => {
    const logins = await items(as.adminA, "?action=auth.login&limit=200");
    assert.ok(logins.length >= 2);
    assert.ok(logins.every((e) => e.action === "auth.login"));
    const auth = await items(as.adminA, "?action=auth.*&limit=200");
    assert.deepEqual(new Set(auth.map((e) => e.action)), new Set(["auth.login", "auth.login-failed"]));

    const old = await items(as.adminA, `?to=${encodeURIComponent("2021-01-01T00:00:00Z")}&limit=200`);
    assert.equal(old.length, 2);
    assert.ok(old.every((e) => e.action === "test.old" && e.at === "2020-01-01T12:00:00.000Z"));
    const recent = await items(as.adminA, `?from=${encodeURIComponent("2021-01-01T00:00:00Z")}&limit=200`);
    assert.ok(recent.length >= 3);
    assert.ok(recent.every((e) => e.action !== "test.old"));
    const window = await items(as.adminA, "?from=2020-01-01T11:00:00Z&to=2020-01-01T13:00:00%2B00:00");
    assert.equal(window.length, 2);
    // The customer admin's wall holds under filters too: A2's old event is not A1's.
    assert.equal((await items(as.customerAdmin, "?action=test.old")).length, 0);
  });

  it("pages with a cursor without gaps or repeats", async () => {
    const everything = await items(as.adminA, "?limit=200");
    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const answer: { status: number; body: { items: Entry[]; nextCursor: string | null } } = await list(
        as.adminA,
        `?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.equal(answer.status, 200);
      assert.ok(answer.body.items.length <= 2);
      paged.push(...answer.body.items);
      cursor = answer.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      paged.map((e) => e.auditId),
      everything.map((e) => e.auditId),
    );
  });

  it("rejects malformed filters with 400", async () => {
    for (const query of [
      "?cursor=abc",
      "?from=yesterday",
      "?to=2020-13-01",
      "?action=DROP%20TABLE",
      "?limit=0",
      "?accountId=x",
    ])
      assert.equal((await list(as.adminA, query)).status, 400, query);
  });
});
