import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyPassword } from "../auth/passwords.ts";
import { call, sessionFor } from "../testing/tenants.ts";
import { mayGrantRole, roles } from "./rights.ts";
import { startTenancyFixture, type TenancyFixture } from "./testing.ts";

describe("users", () => {
  let f: TenancyFixture;
  before(async () => {
    f = await startTenancyFixture();
  });
  after(() => f.close());

  const emails = (body: { items: { email: string }[] }) => body.items.map((u) => u.email).sort();
  const login = (email: string) =>
    f.portal.ctx.db.system(
      async (sql) =>
        (
          await sql.query<{ account_id: string; user_id: string; password_hash: string | null }>(
            "select l.account_id, l.user_id, u.password_hash from user_logins l join users u using (account_id, user_id) where l.email = $1",
            [email],
          )
        ).rows[0],
    );

  let counter = 0;
  const newUser = async (
    who: Parameters<TenancyFixture["api"]>[0],
    body: Record<string, unknown>,
    query = "",
  ): ReturnType<TenancyFixture["api"]> => {
    counter += 1;
    return f.api(who, "POST", `/api/v1/users${query}`, {
      email: `u${counter}@x.test`,
      name: `User ${counter}`,
      ...body,
    });
  };

  it("lists the users of the caller's scope", async () => {
    const account = await f.api("accountAdmin", "GET", "/api/v1/users");
    assert.equal(account.status, 200);
    assert.deepEqual(emails(account.body), [
      "admin@a.test",
      "admin@a1.test",
      "billing@a.test",
      "tech@a.test",
      "user@a1.test",
    ]);
    // Customer admins see their customer's users only, never the account's.
    assert.deepEqual(emails((await f.api("customerAdmin", "GET", "/api/v1/users")).body), [
      "admin@a1.test",
      "user@a1.test",
    ]);
    const byRole = await f.api("accountAdmin", "GET", "/api/v1/users?role=account-billing");
    assert.deepEqual(emails(byRole.body), ["billing@a.test"]);
    const search = await f.api("accountAdmin", "GET", "/api/v1/users?q=A1.TEST&sort=-email");
    assert.deepEqual(
      search.body.items.map((u: { email: string }) => u.email),
      ["user@a1.test", "admin@a1.test"],
    );
    assert.equal((await f.api("customerUser", "GET", "/api/v1/users")).status, 403);
    assert.equal((await f.api("technician", "GET", "/api/v1/users")).status, 403);
    assert.equal((await f.api("platformAdmin", "GET", "/api/v1/users")).body.items.length, 7);
  });

  it("creates a customer user with a generated password, a login entry and an audit record", async () => {
    const created = await f.api("accountAdmin", "POST", "/api/v1/users", {
      email: "New.User@A1.test",
      name: "New User",
      role: "customer-user",
      customerId: f.tree.a.a1,
      siteId: f.tree.a.a1South,
      locale: "de",
    });
    assert.equal(created.status, 201);
    const user = created.body.user;
    assert.equal(user.email, "new.user@a1.test");
    assert.equal(user.customerId, f.tree.a.a1);
    assert.equal(user.siteId, f.tree.a.a1South);
    assert.equal(user.locale, "de");
    assert.equal(user.disabled, false);
    assert.equal(user.totpEnabled, false);
    const entry = await login("new.user@a1.test");
    assert.equal(entry?.user_id, user.id);
    assert.ok(await verifyPassword(entry?.password_hash, created.body.generatedPassword));
    const audit = (await f.audit(f.tree.a.accountId)).at(-1);
    assert.equal(audit?.action, "user.create");
    assert.equal(audit?.customer_id, f.tree.a.a1);
    assert.equal(audit?.target_id, user.id);
    assert.equal(audit?.actor_user_id, f.tree.users.accountAdmin.userId);
    // The new user sees only its site.
    const session = await sessionFor(f.portal.ctx.db, { ...user, userId: user.id });
    const sites = await call(f.portal.url, session, "GET", "/api/v1/sites");
    assert.deepEqual(
      sites.body.items.map((s: { id: string }) => s.id),
      [f.tree.a.a1South],
    );
  });

  it("keeps a given password and answers none", async () => {
    const created = await newUser("accountAdmin", {
      role: "account-technician",
      password: "a long enough one",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.generatedPassword, null);
    assert.ok(
      await verifyPassword((await login(created.body.user.email))?.password_hash, "a long enough one"),
    );
  });

  it("refuses an e-mail taken anywhere on the platform (409) and bad input (400)", async () => {
    assert.equal(
      (await newUser("accountAdmin", { email: "ADMIN@b.test", role: "account-billing" })).status,
      409,
    );
    assert.equal(
      (await newUser("accountAdmin", { email: "tech@a.test", role: "account-billing" })).status,
      409,
    );
    assert.equal(
      (await newUser("accountAdmin", { email: "not-an-email", role: "account-billing" })).status,
      400,
    );
    assert.equal((await newUser("accountAdmin", { role: "super-admin" })).status, 400);
    assert.equal((await newUser("accountAdmin", { role: "account-billing", password: "short" })).status, 400);
    assert.equal((await newUser("accountAdmin", { role: "account-billing", locale: "fr" })).status, 400);
    assert.equal((await newUser("accountAdmin", { role: "account-billing", name: "" })).status, 400);
    // Account roles belong to no customer; customer roles need one.
    assert.equal(
      (await newUser("accountAdmin", { role: "account-billing", customerId: f.tree.a.a1 })).status,
      400,
    );
    assert.equal((await newUser("accountAdmin", { role: "customer-user" })).status, 400);
  });

  it("never lets anyone grant a role above their own", async () => {
    assert.equal((await newUser("accountAdmin", { role: "platform-admin" })).status, 403);
    assert.equal((await newUser("customerAdmin", { role: "account-billing" })).status, 403);
    assert.equal((await newUser("customerAdmin", { role: "account-admin" })).status, 403);
    assert.equal((await newUser("customerAdmin", { role: "customer-admin" })).status, 201);
    assert.equal((await newUser("accountAdmin", { role: "account-admin" })).status, 201);
    assert.equal((await newUser("technician", { role: "account-billing" })).status, 403);
    assert.equal((await newUser("customerUser", { role: "customer-user" })).status, 403);
    for (const actor of roles)
      for (const role of roles)
        assert.equal(
          mayGrantRole(actor, role),
          roles.indexOf(role) >= roles.indexOf(actor) ||
            (actor === "account-billing" && role === "account-technician"),
          `${actor} → ${role}`,
        );
  });

  it("places customer admins' users in their own customer; other tenants' ids are not found", async () => {
    const own = await newUser("customerAdmin", { role: "customer-user" });
    assert.equal(own.status, 201);
    assert.equal(own.body.user.customerId, f.tree.a.a1);
    assert.equal(own.body.user.siteId, null);
    assert.equal(
      (await newUser("customerAdmin", { role: "customer-user", customerId: f.tree.a.a2 })).status,
      404,
    );
    assert.equal(
      (await newUser("customerAdmin", { role: "customer-user", siteId: f.tree.a.a2Main })).status,
      404,
    );
    assert.equal(
      (await newUser("accountAdmin", { role: "customer-user", customerId: f.tree.b.b1 })).status,
      404,
    );
    // A site must belong to the user's customer.
    const wrongSite = await newUser("accountAdmin", {
      role: "customer-user",
      customerId: f.tree.a.a1,
      siteId: f.tree.a.a2Main,
    });
    assert.equal(wrongSite.status, 404);
    assert.equal(
      (await newUser("accountAdmin", { role: "account-billing" }, `?accountId=${f.tree.b.accountId}`)).status,
      404,
    );
  });

  it("lets platform admins create users in a named account, platform admins only in the platform", async () => {
    assert.equal((await newUser("platformAdmin", { role: "account-billing" })).status, 400);
    const inB = await newUser(
      "platformAdmin",
      { role: "account-billing" },
      `?accountId=${f.tree.b.accountId}`,
    );
    assert.equal(inB.status, 201);
    assert.equal(inB.body.user.accountId, f.tree.b.accountId);
    const ops = await newUser("platformAdmin", { role: "platform-admin" }, `?accountId=${f.tree.platformId}`);
    assert.equal(ops.status, 201);
    assert.equal(
      (await newUser("platformAdmin", { role: "platform-admin" }, `?accountId=${f.tree.b.accountId}`)).status,
      400,
    );
    assert.equal(
      (await newUser("platformAdmin", { role: "account-admin" }, `?accountId=${f.tree.platformId}`)).status,
      400,
    );
    const mismatch = await newUser(
      "platformAdmin",
      { role: "customer-user", customerId: f.tree.a.a1 },
      `?accountId=${f.tree.b.accountId}`,
    );
    assert.equal(mismatch.status, 404);
  });

  it("reads users in scope only", async () => {
    const { users } = f.tree;
    assert.equal(
      (await f.api("customerAdmin", "GET", `/api/v1/users/${users.customerUser.userId}`)).status,
      200,
    );
    assert.equal(
      (await f.api("customerAdmin", "GET", `/api/v1/users/${users.technician.userId}`)).status,
      404,
    );
    assert.equal(
      (await f.api("accountAdmin", "GET", `/api/v1/users/${users.otherAccountAdmin.userId}`)).status,
      404,
    );
    assert.equal(
      (await f.api("accountAdmin", "GET", `/api/v1/users/${users.platformAdmin.userId}`)).status,
      404,
    );
    const read = await f.api("accountAdmin", "GET", `/api/v1/users/${users.customerAdmin.userId}`);
    assert.equal(read.body.role, "customer-admin");
    assert.equal(read.body.passwordHash, undefined);
    assert.equal(read.body.password_hash, undefined);
  });

  it("changes roles within the ladder and audits each change", async () => {
    const created = await newUser("customerAdmin", { role: "customer-user" });
    const path = `/api/v1/users/${created.body.user.id}`;
    const promoted = await f.api("customerAdmin", "PATCH", path, { role: "customer-admin" });
    assert.equal(promoted.status, 200);
    assert.equal(promoted.body.role, "customer-admin");
    const audit = (await f.audit(f.tree.a.accountId)).at(-1);
    assert.equal(audit?.action, "user.role-change");
    assert.equal(audit?.customer_id, f.tree.a.a1);
    assert.deepEqual(audit?.details.before, { role: "customer-user", customerId: f.tree.a.a1, siteId: null });
    assert.equal((await f.api("customerAdmin", "PATCH", path, { role: "account-billing" })).status, 403);

    // An account admin turns the customer user into an account technician: the customer goes.
    const moved = await f.api("accountAdmin", "PATCH", path, { role: "account-technician" });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.customerId, null);
    const roleChange = (await f.audit(f.tree.a.accountId)).at(-1);
    assert.equal(roleChange?.action, "user.role-change");
    assert.equal(roleChange?.customer_id, f.tree.a.a1, "the customer it left still sees the change");
    // Now out of the customer admin's reach.
    assert.equal((await f.api("customerAdmin", "PATCH", path, { name: "Back" })).status, 404);
    // Back to a customer role needs a customer.
    assert.equal((await f.api("accountAdmin", "PATCH", path, { role: "customer-user" })).status, 400);
    const back = await f.api("accountAdmin", "PATCH", path, {
      role: "customer-user",
      customerId: f.tree.a.a2,
      siteId: f.tree.a.a2Main,
    });
    assert.equal(back.status, 200);
    assert.equal(back.body.siteId, f.tree.a.a2Main);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { role: "platform-admin" })).status, 403);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { siteId: f.tree.a.a1North })).status, 404);
    assert.equal((await f.api("accountAdmin", "PATCH", path, { role: "owner" })).status, 400);
    assert.equal((await f.api("technician", "PATCH", path, { name: "Tech" })).status, 403);
    assert.equal((await f.api("otherAccountAdmin", "PATCH", path, { name: "B" })).status, 404);
  });

  it("changes names and locales, recorded as user.update", async () => {
    const created = await newUser("accountAdmin", { role: "account-billing" });
    const path = `/api/v1/users/${created.body.user.id}`;
    const changed = await f.api("accountAdmin", "PATCH", path, { name: "Renamed", locale: "en" });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.name, "Renamed");
    assert.equal(changed.body.locale, "en");
    const audit = (await f.audit(f.tree.a.accountId)).at(-1);
    assert.equal(audit?.action, "user.update");
    assert.equal(audit?.customer_id, null);
    assert.deepEqual(audit?.details.changes, {
      name: { before: created.body.user.name, after: "Renamed" },
      locale: { before: null, after: "en" },
    });
  });

  it("refuses changing one's own role, placement or disabling oneself, but allows one's own name", async () => {
    const self = `/api/v1/users/${f.tree.users.customerAdmin.userId}`;
    assert.equal((await f.api("customerAdmin", "PATCH", self, { role: "customer-user" })).status, 403);
    assert.equal((await f.api("customerAdmin", "PATCH", self, { disabled: true })).status, 403);
    assert.equal((await f.api("customerAdmin", "PATCH", self, { siteId: f.tree.a.a1North })).status, 403);
    assert.equal((await f.api("customerAdmin", "DELETE", self)).status, 403);
    const named = await f.api("customerAdmin", "PATCH", self, { name: "Me myself" });
    assert.equal(named.status, 200);
    assert.equal(named.body.role, "customer-admin");
    const adminSelf = `/api/v1/users/${f.tree.users.accountAdmin.userId}`;
    assert.equal((await f.api("accountAdmin", "PATCH", adminSelf, { role: "account-billing" })).status, 403);
  });

  it("disables a user: signed out at once, audited, and enabled again", async () => {
    const created = await newUser("customerAdmin", { role: "customer-user" });
    const user = created.body.user;
    const session = await sessionFor(f.portal.ctx.db, { ...user, userId: user.id });
    assert.equal((await call(f.portal.url, session, "GET", "/api/v1/sites")).status, 200);
    const path = `/api/v1/users/${user.id}`;
    const disabled = await f.api("customerAdmin", "PATCH", path, { disabled: true });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    assert.equal((await call(f.portal.url, session, "GET", "/api/v1/sites")).status, 401);
    assert.equal((await f.audit(f.tree.a.accountId)).at(-1)?.action, "user.disable");
    const enabled = await f.api("customerAdmin", "PATCH", path, { disabled: false });
    assert.equal(enabled.body.disabled, false);
    const audit = (await f.audit(f.tree.a.accountId)).at(-1);
    assert.equal(audit?.action, "user.enable");
    assert.equal(audit?.customer_id, f.tree.a.a1);
  });

  it("deletes a user with their login, so the address can be used again", async () => {
    const created = await newUser("accountAdmin", { email: "leaving@a.test", role: "account-billing" });
    const path = `/api/v1/users/${created.body.user.id}`;
    assert.equal((await f.api("customerAdmin", "DELETE", path)).status, 404);
    assert.equal((await f.api("otherAccountAdmin", "DELETE", path)).status, 404);
    assert.equal((await f.api("billing", "DELETE", path)).status, 403);
    assert.equal((await f.api("accountAdmin", "DELETE", path)).status, 204);
    assert.equal(await login("leaving@a.test"), undefined);
    assert.equal((await f.api("accountAdmin", "GET", path)).status, 404);
    const audit = (await f.audit(f.tree.a.accountId)).at(-1);
    assert.equal(audit?.action, "user.delete");
    assert.deepEqual(audit?.details, { email: "leaving@a.test", role: "account-billing" });
    assert.equal(
      (await newUser("otherAccountAdmin", { email: "leaving@a.test", role: "account-billing" })).status,
      201,
    );
  });
});
