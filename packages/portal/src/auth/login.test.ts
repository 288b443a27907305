import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, type TestSession } from "../testing/tenants.ts";
import { maxFailedLogins } from "./lockout.ts";
import { type AuthFixture, auditOf, login, startAuthFixture, testPassword } from "./testing.ts";

describe("sign-in, sessions and the own profile", () => {
  let fx: AuthFixture;
  before(async () => {
    // Plenty of attempts: this file is about the answers, login-rate-limit.test.ts about the limit.
    fx = await startAuthFixture({ ctx: { loginRateLimit: { max: 10_000, timeWindowMs: 60_000 } } });
  });
  after(() => fx.close());

  const setDb = (text: string, params: unknown[]) =>
    fx.portal.ctx.db.system((sql) => sql.query(text, params));
  const userRow = async (userId: string) =>
    (
      await fx.portal.ctx.db.system((sql) =>
        sql.query<{ failed_logins: number; locked: boolean }>(
          "select failed_logins, coalesce(locked_until > now(), false) as locked from users where user_id = $1",
          [userId],
        ),
      )
    ).rows[0];

  describe("sign-in", () => {
    it("signs in with the password (e-mail in any case) and answers the profile with the role's rights", async () => {
      const answer = await login(fx.portal.url, "Admin@A.Test", testPassword);
      assert.equal(answer.status, 200);
      const user = fx.tree.users.accountAdmin;
      assert.equal(answer.body.mfaRequired, false);
      assert.equal(answer.body.user.userId, user.userId);
      assert.equal(answer.body.user.email, "admin@a.test");
      assert.equal(answer.body.user.role, "account-admin");
      assert.equal(answer.body.user.accountId, fx.tree.a.accountId);
      assert.equal(answer.body.user.accountName, "Dealer A");
      assert.equal(answer.body.user.accountKind, "dealer");
      assert.equal(answer.body.user.customerId, null);
      assert.equal(answer.body.user.totpEnabled, false);
      assert.equal(answer.body.user.rights.users, "write");
      assert.equal(answer.body.user.csrfToken, answer.body.csrfToken);
      assert.ok(answer.session);

      const me = await call(fx.portal.url, answer.session, "GET", "/api/v1/auth/me");
      assert.equal(me.status, 200);
      assert.equal(me.body.userId, user.userId);
      assert.equal(me.body.csrfToken, answer.body.csrfToken);

      const events = await auditOf(fx.portal, fx.tree.a.accountId);
      const signIn = events.findLast((e) => e.action === "auth.login");
      assert.equal(signIn?.actor_email, "admin@a.test");
      assert.equal(signIn?.target_id, user.userId);
    });

    it("sets the session cookie HttpOnly, SameSite=Strict, for the whole site, without Secure over plain HTTP", async () => {
      const answer = await login(fx.portal.url, "admin@a.test", testPassword);
      const cookie = answer.setCookie ?? "";
      assert.match(cookie, /; HttpOnly/i);
      assert.match(cookie, /; SameSite=Strict/i);
      assert.match(cookie, /; Path=\/(;|$)/);
      assert.doesNotMatch(cookie, /; Secure/i);
    });

    it("gives a customer user its customer and the narrower rights of its role", async () => {
      const answer = await login(fx.portal.url, "user@a1.test", testPassword);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.user.customerId, fx.tree.a.a1);
      assert.equal(answer.body.user.customerName, "Customer A1");
      assert.equal(answer.body.user.rights.billing, "none");
      assert.equal(answer.body.user.rights.fleet, "read");
      // The event concerns the customer, so its admin can read it.
      const events = await auditOf(fx.portal, fx.tree.a.accountId);
      assert.equal(events.findLast((e) => e.action === "auth.login")?.customer_id, fx.tree.a.a1);
    });

    it("answers a wrong password and an unknown address alike, without a cookie", async () => {
      const wrong = await login(fx.portal.url, "tech@a.test", "not the password");
      const unknown = await login(fx.portal.url, "nobody@a.test", testPassword);
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
      assert.equal(wrong.setCookie, undefined);
      assert.equal(unknown.setCookie, undefined);

      const failed = (await auditOf(fx.portal, fx.tree.a.accountId)).findLast(
        (e) => e.action === "auth.login-failed",
      );
      assert.equal(failed?.actor_email, "tech@a.test");
      assert.equal(failed?.details.reason, "password");
      const unknownEvents = await fx.portal.ctx.db.system((sql) =>
        sql.query("select 1 from audit_log where actor_email = 'nobody@a.test'"),
      );
      assert.equal(unknownEvents.rowCount, 0);
      // Clean slate for the lockout tests below.
      await setDb("update users set failed_logins = 0 where user_id = $1", [fx.tree.users.technician.userId]);
    });

    it("rejects malformed sign-in bodies with 400", async () => {
      for (const body of [
        { email: "admin@a.test" },
        { email: 42, password: testPassword },
        { password: "x" },
      ]) {
        const answer = await call(fx.portal.url, undefined, "POST", "/api/v1/auth/login", body);
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
    });

    it("locks a user for a while after five wrong passwords in a row, even against the right one", async () => {
      const user = fx.tree.users.billing;
      for (let i = 1; i < maxFailedLogins; i++)
        assert.equal((await login(fx.portal.url, user.email, "wrong password")).status, 401);
      const locking = await login(fx.portal.url, user.email, "wrong password");
      assert.equal(locking.status, 429);
      assert.equal(locking.body.message, "account temporarily locked");
      const right = await login(fx.portal.url, user.email, testPassword);
      assert.equal(right.status, 429);
      assert.equal(right.body.message, "account temporarily locked");
      assert.equal(right.setCookie, undefined);
      assert.equal((await userRow(user.userId))?.locked, true);

      const events = (await auditOf(fx.portal, user.accountId)).filter((e) => e.actor_email === user.email);
      assert.equal(events.at(-2)?.details.locked, true);
      assert.equal(events.at(-1)?.details.reason, "locked");

      // Once the lock has run out (moved into the past here), the right password works again.
      await setDb("update users set locked_until = now() - interval '1 second' where user_id = $1", [
        user.userId,
      ]);
      assert.equal((await login(fx.portal.url, user.email, testPassword)).status, 200);
      assert.deepEqual(await userRow(user.userId), { failed_logins: 0, locked: false });
    });

    it("counts only failures in a row: a success in between starts the count again", async () => {
      const user = fx.tree.users.technician;
      for (let i = 1; i < maxFailedLogins; i++)
        assert.equal((await login(fx.portal.url, user.email, "wrong password")).status, 401);
      assert.equal((await login(fx.portal.url, user.email, testPassword)).status, 200);
      assert.equal((await userRow(user.userId))?.failed_logins, 0);
      assert.equal((await login(fx.portal.url, user.email, "wrong password")).status, 401);
      assert.equal((await userRow(user.userId))?.failed_logins, 1);
      assert.equal((await login(fx.portal.url, user.email, testPassword)).status, 200);
    });

    it("does not let a disabled user in, and says no more than for a wrong password", async () => {
      const user = fx.tree.users.otherAccountAdmin;
      await setDb("update users set disabled_at = now() where user_id = $1", [user.userId]);
      const answer = await login(fx.portal.url, user.email, testPassword);
      const wrong = await login(fx.portal.url, "tech@a.test", "not the password");
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, wrong.body);
      assert.equal(answer.setCookie, undefined);
      const events = await auditOf(fx.portal, user.accountId);
      assert.equal(events.findLast((e) => e.action === "auth.login-failed")?.details.reason, "disabled");
      await setDb("update users set disabled_at = null where user_id = $1", [user.userId]);
      await setDb("update users set failed_logins = 0 where user_id = $1", [fx.tree.users.technician.userId]);
    });

    it("ends a disabled user's open sessions", async () => {
      const user = fx.tree.users.otherAccountAdmin;
      const { session } = await login(fx.portal.url, user.email, testPassword);
      assert.equal((await call(fx.portal.url, session, "GET", "/api/v1/auth/me")).status, 200);
      await setDb("update users set disabled_at = now() where user_id = $1", [user.userId]);
      assert.equal((await call(fx.portal.url, session, "GET", "/api/v1/auth/me")).status, 401);
      await setDb("update users set disabled_at = null where user_id = $1", [user.userId]);
    });

    it("replaces the session the browser still holds, and a stale cookie does not block signing in", async () => {
      const first = await login(fx.portal.url, "admin@a.test", testPassword);
      assert.ok(first.session);
      // The login form has no CSRF token for the old session: the cookie alone comes along.
      const second = await login(fx.portal.url, "admin@a.test", testPassword, {
        cookie: first.session.cookie,
      });
      assert.equal(second.status, 200);
      assert.notEqual(second.session?.cookie, first.session.cookie);
      assert.equal((await call(fx.portal.url, first.session, "GET", "/api/v1/auth/me")).status, 401);
      assert.equal((await call(fx.portal.url, second.session, "GET", "/api/v1/auth/me")).status, 200);
    });
  });

  describe("sessions", () => {
    let session: TestSession;
    before(async () => {
      session = (await login(fx.portal.url, "admin@a1.test", testPassword)).session as TestSession;
    });

    it("refuses a cookie-authenticated write without the CSRF token, or with a wrong one", async () => {
      const withoutToken = await call(
        fx.portal.url,
        { ...session, headers: { cookie: session.cookie } },
        "PATCH",
        "/api/v1/auth/me",
        { name: "X" },
      );
      assert.equal(withoutToken.status, 403);
      assert.equal(withoutToken.body.error, "csrf");
      const wrongToken = await call(
        fx.portal.url,
        { ...session, headers: { cookie: session.cookie, "x-csrf-token": "not-the-token" } },
        "PATCH",
        "/api/v1/auth/me",
        { name: "X" },
      );
      assert.equal(wrongToken.status, 403);
      assert.equal(wrongToken.body.error, "csrf");
      // Reads need no token; with the token the write goes through.
      assert.equal(
        (
          await call(
            fx.portal.url,
            { ...session, headers: { cookie: session.cookie } },
            "GET",
            "/api/v1/auth/me",
          )
        ).status,
        200,
      );
      const right = await call(fx.portal.url, session, "PATCH", "/api/v1/auth/me", { name: "Anna Admin" });
      assert.equal(right.status, 200);
      assert.equal(right.body.name, "Anna Admin");
    });

    it("answers 401 without a session and for a cookie that is made up", async () => {
      assert.equal((await call(fx.portal.url, undefined, "GET", "/api/v1/auth/me")).status, 401);
      const [accountId, sessionId] = session.cookie.slice("dp_session=".length).split(".");
      const forged = {
        cookie: `dp_session=${accountId}.${sessionId}.forged`,
        csrfToken: "",
        headers: { cookie: `dp_session=${accountId}.${sessionId}.forged` },
      };
      assert.equal((await call(fx.portal.url, forged, "GET", "/api/v1/auth/me")).status, 401);
      const garbage = {
        cookie: "dp_session=garbage",
        csrfToken: "",
        headers: { cookie: "dp_session=garbage" },
      };
      assert.equal((await call(fx.portal.url, garbage, "GET", "/api/v1/auth/me")).status, 401);
    });

    it("ends a session past its lifetime and one left idle too long", async () => {
      const expired = (await login(fx.portal.url, "admin@a1.test", testPassword)).session as TestSession;
      const idle = (await login(fx.portal.url, "admin@a1.test", testPassword, {})).session as TestSession;
      const idOf = (s: TestSession) => s.cookie.split(".")[1];
      await setDb("update sessions set expires_at = now() - interval '1 second' where session_id = $1", [
        idOf(expired),
      ]);
      await setDb("update sessions set last_seen_at = now() - interval '3 hours' where session_id = $1", [
        idOf(idle),
      ]);
      assert.equal((await call(fx.portal.url, expired, "GET", "/api/v1/auth/me")).status, 401);
      assert.equal((await call(fx.portal.url, idle, "GET", "/api/v1/auth/me")).status, 401);
      assert.equal((await call(fx.portal.url, session, "GET", "/api/v1/auth/me")).status, 200);
    });

    it("signs out: the session ends, the cookie is cleared, the event is audited", async () => {
      const own = (await login(fx.portal.url, "admin@a1.test", testPassword)).session as TestSession;
      const response = await fetch(`${fx.portal.url}/api/v1/auth/logout`, {
        method: "POST",
        headers: own.headers,
      });
      assert.equal(response.status, 204);
      const cleared = response.headers.getSetCookie().find((c) => c.startsWith("dp_session="));
      assert.match(cleared ?? "", /^dp_session=;/);
      assert.match(cleared ?? "", /Expires=Thu, 01 Jan 1970/);
      assert.equal((await call(fx.portal.url, own, "GET", "/api/v1/auth/me")).status, 401);
      assert.equal((await call(fx.portal.url, undefined, "POST", "/api/v1/auth/logout")).status, 401);
      const events = await auditOf(fx.portal, fx.tree.a.accountId);
      const logout = events.findLast((e) => e.action === "auth.logout");
      assert.equal(logout?.actor_user_id, fx.tree.users.customerAdmin.userId);
      assert.equal(logout?.customer_id, fx.tree.a.a1);
    });
  });

  describe("own profile", () => {
    let session: TestSession;
    before(async () => {
      session = (await login(fx.portal.url, "tech@a.test", testPassword)).session as TestSession;
    });

    it("changes name, language and time zone, and clears them with null", async () => {
      const changed = await call(fx.portal.url, session, "PATCH", "/api/v1/auth/me", {
        name: "Tom Technician",
        locale: "de",
        timeZone: "America/New_York",
      });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.name, "Tom Technician");
      assert.equal(changed.body.locale, "de");
      assert.equal(changed.body.timeZone, "America/New_York");
      // Fields left out stay as they are.
      const partly = await call(fx.portal.url, session, "PATCH", "/api/v1/auth/me", { locale: null });
      assert.equal(partly.body.locale, null);
      assert.equal(partly.body.timeZone, "America/New_York");
      assert.equal(partly.body.name, "Tom Technician");
      const me = await call(fx.portal.url, session, "GET", "/api/v1/auth/me");
      assert.equal(me.body.timeZone, "America/New_York");
    });

    it("rejects an unknown time zone, an unsupported language and an empty name", async () => {
      for (const body of [{ timeZone: "Mars/Olympus_Mons" }, { locale: "fr" }, { name: "  " }, { name: 7 }]) {
        const answer = await call(fx.portal.url, session, "PATCH", "/api/v1/auth/me", body);
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
    });
  });

  describe("password change", () => {
    it("needs the current password and a new one long enough", async () => {
      const { session } = await login(fx.portal.url, "admin@b.test", testPassword);
      const wrong = await call(fx.portal.url, session, "POST", "/api/v1/auth/password", {
        currentPassword: "not it",
        newPassword: "a brand new password",
      });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error, "wrong-credentials");
      const short = await call(fx.portal.url, session, "POST", "/api/v1/auth/password", {
        currentPassword: testPassword,
        newPassword: "short",
      });
      assert.equal(short.status, 400);
      assert.equal((await login(fx.portal.url, "admin@b.test", testPassword)).status, 200);
    });

    it("changes the password and ends every other session of the user, keeping the current one", async () => {
      const current = (await login(fx.portal.url, "admin@b.test", testPassword)).session as TestSession;
      const other = (await login(fx.portal.url, "admin@b.test", testPassword)).session as TestSession;
      const changed = await call(fx.portal.url, current, "POST", "/api/v1/auth/password", {
        currentPassword: testPassword,
        newPassword: "a brand new password",
      });
      assert.equal(changed.status, 204);
      assert.equal((await call(fx.portal.url, current, "GET", "/api/v1/auth/me")).status, 200);
      assert.equal((await call(fx.portal.url, other, "GET", "/api/v1/auth/me")).status, 401);
      assert.equal((await login(fx.portal.url, "admin@b.test", testPassword)).status, 401);
      assert.equal((await login(fx.portal.url, "admin@b.test", "a brand new password")).status, 200);
      const events = await auditOf(fx.portal, fx.tree.b.accountId);
      assert.ok(events.some((e) => e.action === "auth.password-change-failed"));
      assert.equal(
        events.findLast((e) => e.action === "auth.password-change")?.actor_user_id,
        fx.tree.users.otherAccountAdmin.userId,
      );
    });
  });
});
