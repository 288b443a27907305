import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import {
  type E2eEnv,
  eventually,
  logInThroughForm,
  newContext,
  signedInPage,
  startE2e,
  webRoot,
} from "./harness.ts";

/** The dashboard against the database, finding a device and its page, and the language switch. */
let env: E2eEnv;

before(async () => {
  env = await startE2e({ octet: 78 });
  // One device of A2 has gone quiet, as the stale-device job would mark it: "not reporting" is then
  // a figure the page has to get right, not a zero it could show by accident.
  await env.db.system((sql) =>
    sql.query(
      `update devices set not_reporting_since = now() - interval '2 days', last_seen_at = now() - interval '3 days'
       where account_id = $1 and device_id = (select device_id from devices where account_id = $1
                                              and customer_id = $2 order by serial limit 1)`,
      [env.tree.a.accountId, env.tree.a.a2],
    ),
  );
});

after(async () => {
  await env?.close();
});

const digits = (text: string) => Number(text.replace(/[^\d]/g, ""));

interface Figures {
  devices: number;
  reporting: number;
  notReporting: number;
  alertsOpen: number;
  suppliesLow: number;
  collectorsOffline: number;
  collectorsTotal: number;
  errors: number;
  warnings: number;
}

/** The dashboard's figures straight from the tables (account A, optionally one customer). */
async function figuresInDb(customerId?: string): Promise<Figures> {
  const params = [env.tree.a.accountId, customerId ?? null];
  const narrow = (alias: string) =>
    `${alias}.account_id = $1 and ($2::uuid is null or ${alias}.customer_id = $2)`;
  return env.db.system(async (sql) => {
    const one = async (text: string) => (await sql.query(text, params)).rows[0] as Record<string, number>;
    const devices = await one(
      `select count(*)::int as total,
              count(*) filter (where d.not_reporting_since is not null)::int as not_reporting,
              count(*) filter (where d.status_summary = 'error')::int as errors,
              count(*) filter (where d.status_summary = 'warning')::int as warnings
       from devices d where ${narrow("d")} and d.retired_at is null`,
    );
    const alerts = await one(
      `select count(*)::int as n from alerts a where ${narrow("a")} and a.closed_at is null`,
    );
    const supplies = await one(
      `select count(*)::int as n from supplies s
       join devices d on d.account_id = s.account_id and d.device_id = s.device_id
       where ${narrow("s")} and d.retired_at is null and (s.level_percent <= 20 or s.state in ('low', 'empty'))`,
    );
    const collectors = await one(
      `select count(*)::int as total,
              -- 3 × the default 20-minute refresh: no settings level here sets another interval.
              count(*) filter (where c.last_contact_at is null
                                  or c.last_contact_at <= now() - interval '60 minutes')::int as offline
       from collectors c where ${narrow("c")} and c.revoked_at is null`,
    );
    return {
      devices: devices.total ?? 0,
      reporting: (devices.total ?? 0) - (devices.not_reporting ?? 0),
      notReporting: devices.not_reporting ?? 0,
      alertsOpen: alerts.n ?? 0,
      suppliesLow: supplies.n ?? 0,
      collectorsOffline: collectors.offline ?? 0,
      collectorsTotal: collectors.total ?? 0,
      errors: devices.errors ?? 0,
      warnings: devices.warnings ?? 0,
    };
  });
}

async function figuresOnPage(page: Page): Promise<Figures> {
  const text = async (locator: Locator) => (await locator.textContent()) ?? "";
  const stat = async (id: string) => digits(await text(page.getByTestId(id)));
  const devicesCard = page.getByRole("link", { name: /^Devices: / });
  const breakdown = /^(\d+) with errors, (\d+) with warnings$/.exec(
    await text(devicesCard.getByText(/with errors/)),
  );
  const collectorsCard = page.getByRole("link", { name: /^Collectors offline: / });
  const ofTotal = /^of (\d+)$/.exec(await text(collectorsCard.getByText(/^of \d/)));
  return {
    devices: await stat("stat-devices"),
    reporting: await stat("stat-reporting"),
    notReporting: await stat("stat-not-reporting"),
    alertsOpen: await stat("stat-alerts-open"),
    suppliesLow: await stat("stat-supplies-low"),
    collectorsOffline: await stat("stat-collectors-offline"),
    collectorsTotal: Number(ofTotal?.[1]),
    errors: Number(breakdown?.[1]),
    warnings: Number(breakdown?.[2]),
  };
}

