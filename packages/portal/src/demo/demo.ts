import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { listFixtures, type Simulator, startSimulator } from "@device-portal/collector/sim";
import { createSession } from "../auth/sessions.ts";
import type { Db } from "../db/pool.ts";

/**
 * The demo of the embedded default: an account "Demo Dealer" with a customer, a site and a real
 * collector (ICE as a child process) that discovers the project's simulated printers on
 * 127.0.10.x, so devices and readings arrive within a minute of the first start.
 */
export interface RunningDemo {
  printers: number;
  close(): Promise<void>;
}

interface DemoState {
  accountId: string;
  siteId: string;
  token: string;
}

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const collectorCli = path.join(repoRoot, "packages/collector/src/cli.ts");

/** The shared real-printer recordings when this checkout has them, else the repository's own. */
export function demoFixtures(): string {
  const shared = process.env.DP_SNMP_FIXTURES ?? path.resolve(repoRoot, "../shared/fixtures/snmp");
  return existsSync(shared) ? shared : path.join(repoRoot, "packages/collector/fixtures");
}

export async function startDemo(options: {
  db: Db;
  portalUrl: string;
  dataDir: string;
  log: (line: string) => void;
}): Promise<RunningDemo> {
  const { db, portalUrl, dataDir, log } = options;
  const fixtures = demoFixtures();
  const printers = Math.min(listFixtures(fixtures).length, 200);
  const range = `127.0.10.1-127.0.10.${printers}`;

  let simulator: Simulator;
  try {
    simulator = await startSimulator({ fixtures, range, port: 161, live: { pagesPerHour: 600 } });
  } catch (error) {
    log(`demo: no simulated printers (${(error as Error).message}); see docs/portal.md`);
    return { printers: 0, close: async () => {} };
  }

  const stateFile = path.join(dataDir, "demo.json");
  const state = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, "utf8")) as DemoState)
    : await createDemoTenant(db, portalUrl, range);
  if (!existsSync(stateFile)) await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });

  // The token goes in the environment, not the command line (visible in the process list).
  const collector: ChildProcess = spawn(
    process.execPath,
    [collectorCli, "run", "--portal", `${portalUrl}/`, "--log-file", path.join(dataDir, "ice.log")],
    { env: { ...process.env, ICE_TOKEN: state.token }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  collector.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  collector.once("exit", (code) => {
    if (code !== 0 && code !== null) log(`demo: the collector exited with ${code}: ${stderr.trim()}`);
  });
  log(
    `demo: ${printers} simulated printers on ${range}, read by a collector (log: ${path.join(dataDir, "ice.log")})`,
  );
  return {
    printers,
    async close() {
      if (collector.exitCode === null) {
        const exited = new Promise((r) => collector.once("exit", r));
        collector.kill("SIGTERM");
        await exited;
      }
      await simulator.close();
    },
  };
}

/** Account, customer and site in SQL; settings and token through the API, as an admin would. */
async function createDemoTenant(db: Db, portalUrl: string, range: string): Promise<DemoState> {
  const ids = await db.system(async (sql) => {
    const account = await sql.query<{ account_id: string }>(
      "insert into accounts (kind, name) values ('dealer', 'Demo Dealer') returning account_id",
    );
    const accountId = account.rows[0]?.account_id as string;
    const customer = await sql.query<{ customer_id: string }>(
      "insert into customers (account_id, name) values ($1, 'Demo Customer') returning customer_id",
      [accountId],
    );
    const site = await sql.query<{ site_id: string }>(
      "insert into sites (account_id, customer_id, name) values ($1, $2, 'Head office') returning site_id",
      [accountId, customer.rows[0]?.customer_id],
    );
    const admin = await sql.query<{ account_id: string; user_id: string }>(
      "select account_id, user_id from users where role = 'platform-admin' order by created_at limit 1",
    );
    return { accountId, siteId: site.rows[0]?.site_id as string, admin: admin.rows[0] };
  });
  if (!ids.admin) throw new Error("demo: no platform admin to act as");
  const session = await createSession(db, { accountId: ids.admin.account_id, userId: ids.admin.user_id });
  const headers = {
    cookie: `dp_session=${session.cookie}`,
    "x-csrf-token": session.csrfToken,
    "content-type": "application/json",
  };
  try {
    const settings = await fetch(`${portalUrl}/api/v1/settings/sites/${ids.siteId}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ targets: [range], communities: ["public"], refreshIntervalMinutes: 20 }),
    });
    if (!settings.ok) throw new Error(`demo settings: HTTP ${settings.status} ${await settings.text()}`);
    const made = await fetch(`${portalUrl}/api/v1/sites/${ids.siteId}/enrolment-tokens`, {
      method: "POST",
      headers,
      body: JSON.stringify({}),
    });
    if (!made.ok) throw new Error(`demo enrolment token: HTTP ${made.status} ${await made.text()}`);
    const { token } = (await made.json()) as { token: string };
    return { accountId: ids.accountId, siteId: ids.siteId, token };
  } finally {
    await db.system((sql) =>
      sql.query("delete from sessions where account_id = $1 and session_id = $2", [
        ids.admin?.account_id,
        session.sessionId,
      ]),
    );
  }
}
