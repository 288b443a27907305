/**
 * The end-to-end environment: a real portal (fresh database) serving the built web app, the test
 * tenant tree with known passwords, and devices that came the real way: the project's printer
 * simulator on loopback addresses, read by the real collector (`ice run`) enrolled through the API.
 * Customer A1 gets one collector and simulator range, customer A2 another, so isolation has data.
 *
 * Every test file passes its own third octet (127.0.<octet>.x); 127.0.10.x belongs to the collector's
 * tests and the demo.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { listFixtures, startSimulator } from "@device-portal/collector/sim";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { hashPassword } from "../../portal/src/auth/passwords.ts";
import type { Db } from "../../portal/src/db/pool.ts";
import { demoFixtures } from "../../portal/src/demo/demo.ts";
import {
  call,
  seedTenantTree,
  sessionFor,
  type TenantTree,
  type TestSession,
  type TestUser,
} from "../../portal/src/testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../../portal/src/testing/test-portal.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const webRoot = path.join(repoRoot, "packages/web");
export const webDist = path.join(webRoot, "dist");
const collectorCli = path.join(repoRoot, "packages/collector/src/cli.ts");

/** Every seeded user signs in with this password through the real login form. */
export const password = "e2e-Password-123";

export const chromiumPath = process.env.DP_CHROMIUM ?? "/usr/bin/chromium";
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Throws the way to fix it when the web app was not built. */
export function assertWebBuilt(): void {
  if (!existsSync(path.join(webDist, "index.html")))
    throw new Error(`${webDist}/index.html is missing: run npm run build -w @device-portal/web`);
}

/** A fresh headless Chromium: Playwright gives it a new temporary --user-data-dir and removes it on close. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (set DP_CHROMIUM)`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

export interface CustomerFleet {
  customerId: string;
  siteId: string;
  /** The simulator addresses, e.g. "127.0.77.1-127.0.77.8". */
  range: string;
  collectorId: string;
  devices: number;
}

export interface E2eEnv {
  portal: TestPortal;
  db: Db;
  tree: TenantTree;
  browser: Browser;
  fleets: { a1: CustomerFleet; a2: CustomerFleet };
  /** An API session of the account admin of dealer A (for checks through the API). */
  admin: TestSession;
  /** A temporary folder of this run (collector logs), removed on close. */
  workDir: string;
  close(): Promise<void>;
}

export interface E2eOptions {
  /** Third octet of this file's simulator addresses: 127.0.<octet>.1… (never 10). */
  octet: number;
  /** Printers of A1 and A2 (each gets recordings of its own, so serials do not repeat). */
  printers?: { a1: number; a2: number };
}

