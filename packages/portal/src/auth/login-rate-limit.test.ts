import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call } from "../testing/tenants.ts";
import { type AuthFixture, login, startAuthFixture, testPassword } from "./testing.ts";

describe("rate limits of the credential routes", () => {
  let fx: AuthFixture;
  before(async () => {
    // A long window: nothing in this file may depend on the window running out.
    fx = await startAuthFixture({ ctx: { loginRateLimit: { max: 3, timeWindowMs: 60 * 60_000 } } });
  });
  after(() => fx.close());

  it("refuses sign-in attempts from one address beyond the limit, right password or not", async () => {
    // Different users: the per-user lockout (5) must not be what stops them.
    assert.equal((await login(fx.portal.url, "tech@a.test", "wrong")).status, 401);
    assert.equal((await login(fx.portal.url, "billing@a.test", "wrong")).status, 401);
    assert.equal((await login(fx.portal.url, "admin@a.test", testPassword)).status, 200);
    const limited = await login(fx.portal.url, "admin@b.test", testPassword);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, "rate-limited");
    assert.equal(limited.setCookie, undefined);
  });

  it("limits the password-reset routes on their own counts", async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await call(fx.portal.url, undefined, "POST", "/api/v1/auth/password-reset", {
        email: "nobody@x.test",
      });
      assert.equal(answer.status, 202);
    }
    const limited = await call(fx.portal.url, undefined, "POST", "/api/v1/auth/password-reset", {
      email: "nobody@x.test",
    });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, "rate-limited");
  });
});