test("the dashboard shows the figures of the database, for the account and for one customer", async () => {
  const { context, page } = await signedInPage(env, env.tree.users.accountAdmin);
  try {
    const all = await figuresInDb();
    // The simulator's printers are all in: both customers' devices, one not reporting, real alerts.
    assert.equal(all.devices, env.fleets.a1.devices + env.fleets.a2.devices);
    assert.equal(all.notReporting, 1);
    assert.ok(all.alertsOpen > 0, "the recordings report conditions that open alerts");
    assert.equal(all.collectorsTotal, 2);
    await page.getByTestId("stat-devices").waitFor();
    assert.deepEqual(await figuresOnPage(page), all);

    // Narrowed to customer A2 with the page's own customer filter.
    await page.getByRole("combobox", { name: "Customer" }).click();
    await page.getByRole("option", { name: "Customer A2" }).click();
    await page.waitForURL((url) => url.searchParams.get("customerId") === env.tree.a.a2);
    const a2 = await figuresInDb(env.tree.a.a2);
    assert.notEqual(a2.devices, all.devices);
    await eventually(() => figuresOnPage(page), a2, "the dashboard of customer A2");
  } finally {
    await context.close();
  }
});

/** A device of A1 with counters and the most supplies: the richest page to check. */
async function richestA1Device() {
  return env.db.system(async (sql) => {
    const row = (
      await sql.query<{
        device_id: string;
        serial: string;
        vendor: string;
        model: string;
        last_counters: Record<string, unknown>;
      }>(
        `select d.device_id, d.serial, d.vendor, d.model, d.last_counters
         from devices d
         where d.account_id = $1 and d.customer_id = $2 and d.serial is not null and d.last_counters is not null
         order by (select count(*) from supplies s where s.account_id = d.account_id and s.device_id = d.device_id) desc,
                  d.serial
         limit 1`,
        [env.tree.a.accountId, env.tree.a.a1],
      )
    ).rows[0];
    assert.ok(row, "no device of A1 with counters");
    const supplies = (
      await sql.query<{ description: string | null; level_percent: number | null }>(
        "select description, level_percent from supplies where account_id = $1 and device_id = $2",
        [env.tree.a.accountId, row.device_id],
      )
    ).rows;
    assert.ok(supplies.length > 0, "the device has supplies");
    return { ...row, supplies };
  });
}

const catalogue = (language: string, area: string) =>
  JSON.parse(readFileSync(path.join(webRoot, "src/i18n", language, `${area}.json`), "utf8"));

test("search finds a device in the list; its page shows the counters and supplies of the database", async () => {
  const device = await richestA1Device();
  const { context, page } = await signedInPage(env, env.tree.users.technician);
  try {
    await page
      .getByRole("navigation", { name: "Main navigation" })
      .getByRole("link", { name: "Devices" })
      .click();
    const rows = page.getByTestId("device-row");
    await rows.first().waitFor();
    assert.equal(await rows.count(), env.fleets.a1.devices + env.fleets.a2.devices);

    await page.getByRole("searchbox", { name: "Search" }).fill(device.serial);
    await page.waitForURL((url) => url.searchParams.get("q") === device.serial);
    await eventually(() => rows.count(), 1, "one row for the serial");
    const row = rows.first();
    assert.match((await row.textContent()) ?? "", new RegExp(device.serial));
    await page
      .getByTestId("device-count")
      .filter({ hasText: /^1 device$/ })
      .waitFor();

    // A search that matches nothing says so.
    await page.getByRole("searchbox", { name: "Search" }).fill("no-such-serial-anywhere");
    await page.getByText("No results match.").waitFor();
    assert.equal(await rows.count(), 0);
    await page.getByRole("searchbox", { name: "Search" }).fill(device.serial);
    await eventually(() => rows.count(), 1, "the device again");

    await rows.first().getByRole("link").click();
    await page.waitForURL((url) => url.pathname === `/devices/${device.device_id}`);
    await page.getByRole("heading", { name: `${device.vendor} ${device.model}`, level: 1 }).waitFor();

    // Counters: every numeric counter of the device row, under its name.
    const counterNames = catalogue("en", "devices").counters.name as Record<string, string>;
    const expectedCounters = Object.fromEntries(
      Object.entries(device.last_counters)
        .filter(([, v]) => typeof v === "number")
        .map(([k, v]) => [counterNames[k] ?? k, v as number]),
    );
    const counters = page.getByTestId("device-counters");
    await counters.getByRole("row").first().waitFor();
    const shownCounters = Object.fromEntries(
      await counters
        .getByRole("row")
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.querySelector("th")?.textContent ?? "",
            tr.querySelector("td")?.textContent ?? "",
          ]),
        ),
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(shownCounters).map(([k, v]) => [k, digits(v as string)])),
      expectedCounters,
    );

    // Supplies: one bar per supply, at the stored level, named by the printer's description.
    const supplies = page.getByTestId("device-supplies");
    const bars = supplies.getByRole("progressbar");
    // A bar at 0 % (level unknown) has no width: attached is what counts.
    await bars.first().waitFor({ state: "attached" });
    const shown = await bars.evaluateAll((els) =>
      els.map((el) => ({
        label: el.getAttribute("aria-label") ?? "",
        value: el.getAttribute("aria-valuenow"),
      })),
    );
    assert.equal(shown.length, device.supplies.length);
    const levels = (values: (number | null)[]) =>
      values.map((v) => (v === null ? "unknown" : String(Math.round(v)))).sort();
    assert.deepEqual(
      levels(shown.map((s) => (/level unknown$/.test(s.label) ? null : Number(s.value)))),
      levels(device.supplies.map((s) => s.level_percent)),
    );
    for (const supply of device.supplies.filter((s) => s.description))
      assert.ok(
        shown.some((s) => s.label.startsWith(`${supply.description}: `)),
        `supply ${supply.description} is shown`,
      );
  } finally {
    await context.close();
  }
});

