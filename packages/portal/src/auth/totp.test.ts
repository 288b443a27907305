import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Secret, TOTP } from "otpauth";
import type { TestUser } from "../testing/tenants.ts";
import { call, type TestSession } from "../testing/tenants.ts";
import { maxFailedLogins } from "./lockout.ts";
import {
  type AuthFixture,
  auditOf,
  login,
  postForSession,
  startAuthFixture,
  testPassword,
} from "./testing.ts";

const totpOf = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) });

/** A code the portal must refuse: none of the codes valid around now. */
function wrongCode(secret: string): string {
  const totp = totpOf(secret);
  const valid = new Set(
    [-1, 0, 1, 2].map((step) => totp.generate({ timestamp: Date.now() + step * 30_000 })),
  );
  let code = 0;
  while (valid.has(String(code).padStart(6, "0"))) code++;
  return String(code).padStart(6, "0");
}

describe("two-factor sign-in (TOTP)", () => {
  let fx: AuthFixture;
  before(async () => {
    fx = await startAuthFixture({ ctx: { loginRateLimit: { max: 10_000, timeWindowMs: 60_000 } } });
  });
  after(() => fx.close());

  const db = (text: string, params: unknown[]) => fx.portal.ctx.db.system((sql) => sql.query(text, params));
  /**
   * The current code, after forgetting the last accepted step: a code works only once, and a test
   * must not wait for the next 30-second step.
   */
  async function freshCode(user: TestUser, secret: string): Promise<string> {
    await db("update users set totp_last_step = null where user_id = $1", [user.userId]);
    return totpOf(secret).generate();
  }
  const signIn = async (user: TestUser) =>
    (await login(fx.portal.url, user.email, testPassword)).session as TestSession;
  const secondFactor = (pending: TestSession, code: string, headers = pending.headers) =>
    postForSession(fx.portal.url, "/api/v1/auth/login/totp", { code }, headers);

  /** Sets up and switches on TOTP for a user; answers the secret. */
  async function enrol(user: TestUser): Promise<string> {
    const session = await signIn(user);
    const setup = await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/setup");
    assert.equal(setup.status, 200);
    const enable = await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/enable", {
      code: totpOf(setup.body.secret).generate(),
    });
    assert.equal(enable.status, 204);
    return setup.body.secret;
  }

  it("sets up a sealed secret, switched on only by a right code", async () => {
    const user = fx.tree.users.accountAdmin;
    const session = await signIn(user);
    const setup = await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/setup");
    assert.equal(setup.status, 200);
    assert.match(setup.body.secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(setup.body.uri);
    assert.equal(uri.protocol, "otpauth:");
    assert.equal(uri.searchParams.get("secret"), setup.body.secret);
    assert.equal(uri.searchParams.get("issuer"), "Device Portal");
    assert.match(decodeURIComponent(uri.pathname), /admin@a\.test/);

    const row = (
      await db("select totp_secret_enc, totp_enabled from users where user_id = $1", [user.userId])
    ).rows[0] as { totp_secret_enc: Buffer; totp_enabled: boolean };
    assert.equal(row.totp_enabled, false);
    // Sealed at rest: the database holds neither the base32 text nor its bytes in the clear.
    assert.equal(row.totp_secret_enc.includes(Buffer.from(setup.body.secret)), false);
    assert.equal(fx.portal.ctx.secrets.openText(row.totp_secret_enc), setup.body.secret);
    // Not in force yet: the password alone still signs in.
    assert.equal((await login(fx.portal.url, user.email, testPassword)).body.mfaRequired, false);

    const wrong = await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/enable", {
      code: wrongCode(setup.body.secret),
    });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error, "wrong-credentials");
    for (const code of ["12345", "12a456", "1234567"])
      assert.equal(
        (await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/enable", { code })).status,
        400,
      );

    const enable = await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/enable", {
      code: totpOf(setup.body.secret).generate(),
    });
    assert.equal(enable.status, 204);
    assert.equal((await call(fx.portal.url, session, "GET", "/api/v1/auth/me")).body.totpEnabled, true);
    // Once on, a new setup would silently replace the app's secret: refused.
    assert.equal((await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/setup")).status, 409);

    const actions = (await auditOf(fx.portal, user.accountId)).map((e) => e.action);
    assert.ok(actions.includes("auth.totp-setup"));
    assert.ok(actions.includes("auth.totp-enable"));
  });

  it("signs in in two steps: the password gives a half session, the code the full one", async () => {
    const user = fx.tree.users.technician;
    const secret = await enrol(user);
    const first = await login(fx.portal.url, user.email, testPassword);
    assert.equal(first.status, 200);
    assert.equal(first.body.mfaRequired, true);
    assert.equal(first.body.user, null);
    const pending = first.session as TestSession;
    // Half signed in is not signed in.
    assert.equal((await call(fx.portal.url, pending, "GET", "/api/v1/auth/me")).status, 401);
    assert.equal((await call(fx.portal.url, pending, "PATCH", "/api/v1/auth/me", { name: "X" })).status, 401);

    // The second step needs the half session's CSRF token.
    const noToken = await secondFactor(pending, await freshCode(user, secret), { cookie: pending.cookie });
    assert.equal(noToken.status, 403);
    const wrong = await secondFactor(pending, wrongCode(secret));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.message, "wrong code");

    const done = await secondFactor(pending, await freshCode(user, secret));
    assert.equal(done.status, 200);
    assert.equal(done.body.mfaRequired, false);
    assert.equal(done.body.user.userId, user.userId);
    assert.equal(done.body.user.totpEnabled, true);
    const full = done.session as TestSession;
    assert.notEqual(full.cookie, pending.cookie);
    assert.match(done.setCookie ?? "", /HttpOnly/i);
    assert.equal((await call(fx.portal.url, full, "GET", "/api/v1/auth/me")).status, 200);
    // The half session is used up.
    assert.equal((await secondFactor(pending, await freshCode(user, secret))).status, 401);

    const events = await auditOf(fx.portal, user.accountId);
    assert.deepEqual(events.findLast((e) => e.action === "auth.login")?.details, { mfa: true });
    assert.equal(events.findLast((e) => e.action === "auth.login-failed")?.details.reason, "totp");
  });

  it("takes a code only once", async () => {
    const user = fx.tree.users.billing;
    const secret = await enrol(user);
    const code = await freshCode(user, secret);
    const first = await secondFactor(
      (await login(fx.portal.url, user.email, testPassword)).session as TestSession,
      code,
    );
    assert.equal(first.status, 200);
    const replay = await secondFactor(
      (await login(fx.portal.url, user.email, testPassword)).session as TestSession,
      code,
    );
    assert.equal(replay.status, 401);
  });

  it("answers the second step without a half session with 401", async () => {
    const answer = await call(fx.portal.url, undefined, "POST", "/api/v1/auth/login/totp", {
      code: "123456",
    });
    assert.equal(answer.status, 401);
    // A full session is no half session either.
    const full = await signIn(fx.tree.users.customerUser);
    assert.equal(
      (await call(fx.portal.url, full, "POST", "/api/v1/auth/login/totp", { code: "123456" })).status,
      401,
    );
  });

  it("locks the user after five wrong codes, and the password alone does not reset the count", async () => {
    const user = fx.tree.users.customerAdmin;
    const secret = await enrol(user);
    let pending = (await login(fx.portal.url, user.email, testPassword)).session as TestSession;
    for (let i = 1; i < maxFailedLogins; i++)
      assert.equal((await secondFactor(pending, wrongCode(secret))).status, 401);
    // Signing in with the password again must not wipe the four failures.
    pending = (await login(fx.portal.url, user.email, testPassword)).session as TestSession;
    const locking = await secondFactor(pending, wrongCode(secret));
    assert.equal(locking.status, 429);
    assert.equal(locking.body.message, "account temporarily locked");
    // The half session is gone, and the right password is locked out too.
    assert.equal((await secondFactor(pending, await freshCode(user, secret))).status, 401);
    assert.equal((await login(fx.portal.url, user.email, testPassword)).status, 429);
  });

  it("switches off with the password or a code, not with wrong ones", async () => {
    const user = fx.tree.users.otherAccountAdmin;
    let secret = await enrol(user);
    const session = (
      await secondFactor(
        (
          await login(fx.portal.url, user.email, testPassword)
        ).session as TestSession,
        await freshCode(user, secret),
      )
    ).session as TestSession;
    const disable = (body: unknown) =>
      call(fx.portal.url, session, "POST", "/api/v1/auth/totp/disable", body);
    assert.equal((await disable({ password: "wrong password" })).status, 403);
    assert.equal((await disable({ code: wrongCode(secret) })).status, 403);
    assert.equal((await disable({})).status, 400);
    assert.equal((await disable({ password: testPassword })).status, 204);
    const row = (
      await db("select totp_secret_enc, totp_enabled from users where user_id = $1", [user.userId])
    ).rows[0];
    assert.deepEqual(row, { totp_secret_enc: null, totp_enabled: false });
    assert.equal((await disable({ password: testPassword })).status, 409);
    assert.equal((await login(fx.portal.url, user.email, testPassword)).body.mfaRequired, false);

    secret = await enrol(user);
    const again = (
      await secondFactor(
        (
          await login(fx.portal.url, user.email, testPassword)
        ).session as TestSession,
        await freshCode(user, secret),
      )
    ).session as TestSession;
    const byCode = await call(fx.portal.url, again, "POST", "/api/v1/auth/totp/disable", {
      code: await freshCode(user, secret),
    });
    assert.equal(byCode.status, 204);
    assert.ok((await auditOf(fx.portal, user.accountId)).some((e) => e.action === "auth.totp-disable"));
  });

  it("needs a signed-in session for setup, enable and disable", async () => {
    for (const path of ["/api/v1/auth/totp/setup", "/api/v1/auth/totp/enable", "/api/v1/auth/totp/disable"])
      assert.equal(
        (await call(fx.portal.url, undefined, "POST", path, { code: "123456" })).status,
        401,
        path,
      );
    // Enabling before any setup has nothing to check the code against.
    const session = await signIn(fx.tree.users.platformAdmin);
    assert.equal(
      (await call(fx.portal.url, session, "POST", "/api/v1/auth/totp/enable", { code: "123456" })).status,
      409,
    );
  });
});
