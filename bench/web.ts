/**
 * Web app bench: `npm run bench:web -- [--devices 10000] [--check]`. Builds nothing: serves
 * packages/web/dist (run `npm run build -w @device-portal/web` first) from a real portal on a fresh
 * database of the PostgreSQL service, and drives headless Chromium.
 *
 * (a) First visit of the dashboard: the JavaScript files a signed-in user's browser loads when it
 *     opens the dashboard with an empty cache (the browser's resource timing), summed as the portal
 *     serves them gzip. Requirement: ≤ 300 KB gzip. Also shown: the bytes Chromium got (brotli),
 *     and a signed-out first visit (login page, then the dashboard).
 * (b) Device list with `--devices` devices in one customer (testing/fleet-data.ts seedFleet): open
 *     the list, scroll to the bottom through every page of the virtual list, then type filters. Long
 *     tasks (PerformanceObserver "longtask") per phase: the longest, and the total blocking time
 *     (the sum of each long task's time over 50 ms); and from the last keystroke of a filter to the
 *     rows showing its result (the search box waits 300 ms for typing to settle: included).
 *
 * `--check` exits 1 when the first-visit JavaScript is over 300 KB gzip.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { hashPassword } from "../packages/portal/src/auth/passwords.ts";
import { seedFleet } from "../packages/portal/src/testing/fleet-data.ts";
import { seedTenantTree, type TenantTree } from "../packages/portal/src/testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../packages/portal/src/testing/test-portal.ts";
import {
  assertWebBuilt,
  launchBrowser,
  logInThroughForm,
  newContext,
  password,
  snapshotWeb,
} from "../packages/web/e2e/harness.ts";

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "10000" },
    check: { type: "boolean", default: false },
  },
});
const DEVICES = Number(values.devices);
const BUDGET_KB = 300;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(0)} ms`;

// ---- in the page (strings: the bench is type-checked without the DOM library)

/** Collects long tasks from the start of the page, tagged with the phase they fell in. */
const longTaskRecorder = `
  window.__bench = { phase: "load", tasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      window.__bench.tasks.push({ phase: window.__bench.phase, start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
`;

interface LongTask {
  phase: string;
  start: number;
  duration: number;
}

const setPhase = (page: Page, phase: string) =>
  page.evaluate(`window.__bench.phase = ${JSON.stringify(phase)}`);

/** JavaScript resources the page loaded so far: URL and bytes on the wire (body, compressed). */
async function scriptsLoaded(page: Page): Promise<{ url: string; bytes: number }[]> {
  return (await page.evaluate(`performance.getEntriesByType("resource")
    .filter((e) => new URL(e.name).pathname.endsWith(".js"))
    .map((e) => ({ url: e.name, bytes: e.encodedBodySize }))`)) as { url: string; bytes: number }[];
}

// ---- (a) first visit

/**
 * The bytes of `urls` as the portal serves them to a client that accepts gzip only (the build's
 * .gz twins). Asked outside the browser: Chromium always offers brotli. node:http does not
 * decode, so the body length is the bytes on the wire.
 */
async function servedGzip(urls: string[]): Promise<number> {
  let total = 0;
  for (const url of urls)
    total += await new Promise<number>((resolve, reject) => {
      get(url, { headers: { "accept-encoding": "gzip" } }, (response) => {
        const encoding = response.headers["content-encoding"];
        let bytes = 0;
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        // Files under 1 KB have no compressed twin and come as they are.
        response.on("end", () =>
          !encoding || encoding === "gzip" ? resolve(bytes) : reject(new Error(`${url}: served ${encoding}`)),
        );
      }).on("error", reject);
    });
  return total;
}

async function signInInBackground(context: BrowserContext, email: string): Promise<void> {
  const response = await context.request.post("/api/v1/auth/login", { data: { email, password } });
  if (!response.ok()) throw new Error(`login: HTTP ${response.status()}`);
}

interface FirstVisit {
  /** The scripts the browser loaded, with their bytes on the wire (Chromium: brotli). */
  files: { url: string; bytes: number }[];
  wire: number;
  /** The same files as the portal serves them gzip. */
  gzip: number;
}

/** Opens the dashboard in a fresh context (empty cache): signed in already, or through the login. */
async function firstVisit(portal: TestPortal, tree: TenantTree, signedIn: boolean): Promise<FirstVisit> {
  const context = await newContext({ browser, portal });
  try {
    const page = await context.newPage();
    if (signedIn) {
      await signInInBackground(context, tree.users.accountAdmin.email);
      await page.goto("/");
    } else {
      await page.goto("/");
      await page.waitForURL((url) => url.pathname === "/login");
      await logInThroughForm(page, tree.users.accountAdmin);
    }
    await page.getByTestId("stat-devices").waitFor();
    await page.waitForLoadState("networkidle");
    const files = await scriptsLoaded(page);
    if (files.some((f) => f.bytes === 0))
      throw new Error("a script has no size in resource timing (cached?)");
    return {
      files,
      wire: files.reduce((sum, f) => sum + f.bytes, 0),
      gzip: await servedGzip(files.map((f) => f.url)),
    };
  } finally {
    await context.close();
  }
}