async function localeOf(userId: string): Promise<string | null> {
  return env.db.system(
    async (sql) =>
      (
        await sql.query<{ locale: string | null }>(
          "select locale from users where account_id = $1 and user_id = $2",
          [env.tree.a.accountId, userId],
        )
      ).rows[0]?.locale ?? null,
  );
}

async function chooseLanguage(page: Page, current: RegExp, name: "Deutsch" | "English") {
  const saved = page.waitForResponse(
    (r) => r.url().endsWith("/api/v1/auth/me") && r.request().method() === "PATCH" && r.ok(),
  );
  await page.getByRole("button", { name: current }).click();
  await page.getByRole("menuitem", { name }).click();
  await saved;
}

test("the alerts and low-supplies lists hold the open alerts and low supplies of the database", async () => {
  const inDb = await figuresInDb();
  assert.ok(
    inDb.alertsOpen > 0 && inDb.suppliesLow > 0,
    "the simulated printers raise alerts and have low supplies",
  );
  const { context, page } = await signedInPage(env, env.tree.users.technician);
  try {
    const rows = page.locator("main tbody tr");
    await page.goto("/alerts");
    await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
    await eventually(() => rows.count(), inDb.alertsOpen, "one row per open alert");
    await page.goto("/supplies");
    await rows.first().waitFor();
    await eventually(() => rows.count(), inDb.suppliesLow, "one row per low supply");
  } finally {
    await context.close();
  }
});

test("switching the language shows German texts, is kept in the profile, and switches back", async () => {
  const user = env.tree.users.customerAdmin;
  const { context, page } = await signedInPage(env, user);
  try {
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "en");

    await chooseLanguage(page, /^Language: English$/, "Deutsch");
    await page.getByRole("heading", { name: "Übersicht", level: 1 }).waitFor();
    const nav = page.getByRole("navigation", { name: "Hauptnavigation" });
    await nav.getByRole("link", { name: "Geräte" }).waitFor();
    await page.getByRole("link", { name: /^Offene Meldungen: / }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "de");
    assert.equal(await localeOf(user.userId), "de");

    // German on the device list too, and after a reload.
    await nav.getByRole("link", { name: "Geräte" }).click();
    await page.getByRole("searchbox", { name: "Suche" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Geräte", level: 1 }).waitFor();

    // Another browser (English) gets the profile's German once the user signs in.
    const other = await newContext(env, { locale: "en-GB" });
    try {
      const fresh = await other.newPage();
      await fresh.goto("/login");
      await fresh.getByRole("heading", { name: "Sign in" }).waitFor();
      await logInThroughForm(fresh, user);
      await fresh.getByRole("heading", { name: "Übersicht", level: 1 }).waitFor();
    } finally {
      await other.close();
    }

    await chooseLanguage(page, /^Sprache: Deutsch$/, "English");
    await page.getByRole("heading", { name: "Devices", level: 1 }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "en");
    assert.equal(await localeOf(user.userId), "en");
  } finally {
    await context.close();
  }
});
