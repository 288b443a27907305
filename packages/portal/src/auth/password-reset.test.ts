import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createMailer } from "../mail.ts";
import { hashSecret } from "../secrets.ts";
import { type ReceivedMail, type SmtpSink, startSmtpSink } from "../testing/smtp-sink.ts";
import { call, type TestSession } from "../testing/tenants.ts";
import { type AuthFixture, auditOf, login, startAuthFixture, testPassword } from "./testing.ts";

describe("password reset by mail (through a real SMTP server)", () => {
  let sink: SmtpSink;
  let fx: AuthFixture;
  before(async () => {
    sink = await startSmtpSink();
    fx = await startAuthFixture({
      ctx: {
        mailer: createMailer(sink.url, "Device Portal <no-reply@localhost>", () => {}),
        loginRateLimit: { max: 10_000, timeWindowMs: 60_000 },
      },
    });
  });
  after(async () => {
    await fx.close();
    await sink.close();
  });

  const requestReset = (email: string) =>
    call(fx.portal.url, undefined, "POST", "/api/v1/auth/password-reset", { email });
  const confirm = (token: string, newPassword: string) =>
    call(fx.portal.url, undefined, "POST", "/api/v1/auth/password-reset/confirm", { token, newPassword });
  const mailTo = (address: string) => sink.nextMail((m) => m.to.includes(address));
  const db = (text: string, params: unknown[]) => fx.portal.ctx.db.system((sql) => sql.query(text, params));

  /** The token of the reset link in a mail, after checking the link points at the portal. */
  function tokenOf(mail: ReceivedMail): string {
    const link = mail.text.match(/(\S+\/reset-password\?token=\S+)/)?.[1];
    assert.ok(link, mail.text);
    const url = new URL(link);
    assert.equal(url.origin, fx.portal.url);
    assert.equal(url.pathname, "/reset-password");
    return url.searchParams.get("token") ?? "";
  }

  it("mails a one-time link, stores only its hash, and the link sets a new password and ends every session", async () => {
    const user = fx.tree.users.technician;
    const { session } = await login(fx.portal.url, user.email, testPassword);
    assert.equal((await requestReset("TECH@a.test")).status, 202);
    const mail = await mailTo(user.email);
    assert.equal(mail.subject, "Device Portal: set a new password");
    assert.equal(mail.from, "no-reply@localhost");
    const token = tokenOf(mail);

    const stored = await db(
      "select secret_hash, extract(epoch from expires_at - created_at)::int as lifetime from password_resets where user_id = $1",
      [user.userId],
    );
    assert.equal(stored.rowCount, 1);
    const secret = token.split(".")[2] ?? "";
    assert.deepEqual(stored.rows[0].secret_hash, hashSecret(secret));
    assert.equal(stored.rows[0].lifetime, 3600);

    assert.equal((await confirm(token, "short")).status, 400);
    assert.equal((await confirm(token, "my new long password")).status, 204);
    assert.equal((await call(fx.portal.url, session, "GET", "/api/v1/auth/me")).status, 401);
    assert.equal((await login(fx.portal.url, user.email, testPassword)).status, 401);
    assert.equal((await login(fx.portal.url, user.email, "my new long password")).status, 200);

    // Once only.
    const again = await confirm(token, "yet another password");
    assert.equal(again.status, 400);
    assert.equal(again.body.error, "invalid-token");

    const actions = (await auditOf(fx.portal, user.accountId)).map((e) => e.action);
    assert.ok(actions.includes("auth.password-reset-requested"));
    assert.ok(actions.includes("auth.password-reset"));
  });

  it("answers 202 for unknown and disabled addresses too, but mails nothing and stores nothing", async () => {
    const disabled = fx.tree.users.billing;
    await db("update users set disabled_at = now() where user_id = $1", [disabled.userId]);
    const mailsBefore = sink.received.length;
    assert.equal((await requestReset("nobody@nowhere.test")).status, 202);
    assert.equal((await requestReset(disabled.email)).status, 202);
    // A known address afterwards: its mail arrives, and no other mail came before it.
    assert.equal((await requestReset("admin@b.test")).status, 202);
    await mailTo("admin@b.test");
    assert.deepEqual(
      sink.received.slice(mailsBefore).map((m) => m.to),
      [["admin@b.test"]],
    );
    const rows = await db("select 1 from password_resets where user_id = $1", [disabled.userId]);
    assert.equal(rows.rowCount, 0);
    await db("update users set disabled_at = null where user_id = $1", [disabled.userId]);
  });

  it("refuses an expired link", async () => {
    const user = fx.tree.users.customerUser;
    await requestReset(user.email);
    const token = tokenOf(await mailTo(user.email));
    await db("update password_resets set expires_at = now() - interval '1 second' where user_id = $1", [
      user.userId,
    ]);
    const answer = await confirm(token, "my new long password");
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, "invalid-token");
    assert.equal((await login(fx.portal.url, user.email, testPassword)).status, 200);
  });

  it("refuses made-up, malformed and altered tokens", async () => {
    const user = fx.tree.users.customerAdmin;
    await requestReset(user.email);
    const token = tokenOf(await mailTo(user.email));
    const [accountId, resetId, secret] = token.split(".") as [string, string, string];
    const tampered = [
      "garbage",
      `${accountId}.${resetId}`,
      `${accountId}.${resetId}.${secret}x`,
      `${accountId}.${resetId}.${"A".repeat(secret.length)}`,
      // The reset under another account's id.
      `${fx.tree.b.accountId}.${resetId}.${secret}`,
      `${accountId}.${resetId}.${secret}.extra`,
    ];
    for (const bad of tampered) {
      const answer = await confirm(bad, "my new long password");
      assert.equal(answer.status, 400, bad);
      assert.equal(answer.body.error, "invalid-token");
    }
    // The genuine token still works after all that.
    assert.equal((await confirm(token, "my new long password")).status, 204);
  });

  it("unlocks a locked-out user and voids every other open link", async () => {
    const user = fx.tree.users.accountAdmin;
    await db("update users set locked_until = now() + interval '10 minutes' where user_id = $1", [
      user.userId,
    ]);
    await requestReset(user.email);
    const first = tokenOf(await mailTo(user.email));
    await requestReset(user.email);
    const second = tokenOf(await mailTo(user.email));
    assert.equal((await confirm(second, "admin's new password")).status, 204);
    assert.equal((await confirm(first, "another new password")).status, 400);
    const signedIn = await login(fx.portal.url, user.email, "admin's new password");
    assert.equal(signedIn.status, 200);
    await call(fx.portal.url, signedIn.session as TestSession, "POST", "/api/v1/auth/logout");
  });

  it("sends no more than three open links at once", async () => {
    const user = fx.tree.users.platformAdmin;
    for (let i = 0; i < 4; i++) assert.equal((await requestReset(user.email)).status, 202);
    const rows = await db("select 1 from password_resets where user_id = $1", [user.userId]);
    assert.equal(rows.rowCount, 3);
  });

  it("writes the mail in the user's language", async () => {
    const user = fx.tree.users.otherAccountAdmin;
    await db("update users set locale = 'de' where user_id = $1", [user.userId]);
    await requestReset(user.email);
    const mail = await mailTo(user.email);
    assert.equal(mail.subject, "Device Portal: neues Passwort festlegen");
    assert.match(mail.text, /Der Link gilt eine Stunde/);
  });

  it("rejects malformed requests with 400", async () => {
    assert.equal(
      (await call(fx.portal.url, undefined, "POST", "/api/v1/auth/password-reset", {})).status,
      400,
    );
    assert.equal((await confirm("", "my new long password")).status, 400);
    const noPassword = await call(fx.portal.url, undefined, "POST", "/api/v1/auth/password-reset/confirm", {
      token: "x",
    });
    assert.equal(noPassword.status, 400);
  });
});