// ---- (b) device list

interface ListFigures {
  loadMs: number;
  scrollMs: number;
  pages: number;
  rowsAtEnd: number;
  filters: { query: string; ms: number; rows: number }[];
  tasks: LongTask[];
  /** Durations of the list's API requests as the browser saw them. */
  listRequests: number[];
}

/** Waits in the page until the loaded-count line says `predicate`; answers the line. */
async function countLine(page: Page, predicate: string): Promise<string> {
  const handle = await page.waitForFunction(
    `(() => { const t = document.querySelector('[data-testid="device-count"]')?.textContent ?? "";
              return (${predicate}) ? t : false; })()`,
    undefined,
    { timeout: 120_000, polling: "raf" },
  );
  return (await handle.jsonValue()) as string;
}

/** Runs in the page, on the list's scroll container. */
const scrollToBottom = (el: { scrollTo(to: { top: number }): void; scrollHeight: number }) =>
  el.scrollTo({ top: el.scrollHeight });

const countOf = (line: string) => Number(line.replace(/[^\d]/g, "").slice(0, 7));

async function deviceList(portal: TestPortal, tree: TenantTree): Promise<ListFigures> {
  // waitForFunction evaluates its condition in the page: the portal's CSP (no eval) would refuse it.
  const context = await newContext({ browser, portal }, { bypassCSP: true });
  try {
    await context.addInitScript({ content: longTaskRecorder });
    const page = await context.newPage();
    await page.goto("/login");
    await logInThroughForm(page, tree.users.accountAdmin);
    await page.getByTestId("stat-devices").waitFor();

    // Open the list (in-app navigation, as a user would).
    await setPhase(page, "open list");
    const openedAt = Date.now();
    await page
      .getByRole("navigation", { name: "Main navigation" })
      .getByRole("link", { name: "Devices" })
      .click();
    await page.getByTestId("device-row").first().waitFor();
    const loadMs = Date.now() - openedAt;

    // Scroll to the bottom, page after page, until the list says everything is loaded.
    await setPhase(page, "scroll");
    const scroller = page.locator("table").locator("xpath=..");
    const scrollStart = Date.now();
    let line = await countLine(page, "t.length > 0");
    while (/more/.test(line)) {
      const before = countOf(line);
      await scroller.evaluate(scrollToBottom);
      line = await countLine(
        page,
        `Number(t.replace(/[^\\d]/g, "").slice(0, 7)) > ${before} || !/more/.test(t)`,
      );
    }
    // The last row is drawn at the bottom.
    await scroller.evaluate(scrollToBottom);
    await page.waitForFunction(
      `(() => { const rows = document.querySelectorAll('[data-testid="device-row"]');
                return rows.length > 0 && rows[rows.length - 1].getAttribute("aria-rowindex") === "${countOf(line) + 1}"; })()`,
      undefined,
      { timeout: 120_000, polling: "raf" },
    );
    const scrollMs = Date.now() - scrollStart;
    const rowsAtEnd = countOf(line);

    // Filters: from the last keystroke to the rows of the result, measured in the page.
    await setPhase(page, "filter");
    const search = page.getByRole("searchbox", { name: "Search" });
    const filters: ListFigures["filters"] = [];
    // A serial prefix of the last hundred devices, one whole serial, a part of the names.
    const serialOf = (i: number) => `S${String(i).padStart(7, "0")}`;
    const queries = [serialOf(DEVICES - 1).slice(0, 6), serialOf(Math.floor(DEVICES / 2)), "printer-42"];
    for (const query of queries) {
      await search.fill("");
      await page.waitForURL((url) => !url.searchParams.has("q"));
      await page.evaluate(`(() => {
        const input = document.querySelector('input[type="search"]');
        window.__bench.lastKey = 0;
        input.addEventListener("input", () => { window.__bench.lastKey = performance.now(); });
      })()`);
      await search.pressSequentially(query);
      const elapsed = (await (
        await page.waitForFunction(
          `(() => {
            const rows = [...document.querySelectorAll('[data-testid="device-row"]')];
            const q = ${JSON.stringify(query.toLowerCase())};
            const bar = document.querySelector('[data-testid="device-count"]')?.parentElement?.textContent ?? "";
            const done = rows.length > 0 && new URL(location.href).searchParams.get("q") === ${JSON.stringify(query)}
              && !bar.includes("Loading") && rows.every((r) => r.textContent.toLowerCase().includes(q));
            return done ? performance.now() - window.__bench.lastKey : false;
          })()`,
          undefined,
          { timeout: 120_000, polling: "raf" },
        )
      ).jsonValue()) as number;
      const rows = countOf(await countLine(page, "t.length > 0"));
      filters.push({ query, ms: elapsed, rows });
    }
    const tasks = (await page.evaluate("window.__bench.tasks")) as LongTask[];
    const requests = (await page.evaluate(`performance.getEntriesByType("resource")
      .filter((e) => new URL(e.name).pathname === "/api/v1/devices")
      .map((e) => ({ filtered: new URL(e.name).searchParams.has("q"), ms: e.responseEnd - e.startTime }))`)) as {
      filtered: boolean;
      ms: number;
    }[];
    const listRequests = requests.map((r) => r.ms);
    // Pages fetched while opening and scrolling (the filters' requests carry q).
    const pages = requests.filter((r) => !r.filtered).length;
    return { loadMs, scrollMs, pages, rowsAtEnd, filters, tasks, listRequests };
  } finally {
    await context.close();
  }
}

