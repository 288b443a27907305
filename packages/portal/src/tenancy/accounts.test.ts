import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyPassword } from "../auth/passwords.ts";
import { call, sessionFor } from "../testing/tenants.ts";
import { startTenancyFixture, type TenancyFixture } from "./testing.ts";

describe("accounts", () => {
  let f: TenancyFixture;
  before(async () => {
    f = await startTenancyFixture();
  });
  after(() => f.close());

  const passwordHashOf = (email: string) =>
    f.portal.ctx.db.system(
      async (sql) =>
        (
          await sql.query<{ password_hash: string }>(
            "select u.password_hash from user_logins l join users u using (account_id, user_id) where l.email = $1",
            [email],
          )
        ).rows[0]?.password_hash,
    );

  it("lists accounts for platform admins only", async () => {
    const all = await f.api("platformAdmin", "GET", "/api/v1/accounts");
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((a: { name: string; kind: string }) => `${a.kind}:${a.name}`),
      ["dealer:Dealer A", "dealer:Dealer B", "platform:Platform"],
    );
    const dealers = await f.api("platformAdmin", "GET", "/api/v1/accounts?kind=dealer&q=b");
    assert.deepEqual(
      dealers.body.items.map((a: { id: string }) => a.id),
      [f.tree.b.accountId],
    );
    assert.equal((await f.api("accountAdmin", "GET", "/api/v1/accounts")).status, 403);
    assert.equal((await f.api("customerUser", "GET", "/api/v1/accounts")).status, 403);
    assert.equal((await f.api(undefined, "GET", "/api/v1/accounts")).status, 401);
  });

  it("creates an account with its first admin and a one-time generated password", async () => {
    const created = await f.api("platformAdmin", "POST", "/api/v1/accounts", {
      kind: "it",
      name: "Stadtwerke IT",
      admin: { email: "Chef@Stadtwerke.test", name: "Chef" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.account.kind, "it");
    assert.equal(created.body.admin.email, "chef@stadtwerke.test");
    assert.equal(created.body.admin.role, "account-admin");
    assert.equal(created.body.admin.accountId, created.body.account.id);
    assert.equal(typeof created.body.generatedPassword, "string");
    assert.ok(created.body.generatedPassword.length >= 12);
    assert.equal(created.body.admin.passwordHash, undefined);
    assert.ok(
      await verifyPassword(await passwordHashOf("chef@stadtwerke.test"), created.body.generatedPassword),
    );

    const audit = await f.audit(created.body.account.id);
    assert.deepEqual(
      audit.map((r) => [r.action, r.actor_user_id]),
      [
        ["account.create", f.tree.users.platformAdmin.userId],
        ["user.create", f.tree.users.platformAdmin.userId],
      ],
    );

    // The new admin works in the new account and sees nothing of the others.
    const session = await sessionFor(f.portal.ctx.db, {
      accountId: created.body.account.id,
      userId: created.body.admin.id,
      email: created.body.admin.email,
      role: "account-admin",
    });
    const customers = await call(f.portal.url, session, "GET", "/api/v1/customers");
    assert.deepEqual(customers.body.items, []);
  });

  it("keeps a given password and answers none", async () => {
    const created = await f.api("platformAdmin", "POST", "/api/v1/accounts", {
      kind: "dealer",
      name: "Dealer C",
      admin: { email: "boss@c.test", name: "Boss", password: "correct horse battery" },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.generatedPassword, null);
    assert.ok(await verifyPassword(await passwordHashOf("boss@c.test"), "correct horse battery"));
  });

  it("refuses a taken admin e-mail without leaving a half-made account", async () => {
    const taken = await f.api("platformAdmin", "POST", "/api/v1/accounts", {
      kind: "dealer",
      name: "Dealer Dup",
      admin: { email: "ADMIN@b.test", name: "Dup" },
    });
    assert.equal(taken.status, 409);
    const names = (await f.api("platformAdmin", "GET", "/api/v1/accounts?q=dup")).body.items;
    assert.deepEqual(names, []);
  });

  it("refuses bad input and non-platform callers", async () => {
    const admin = { email: "x@y.test", name: "X" };
    const post = (who: Parameters<TenancyFixture["api"]>[0], body: unknown) =>
      f.api(who, "POST", "/api/v1/accounts", body);
    assert.equal((await post("platformAdmin", { kind: "platform", name: "Second", admin })).status, 400);
    assert.equal((await post("platformAdmin", { kind: "dealer", name: "", admin })).status, 400);
    assert.equal((await post("platformAdmin", { kind: "dealer", name: "No admin" })).status, 400);
    assert.equal(
      (await post("platformAdmin", { kind: "dealer", name: "Bad mail", admin: { email: "nope", name: "N" } }))
        .status,
      400,
    );
    assert.equal(
      (await post("platformAdmin", { kind: "dealer", name: "Short", admin: { ...admin, password: "short" } }))
        .status,
      400,
    );
    assert.equal((await post("accountAdmin", { kind: "dealer", name: "Mine", admin })).status, 403);
    assert.equal((await post(undefined, { kind: "dealer", name: "Anon", admin })).status, 401);
  });

  it("lets an account's users read their own account and nobody else's", async () => {
    const own = await f.api("customerUser", "GET", `/api/v1/accounts/${f.tree.a.accountId}`);
    assert.equal(own.status, 200);
    assert.deepEqual(
      { id: own.body.id, kind: own.body.kind, name: own.body.name },
      { id: f.tree.a.accountId, kind: "dealer", name: "Dealer A" },
    );
    assert.equal((await f.api("technician", "GET", `/api/v1/accounts/${f.tree.a.accountId}`)).status, 200);
    assert.equal((await f.api("accountAdmin", "GET", `/api/v1/accounts/${f.tree.b.accountId}`)).status, 404);
    assert.equal((await f.api("customerUser", "GET", `/api/v1/accounts/${f.tree.platformId}`)).status, 404);
    assert.equal((await f.api("platformAdmin", "GET", `/api/v1/accounts/${f.tree.b.accountId}`)).status, 200);
    assert.equal(
      (await f.api("platformAdmin", "GET", `/api/v1/accounts/${crypto.randomUUID()}`)).status,
      404,
    );
  });

  it("lets account admins rename their account and audits it", async () => {
    const path = `/api/v1/accounts/${f.tree.a.accountId}`;
    const renamed = await f.api("accountAdmin", "PATCH", path, { name: "Dealer A GmbH" });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, "Dealer A GmbH");
    const audit = (await f.audit(f.tree.a.accountId)).filter((r) => r.action === "account.update");
    assert.deepEqual(audit.at(-1)?.details, {
      before: { name: "Dealer A" },
      after: { name: "Dealer A GmbH" },
    });
    assert.equal((await f.api("customerAdmin", "PATCH", path, { name: "Ours" })).status, 403);
    assert.equal((await f.api("billing", "PATCH", path, { name: "Ours" })).status, 403);
    assert.equal((await f.api("otherAccountAdmin", "PATCH", path, { name: "Ours" })).status, 404);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { name: "" })).status, 400);
    const byPlatform = await f.api("platformAdmin", "PATCH", `/api/v1/accounts/${f.tree.b.accountId}`, {
      name: "Dealer B AG",
    });
    assert.equal(byPlatform.body.name, "Dealer B AG");
  });
});