/** Starts everything; call `close()` in `after`. */
export async function startE2e(options: E2eOptions): Promise<E2eEnv> {
  if (options.octet === 10) throw new Error("127.0.10.x belongs to the collector's tests");
  assertWebBuilt();
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const work = await mkdtemp(path.join(tmpdir(), "dp-e2e-"));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const portal = await startTestPortal({ app: { web: { root: await snapshotWeb(work) } } });
    cleanups.push(() => portal.close());
    await assertServesWeb(portal.url);
    const db = portal.ctx.db;
    const tree = await seedTenantTree(db, { passwordHash: await hashPassword(password) });
    const admin = await sessionFor(db, tree.users.accountAdmin);

    const files = completeRecordings(demoFixtures());
    const wanted = options.printers ?? { a1: 4, a2: 3 };
    // Separate recordings per customer where there are enough; the committed two give one each.
    const a1Count = Math.max(1, Math.min(wanted.a1, files.length - 1));
    const a1Files = files.slice(0, a1Count);
    const a2Files = files.slice(a1Count, a1Count + Math.max(1, Math.min(wanted.a2, files.length - a1Count)));

    const fleetOf = async (
      name: string,
      customerId: string,
      siteId: string,
      first: number,
      recordings: string[],
    ): Promise<CustomerFleet> => {
      const range = `127.0.${options.octet}.${first}-127.0.${options.octet}.${first + recordings.length - 1}`;
      const simulator = await startSimulator({ fixtures: recordings, range, port: 161 });
      try {
        const collectorId = await runCollectorOnce({
          portalUrl: portal.url,
          db,
          admin,
          accountId: tree.a.accountId,
          siteId,
          range,
          logFile: path.join(work, `${name}-ice.log`),
        });
        const devices = await countDevices(db, tree.a.accountId, customerId);
        return { customerId, siteId, range, collectorId, devices };
      } finally {
        await simulator.close();
      }
    };
    // Two sites, two collectors, two ranges: side by side, as at two real customers.
    // Both finish (and stop their collector) before a failure tears the portal down.
    const [a1, a2] = (
      await Promise.allSettled([
        fleetOf("a1", tree.a.a1, tree.a.a1North, 1, a1Files),
        fleetOf("a2", tree.a.a2, tree.a.a2Main, 101, a2Files),
      ])
    ).map((settled) => {
      if (settled.status === "rejected") throw settled.reason;
      return settled.value;
    }) as [CustomerFleet, CustomerFleet];

    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    return { portal, db, tree, browser, fleets: { a1, a2 }, admin, workDir: work, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const serialOid = "1.3.6.1.2.1.43.5.1.1.17.1|";
const lifeCountOid = "1.3.6.1.2.1.43.10.2.1.4.1.";
const supplyLevelOid = "1.3.6.1.2.1.43.11.1.1.9.1.";

/**
 * The recordings of whole printers: a Printer-MIB serial, a page counter and supply levels, each
 * serial once (many shared recordings are anonymised to the same serial, and the portal rightly
 * takes those for one device). Sorted by name, so every run picks the same.
 */
export function completeRecordings(dir: string): string[] {
  const seen = new Set<string>();
  const picked = listFixtures(dir).filter((file) => {
    const lines = readFileSync(file, "utf8").split("\n");
    const serial = lines
      .find((l) => l.startsWith(serialOid))
      ?.split("|")[2]
      ?.trim();
    const complete =
      !!serial &&
      !seen.has(serial) &&
      lines.some((l) => l.startsWith(lifeCountOid)) &&
      lines.some((l) => l.startsWith(supplyLevelOid));
    if (complete) seen.add(serial);
    return complete;
  });
  if (picked.length < 2) throw new Error(`${dir}: fewer than two complete printer recordings`);
  return picked;
}

/**
 * A copy of the built web app for this run: a rebuild while the tests run (the web app's own
 * `vite build` empties dist/) must not pull the chunks away from under an open page.
 */
export async function snapshotWeb(work: string): Promise<string> {
  const root = path.join(work, "web");
  await cp(webDist, root, { recursive: true });
  if (!existsSync(path.join(root, "index.html"))) throw new Error(`${webDist} changed while it was copied`);
  return root;
}

async function assertServesWeb(url: string): Promise<void> {
  const response = await fetch(`${url}/`, { headers: { accept: "text/html" } });
  const text = await response.text();
  if (!response.ok || !text.includes('id="root"'))
    throw new Error(
      `the portal does not serve the web app at / (HTTP ${response.status}): serveWeb must be registered in buildApp`,
    );
}

async function countDevices(db: Db, accountId: string, customerId: string): Promise<number> {
  return db.system(
    async (sql) =>
      (
        await sql.query<{ n: number }>(
          "select count(*)::int as n from devices where account_id = $1 and customer_id = $2 and retired_at is null",
          [accountId, customerId],
        )
      ).rows[0]?.n ?? 0,
  );
}

/** The site's scan settings through the API, as an admin would set them. */
export async function setSiteTargets(portalUrl: string, admin: TestSession, siteId: string, range: string) {
  const settings = await call(portalUrl, admin, "PUT", `/api/v1/settings/sites/${siteId}`, {
    targets: [range],
    communities: ["public"],
  });
  if (settings.status !== 200)
    throw new Error(`site settings: HTTP ${settings.status} ${JSON.stringify(settings.body)}`);
}

/** A new enrolment token of the site through the API. */
export async function createEnrolmentToken(portalUrl: string, admin: TestSession, siteId: string) {
  const made = await call(portalUrl, admin, "POST", `/api/v1/sites/${siteId}/enrolment-tokens`, {});
  if (made.status !== 200 && made.status !== 201)
    throw new Error(`enrolment token: HTTP ${made.status} ${JSON.stringify(made.body)}`);
  return (made.body as { token: string }).token;
}

export interface CollectorProcess {
  /** Runs `probe` until it answers; fails early (with the collector's log) when the collector died. */
  until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** `ice run` as a child process, the token in the environment as the docs advise. */
export function startCollectorProcess(o: {
  portalUrl: string;
  token: string;
  logFile: string;
}): CollectorProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [collectorCli, "run", "--portal", `${o.portalUrl}/`, "--log-file", o.logFile],
    { cwd: repoRoot, env: { ...process.env, ICE_TOKEN: o.token }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    async until(probe, what, timeoutMs = 120_000) {
      try {
        return await waitFor(
          async () => {
            if (child.exitCode !== null) throw new Error(`the collector exited with ${child.exitCode}`);
            return probe();
          },
          { timeoutMs, what },
        );
      } catch (error) {
        const log = await readFile(o.logFile, "utf8").catch(() => "");
        throw new Error(
          `${(error as Error).message}\n--- ice.log (tail)\n${log.slice(-3000)}\n--- stderr\n${stderr}`,
        );
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Settings and token through the API, then `ice run` until the collector's first scan is stored
 * (its devices are in the database); the collector is stopped again so nothing changes under the
 * tests. Answers the collector's id.
 */
export async function runCollectorOnce(o: {
  portalUrl: string;
  db: Db;
  admin: TestSession;
  accountId: string;
  siteId: string;
  range: string;
  logFile: string;
}): Promise<string> {
  await setSiteTargets(o.portalUrl, o.admin, o.siteId, o.range);
  const token = await createEnrolmentToken(o.portalUrl, o.admin, o.siteId);
  const collector = startCollectorProcess({ portalUrl: o.portalUrl, token, logFile: o.logFile });
  try {
    return await collector.until(async () => {
      const row = await o.db.system(
        async (sql) =>
          (
            await sql.query<{ collector_id: string; devices: number }>(
              `select c.collector_id,
                      (select count(*)::int from devices d
                        where d.account_id = c.account_id and d.site_id = c.site_id) as devices
               from collectors c
               where c.account_id = $1 and c.site_id = $2 and c.last_scan_at is not null
               order by c.created_at desc limit 1`,
              [o.accountId, o.siteId],
            )
          ).rows[0],
      );
      return row && row.devices > 0 ? row.collector_id : undefined;
    }, `the collector's first scan of ${o.range}`);
  } finally {
    await collector.stop();
  }
}

/** Polls `probe` until it answers something other than undefined (a condition, not a sleep). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

/**
 * Reads until the answer equals `expected` (the page catching up after a click); when it never
 * does, fails with the difference of the last answer.
 */
export async function eventually<T>(read: () => Promise<T>, expected: T, what: string, timeoutMs = 90_000) {
  let last: T | undefined;
  try {
    await waitFor(
      async () => {
        last = await read();
        return isDeepStrictEqual(last, expected) ? true : undefined;
      },
      { timeoutMs, what, intervalMs: 100 },
    );
  } catch {
    assert.deepEqual(last, expected, `${what}: never matched`);
  }
}

// ---- browser helpers

/** A fresh browser context (own cookies and storage) on the portal, English unless asked otherwise. */
export async function newContext(
  env: Pick<E2eEnv, "browser" | "portal">,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await env.browser.newContext({
    locale: "en-GB",
    timezoneId: "Europe/Berlin",
    viewport: { width: 1366, height: 768 },
    ...options,
    baseURL: env.portal.url,
  });
  // Generous for a loaded 2-core CI machine; every wait is for a condition, never a fixed time,
  // so a long limit costs nothing when things are quick.
  context.setDefaultTimeout(90_000);
  context.setDefaultNavigationTimeout(90_000);
  // Real trouble in the page goes to the test's output: uncaught errors, failed chunks. (Answers
  // like 401 or 404 are what several tests provoke, and navigations abort requests: not logged.)
  context.on("weberror", (e) => console.error(`[browser] page error: ${e.error().message}`));
  context.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
      console.error(`[browser] console: ${m.text()}`);
  });
  context.on("requestfailed", (r) => {
    const failure = r.failure()?.errorText ?? "";
    if (new URL(r.url()).pathname.startsWith("/assets/") && !failure.includes("ERR_ABORTED"))
      console.error(`[browser] failed: ${r.url()} ${failure}`);
  });
  // The browser talks to the portal only: anything else is cut off before it leaves.
  const origin = new URL(env.portal.url).origin;
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort("blockedbyclient"),
  );
  return context;
}

/** Signs in through the login form at `/login` (or the page it was sent to) and waits to leave it. */
export async function logInThroughForm(page: Page, user: Pick<TestUser, "email">, secret = password) {
  if (!page.url().includes("/login")) await page.goto("/login");
  await page.getByRole("textbox", { name: "E-mail", exact: true }).fill(user.email);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** A new page of a new context, signed in as `user`. */
export async function signedInPage(env: E2eEnv, user: TestUser, options: BrowserContextOptions = {}) {
  const context = await newContext(env, options);
  const page = await context.newPage();
  await page.goto("/login");
  await logInThroughForm(page, user);
  return { context, page };
}
