import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { call } from "../../portal/src/testing/tenants.ts";
import { type E2eEnv, signedInPage, startCollectorProcess, startE2e } from "./harness.ts";

/** Enrolling a collector from the web app, and editing a site's collector settings. */
let env: E2eEnv;

before(async () => {
  env = await startE2e({ octet: 79 });
});

after(async () => {
  await env?.close();
});

async function tokensOf(siteId: string): Promise<{ key_id: string; used_at: Date | null }[]> {
  return env.db.system(
    async (sql) =>
      (
        await sql.query<{ key_id: string; used_at: Date | null }>(
          "select key_id, used_at from enrolment_tokens where account_id = $1 and site_id = $2",
          [env.tree.a.accountId, siteId],
        )
      ).rows,
  );
}

test("enrolling through the web app shows an install command whose token enrols a real collector", async () => {
  const site = env.tree.a.a1South;
  assert.deepEqual(await tokensOf(site), []);
  const { context, page } = await signedInPage(env, env.tree.users.accountAdmin);
  try {
    await page
      .getByRole("navigation", { name: "Main navigation" })
      .getByRole("link", { name: "Collectors" })
      .click();
    await page.getByRole("heading", { name: "Collectors", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Enrol a collector" }).click();
    const dialog = page.getByRole("dialog", { name: "Enrol a collector" });
    await dialog.waitFor();

    // No site chosen: the form says so and creates nothing.
    await dialog.getByRole("button", { name: "Create install command" }).click();
    await dialog.getByText("Required").waitFor();
    assert.deepEqual(await tokensOf(site), []);

    await dialog.getByRole("combobox", { name: "Site" }).click();
    await page.getByRole("option", { name: "A1 south (Customer A1)" }).click();
    await dialog.getByRole("button", { name: "Create install command" }).click();
    const command = dialog.getByText(/^npx ice run --portal /);
    await command.waitFor();
    const text = ((await command.textContent()) ?? "").trim();
    const match = /^npx ice run --portal (\S+) --token (\S+)$/.exec(text);
    assert.ok(match, `install command: ${text}`);
    assert.equal(match[1], env.portal.url);
    const token = match[2] as string;
    await dialog.getByText(/^node ice\.mjs run --portal /).waitFor();
    const tokens = await tokensOf(site);
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]?.used_at, null);

    // The command's token is what a technician would paste: a real collector enrols with it.
    const collector = startCollectorProcess({
      portalUrl: env.portal.url,
      token,
      logFile: path.join(env.workDir, "enrolled-ice.log"),
    });
    try {
      await collector.until(async () => {
        const used = (await tokensOf(site))[0]?.used_at;
        return used ? true : undefined;
      }, "the enrolment with the token from the page");
    } finally {
      await collector.stop();
    }

    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.reload();
    const rows = page.getByRole("row").filter({ hasText: "A1 south" });
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    await page.getByRole("tab", { name: "Enrolment tokens" }).click();
    await page.getByRole("row").filter({ hasText: "A1 south" }).getByText("Used").waitFor();
  } finally {
    await context.close();
  }
});

test("site settings: an invalid range is refused on the page, a valid one is saved", async () => {
  const site = env.tree.a.a1North;
  const storedTargets = async () =>
    (await call(env.portal.url, env.admin, "GET", `/api/v1/settings/sites/${site}`)).body.settings.targets;
  assert.deepEqual(await storedTargets(), [env.fleets.a1.range]);

  const { context, page } = await signedInPage(env, env.tree.users.accountAdmin);
  try {
    // The way a user goes: collectors, the collector of the site, its site's settings.
    await page.goto("/collectors");
    await page.getByRole("row").filter({ hasText: "A1 north" }).getByRole("link").first().click();
    await page.waitForURL((url) => url.pathname === `/collectors/${env.fleets.a1.collectorId}`);
    await page.getByRole("link", { name: "Site: A1 north" }).click();
    await page.waitForURL((url) => url.pathname === `/collector-settings/site/${site}`);
    await page.getByRole("heading", { name: "Collector settings: Site", level: 1 }).waitFor();

    const targets = page.getByRole("textbox", { name: "Scan ranges" });
    assert.equal(await targets.inputValue(), env.fleets.a1.range);
    const save = page.getByRole("button", { name: "Save" }).last();

    await targets.fill(`${env.fleets.a1.range}\n127.0.79.300`);
    await save.click();
    await page.getByText("Not an address, CIDR block /8–/32 or range: 127.0.79.300").waitFor();
    await page.getByRole("alert").filter({ hasText: "Correct 1 field, then save again." }).waitFor();
    assert.deepEqual(await storedTargets(), [env.fleets.a1.range], "nothing saved");

    await targets.fill(`${env.fleets.a1.range}\n127.0.79.50-127.0.79.60`);
    await save.click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    assert.deepEqual(await storedTargets(), [env.fleets.a1.range, "127.0.79.50-127.0.79.60"]);

    // After a reload the page shows what is stored.
    await page.reload();
    await targets.waitFor();
    assert.equal(await targets.inputValue(), `${env.fleets.a1.range}\n127.0.79.50-127.0.79.60`);
  } finally {
    await context.close();
  }
});
