/**
 * Screenshots of the main pages for the README: `npm run screenshots [-- --out docs/screenshots]`.
 *
 * Starts the end-to-end environment (packages/web/e2e/harness.ts: a real portal on a fresh database
 * serving packages/web/dist, simulated printers read by the real collector), adds a few months of
 * meter history for those printers so the charts have something to show, signs in through the
 * login form as the dealer's admin, and saves PNGs at 1366×768 (the device page also as one tall
 * page, the dashboard also at tablet size, 820×1180). Needs the built web app: `npm run build -w @device-portal/web`.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import type { Db } from "../packages/portal/src/db/pool.ts";
import { insertReadings } from "../packages/portal/src/testing/fleet-data.ts";
import {
  type E2eEnv,
  logInThroughForm,
  newContext,
  repoRoot,
  startE2e,
} from "../packages/web/e2e/harness.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: path.join(repoRoot, "docs/screenshots") },
    // Its own simulator addresses (127.0.90.x), apart from the test files'.
    octet: { type: "string", default: "90" },
  },
});
const outDir = path.resolve(values.out);
const desktop = { width: 1366, height: 768 };
const tablet = { width: 820, height: 1180 };

/** A day's pages of one device: steady, a little less at weekends, never the same twice. */
function dailyPages(device: number, daysAgo: number, base: number): number {
  const weekday = (new Date(Date.now() - daysAgo * 86_400_000).getUTCDay() + 6) % 7;
  const wobble = ((device * 7919 + daysAgo * 104_729) % 41) / 100;
  return Math.round(base * (weekday >= 5 ? 0.2 : 1) * (0.8 + wobble));
}

/**
 * Readings every other day for the last 180 days, ending where each printer's counters are now:
 * what the collector would have sent had it been running for half a year.
 */
async function addHistory(db: Db, accountId: string): Promise<number> {
  const devices = await db.system(
    async (sql) =>
      (
        await sql.query<{
          device_id: string;
          customer_id: string;
          last_counters: Record<string, unknown> | null;
        }>(
          "select device_id, customer_id, last_counters from devices where account_id = $1 order by serial",
          [accountId],
        )
      ).rows,
  );
  let readings = 0;
  for (const [index, device] of devices.entries()) {
    const now = Object.fromEntries(
      Object.entries(device.last_counters ?? {}).filter(
        (e): e is [string, number] => typeof e[1] === "number",
      ),
    );
    const total = now.total ?? Math.max(0, ...Object.values(now));
    if (!total) continue;
    const base = Math.min(300, Math.max(20, total / 400));
    const history = [];
    let printed = 0;
    for (let daysAgo = 1; daysAgo <= 180; daysAgo++) {
      printed += dailyPages(index, daysAgo, base);
      if (daysAgo % 2 !== 0 || printed >= total) continue;
      const share = (total - printed) / total;
      history.push({
        readAt: new Date(Date.now() - daysAgo * 86_400_000),
        counters: Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.round(v * share)])),
      });
    }
    await insertReadings(
      db,
      { accountId, customerId: device.customer_id, deviceId: device.device_id },
      history,
    );
    const oldest = history.at(-1)?.readAt;
    if (oldest)
      await db.system((sql) =>
        sql.query(
          "update devices set first_seen_at = least(first_seen_at, $3) where account_id = $1 and device_id = $2",
          [accountId, device.device_id, oldest],
        ),
      );
    readings += history.length;
  }
  return readings;
}

/** Waits until nothing is loading any more: no skeleton, no spinner, no request in flight. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.locator('[role="status"][aria-label="Loading…"], .mantine-Skeleton-root').first().waitFor({
    state: "detached",
  });
  // Charts draw with an animation; the page has settled when the fonts are in and a frame has passed.
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await settled(page);
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? false });
  console.log(`  ${path.relative(repoRoot, file)}`);
}

async function capture(env: E2eEnv): Promise<void> {
  const context = await newContext(env, { viewport: desktop, reducedMotion: "reduce" });
  try {
    const page = await context.newPage();
    await page.goto("/login");
    await page.getByRole("textbox", { name: "E-mail", exact: true }).fill(env.tree.users.accountAdmin.email);
    await shot(page, "login");
    await logInThroughForm(page, env.tree.users.accountAdmin);

    await page.getByTestId("stat-devices").waitFor();
    await shot(page, "dashboard");

    await page.goto("/devices");
    await page.getByTestId("device-row").first().waitFor();
    await shot(page, "device-list");

    const device = await env.db.system(
      async (sql) =>
        (
          await sql.query<{ device_id: string }>(
            `select d.device_id from devices d where d.account_id = $1 and d.last_counters is not null
             order by (select count(*) from supplies s where s.account_id = d.account_id
                       and s.device_id = d.device_id) desc, d.serial limit 1`,
            [env.tree.a.accountId],
          )
        ).rows[0],
    );
    if (!device) throw new Error("no device with counters");
    await page.goto(`/devices/${device.device_id}`);
    await page.getByTestId("device-supplies").getByRole("progressbar").first().waitFor({ state: "attached" });
    await shot(page, "device");
    // The whole device page: charts, supplies and alerts below the fold.
    await shot(page, "device-full", { fullPage: true });

    await page.goto("/collectors");
    await page.getByRole("row").filter({ hasText: "A1 north" }).first().waitFor();
    await shot(page, "collectors");

    await page.goto(`/collector-settings/site/${env.tree.a.a1North}`);
    await page.getByRole("textbox", { name: "Scan ranges" }).waitFor();
    await shot(page, "collector-settings");

    await page.setViewportSize(tablet);
    await page.goto("/");
    await page.getByTestId("stat-devices").waitFor();
    await shot(page, "dashboard-tablet");
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  console.log("starting the portal, the simulated printers and the collector …");
  const env = await startE2e({ octet: Number(values.octet), printers: { a1: 5, a2: 3 } });
  try {
    const readings = await addHistory(env.db, env.tree.a.accountId);
    console.log(
      `${env.fleets.a1.devices + env.fleets.a2.devices} devices read by the collector, ${readings} history readings added`,
    );
    await capture(env);
  } finally {
    await env.close();
  }
}

await main();