function longTaskFigures(tasks: LongTask[]) {
  const max = Math.max(0, ...tasks.map((t) => t.duration));
  const tbt = tasks.reduce((sum, t) => sum + Math.max(0, t.duration - 50), 0);
  return { count: tasks.length, max, tbt };
}

// ---- main

let browser: Awaited<ReturnType<typeof launchBrowser>>;

async function main(): Promise<number> {
  assertWebBuilt();
  const work = await mkdtemp(path.join(tmpdir(), "dp-bench-web-"));
  const webRoot = await snapshotWeb(work);
  const portal = await startTestPortal({ app: { web: { root: webRoot } } });
  browser = await launchBrowser();
  try {
    const tree = await seedTenantTree(portal.ctx.db, { passwordHash: await hashPassword(password) });
    console.log(`portal ${portal.url}, database ${portal.database.name}`);

    // (a)
    const visit = await firstVisit(portal, tree, true);
    const viaLogin = await firstVisit(portal, tree, false);
    console.log("\n(a) JavaScript on the first visit of the dashboard (signed in, empty cache)");
    for (const f of [...visit.files].sort((x, y) => y.bytes - x.bytes))
      console.log(`  ${kb(f.bytes).padStart(9)}  ${new URL(f.url).pathname}`);
    console.log(
      `  ${visit.files.length} files: ${kb(visit.gzip)} gzip (budget ${BUDGET_KB} KB); ${kb(visit.wire)} on the wire with brotli`,
    );
    console.log(
      `  signed out first (login page, then the dashboard): ${kb(viaLogin.gzip)} gzip, ${viaLogin.files.length} files`,
    );

    // (b)
    const seedStart = Date.now();
    await seedFleet(portal.ctx.db, {
      accountId: tree.a.accountId,
      customerId: tree.a.a1,
      siteIds: [tree.a.a1North, tree.a.a1South],
      count: DEVICES,
    });
    console.log(
      `\n(b) device list, ${DEVICES} devices in customer A1 (seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s)`,
    );
    const list = await deviceList(portal, tree);
    console.log(`  list opened in ${ms(list.loadMs)} (first page drawn)`);
    console.log(
      `  scrolled to the bottom: ${list.rowsAtEnd} rows in ${ms(list.scrollMs)} (${list.pages} list requests)`,
    );
    const requests = [...list.listRequests].sort((x, y) => x - y);
    console.log(
      `  list API requests (250 rows each, as the browser saw them): ${requests.length}, ` +
        `median ${ms(requests[Math.floor(requests.length / 2)] ?? 0)}, longest ${ms(requests.at(-1) ?? 0)}`,
    );
    for (const phase of ["open list", "scroll", "filter"]) {
      const f = longTaskFigures(list.tasks.filter((t) => t.phase === phase));
      console.log(
        `  long tasks while ${phase.padEnd(9)}: ${String(f.count).padStart(3)}, longest ${ms(f.max)}, total blocking time ${ms(f.tbt)}`,
      );
    }
    for (const f of list.filters)
      console.log(
        `  filter "${f.query}": rows updated ${ms(f.ms)} after the last keystroke (${f.rows} rows; 300 ms of it is the search box's debounce)`,
      );
    const all = longTaskFigures(list.tasks.filter((t) => t.phase !== "load"));
    console.log(
      `\nsummary: first-visit JS ${kb(visit.gzip)} gzip (≤ ${BUDGET_KB} KB: ${visit.gzip <= BUDGET_KB * 1024 ? "yes" : "NO"}); ` +
        `device list max long task ${ms(all.max)}, total blocking time ${ms(all.tbt)}, ` +
        `filter-to-render ${list.filters.map((f) => ms(f.ms)).join(" / ")}`,
    );
    if (values.check && visit.gzip > BUDGET_KB * 1024) return 1;
    return 0;
  } finally {
    await browser.close();
    await portal.close();
    await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
