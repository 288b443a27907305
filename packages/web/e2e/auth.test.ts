import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type E2eEnv, logInThroughForm, newContext, password, startE2e } from "./harness.ts";

/** Sign-in through the real form, wrong credentials, and a session that ends under the user. */
let env: E2eEnv;

before(async () => {
  env = await startE2e({ octet: 77 });
});

after(async () => {
  await env?.close();
});

async function sessionsOf(userId: string): Promise<number> {
  return env.db.system(
    async (sql) =>
      (
        await sql.query<{ n: number }>(
          "select count(*)::int as n from sessions where account_id = $1 and user_id = $2 and not mfa_pending",
          [env.tree.a.accountId, userId],
        )
      ).rows[0]?.n ?? 0,
  );
}

async function endSessionsOf(userId: string): Promise<void> {
  await env.db.system((sql) =>
    sql.query("delete from sessions where account_id = $1 and user_id = $2", [env.tree.a.accountId, userId]),
  );
}

/** A device of customer A1 with a serial, as the collector stored it. */
async function someA1Device(): Promise<{ id: string; serial: string }> {
  return env.db.system(async (sql) => {
    const row = (
      await sql.query<{ device_id: string; serial: string }>(
        `select device_id, serial from devices where account_id = $1 and customer_id = $2 and serial is not null
         order by serial limit 1`,
        [env.tree.a.accountId, env.tree.a.a1],
      )
    ).rows[0];
    assert.ok(row, "the collector stored no device of A1");
    return { id: row.device_id, serial: row.serial };
  });
}

test("signing in through the form opens the dashboard of the user's scope", async () => {
  const user = env.tree.users.technician;
  const context = await newContext(env);
  try {
    const page = await context.newPage();
    await page.goto("/");
    // Signed out, the app sends the visitor to the login.
    await page.waitForURL((url) => url.pathname === "/login");
    assert.equal(await sessionsOf(user.userId), 0);
    await logInThroughForm(page, user);
    assert.equal(new URL(page.url()).pathname, "/");
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    await page.getByRole("button", { name: "User menu" }).getByText("tech").waitFor();
    assert.equal(await sessionsOf(user.userId), 1);
  } finally {
    await context.close();
  }
});

test("a wrong password or an unknown e-mail shows an error and signs nobody in", async () => {
  const user = env.tree.users.customerAdmin;
  const context = await newContext(env);
  try {
    const page = await context.newPage();
    await page.goto("/login");
    for (const attempt of [
      { email: user.email, secret: `${password}-wrong` },
      { email: "nobody@a.test", secret: password },
    ]) {
      await page.getByRole("textbox", { name: "E-mail", exact: true }).fill(attempt.email);
      await page.getByRole("textbox", { name: "Password", exact: true }).fill(attempt.secret);
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert").filter({ hasText: "E-mail or password is wrong." });
      await alert.waitFor();
      assert.equal(new URL(page.url()).pathname, "/login");
    }
    assert.equal(await sessionsOf(user.userId), 0);
    // The browser holds no session either: the API answers 401 to its cookies.
    const me = await page.request.get("/api/v1/auth/me");
    assert.equal(me.status(), 401);
    // The right password still works after the failures.
    await logInThroughForm(page, user);
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
  } finally {
    await context.close();
  }
});

test("an ended session sends a reload to the login, and the login back to the page", async () => {
  const user = env.tree.users.technician;
  const device = await someA1Device();
  const context = await newContext(env);
  try {
    const page = await context.newPage();
    await page.goto("/login");
    await logInThroughForm(page, user);
    await page.goto(`/devices/${device.id}`);
    await page.getByText(device.serial).first().waitFor();
    // Every request of the page answered: none of them may meet the ended session by chance.
    await page.waitForLoadState("networkidle");

    await endSessionsOf(user.userId);
    await page.reload();
    await page.waitForURL((url) => url.pathname === "/login");
    assert.equal(new URL(page.url()).searchParams.get("next"), `/devices/${device.id}`);
    await page.getByText("Sign in to open the page you asked for.").waitFor();
    assert.equal(await page.getByText(device.serial).count(), 0, "no device data on the login page");

    await logInThroughForm(page, user);
    assert.equal(new URL(page.url()).pathname, `/devices/${device.id}`);
    await page.getByText(device.serial).first().waitFor();
  } finally {
    await context.close();
  }
});

test("a session that ends while the app is open sends the next request to the login and back", async () => {
  const user = env.tree.users.technician;
  const context = await newContext(env);
  try {
    const page = await context.newPage();
    await page.goto("/login");
    await logInThroughForm(page, user);
    await page.getByTestId("stat-devices").waitFor();
    // The dashboard's requests are all answered: the next one is the click's.
    await page.waitForLoadState("networkidle");

    await endSessionsOf(user.userId);
    // In-app navigation: no reload, the collectors page's first API call gets the 401.
    await page
      .getByRole("navigation", { name: "Main navigation" })
      .getByRole("link", { name: "Collectors" })
      .click();
    await page.waitForURL((url) => url.pathname === "/login");
    assert.equal(new URL(page.url()).searchParams.get("next"), "/collectors");

    await logInThroughForm(page, user);
    assert.equal(new URL(page.url()).pathname, "/collectors");
    await page.getByRole("heading", { name: "Collectors", level: 1 }).waitFor();
  } finally {
    await context.close();
  }
});

test("a foreign or unsafe next= is ignored after the login", async () => {
  const context = await newContext(env);
  try {
    const page = await context.newPage();
    // Another origin (loopback still: the harness lets the browser reach the portal only).
    await page.goto(`/login?next=${encodeURIComponent("//127.0.0.2:9/")}`);
    await logInThroughForm(page, env.tree.users.technician);
    const url = new URL(page.url());
    assert.equal(url.origin, env.portal.url);
    assert.equal(url.pathname, "/");
  } finally {
    await context.close();
  }
});
