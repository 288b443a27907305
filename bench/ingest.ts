/**
 * Ingest bench: `npm run bench:ingest -- [--collectors 50] [--devices 200] [--rounds 5]
 * [--rate 2000] [--seconds 30] [--list-requests 300] [--check]`.
 *
 * A real portal process (`device-portal start`) on a fresh database of the PostgreSQL service,
 * and in this process `--collectors` real collector clients (the collector's PortalClient: envelope,
 * gzip, AES-GCM, HTTP) enrolled with tokens made through the API. Each reports `--devices`
 * printers (12 counters, 4 supplies each) per scan file. Three measurements:
 *
 * 1. saturation: every collector uploads `--rounds` scans back to back → device readings per
 *    second the portal sustains, and ack latency under that load;
 * 2. steady load: the collectors together offer `--rate` device readings per second for
 *    `--seconds` (each sends a scan every collectors × devices / rate seconds) → p50/p99 ack
 *    latency at that many concurrent collectors;
 * 3. device list: with collectors × devices devices in one customer (10,000 by default),
 *    `--list-requests` filtered and sorted list requests → p50/p99.
 *
 * Requirements (issue 4): ≥ 2,000 readings/s sustained; p99 ack ≤ 500 ms at 50 collectors;
 * device list p99 ≤ 100 ms. `--check` exits 1 when one is missed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { scanFileToXml } from "@device-portal/protocol";
import pg from "pg";
import { PortalClient } from "../packages/collector/src/upload/portal-client.ts";
import { createDb } from "../packages/portal/src/db/pool.ts";
import { call, seedTenantTree, sessionFor } from "../packages/portal/src/testing/tenants.ts";
import { testServerUrl } from "../packages/portal/src/testing/test-db.ts";
import { benchScan } from "./ingest/scan-factory.ts";

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    collectors: { type: "string", default: "50" },
    devices: { type: "string", default: "200" },
    rounds: { type: "string", default: "5" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "30" },
    "list-requests": { type: "string", default: "300" },
    check: { type: "boolean", default: false },
  },
});
const COLLECTORS = Number(values.collectors);
const DEVICES = Number(values.devices);
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const LIST_REQUESTS = Number(values["list-requests"]);

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number)
    : Number.NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<number> {
  const dbName = `dp_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testServerUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = new URL(testServerUrl);
  dbUrl.pathname = `/${dbName}`;
  let portalProcess: ChildProcess | undefined;
  const clients: PortalClient[] = [];
  const db = createDb(dbUrl.href, { max: 4 });
  try {
    const started = await startPortalProcess(dbUrl.href);
    portalProcess = started.child;
    const portalUrl = started.url;
    console.log(`portal ${portalUrl} (pid ${portalProcess.pid}) on database ${dbName}`);

    const tree = await seedTenantTree(db);
    const session = await sessionFor(db, tree.users.accountAdmin);
    const sites = [tree.a.a1North, tree.a.a1South];
    for (let c = 0; c < COLLECTORS; c++) {
      const made = await call(
        portalUrl,
        session,
        "POST",
        `/api/v1/sites/${sites[c % 2]}/enrolment-tokens`,
        {},
      );
      if (made.status !== 200 && made.status !== 201)
        throw new Error(`enrolment token: HTTP ${made.status} ${JSON.stringify(made.body)}`);
      const client = new PortalClient({
        portalUrl: `${portalUrl}/`,
        fallbackUrl: null,
        proxy: false,
        timeoutMs: 30_000,
      });
      const enrolment = await client.enrol(made.body.token, {
        hostname: `bench-${c}`,
        os: "linux",
        version: "0.1.0",
      });
      clients.push(client);
      (client as PortalClient & { collectorId?: string }).collectorId = enrolment.collectorId;
    }
    console.log(`${COLLECTORS} collectors enrolled, ${DEVICES} devices each`);

    // The XML of every scan is made before the clock starts: the bench measures the portal, not
    // the making of scan files. Sealing (gzip + AES-GCM) happens per upload, as in the collector.
    let round = 0;
    const makeRound = () => {
      const at = new Date(Date.now() + round * 60_000 - 3_600_000);
      const r = round++;
      return clients.map((client, c) => {
        const scan = benchScan({
          collectorId: (client as PortalClient & { collectorId?: string }).collectorId as string,
          collectorIndex: c,
          devices: DEVICES,
          round: r,
          at,
        });
        return { scanId: scan.scanId, xml: scanFileToXml(scan) };
      });
    };

    // 0. First discovery of every device (creates them), not measured.
    await Promise.all(makeRound().map((s, c) => clients[c]?.uploadScan(s.scanId, s.xml)));

    // 1. Saturation.
    const rounds = Array.from({ length: ROUNDS }, makeRound);
    const saturation: number[] = [];
    let failures = 0;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (const r of rounds) {
          const s = r[c] as { scanId: string; xml: string };
          const t = performance.now();
          try {
            const ack = await client.uploadScan(s.scanId, s.xml);
            if (!ack.stored) failures++;
          } catch (error) {
            failures++;
            console.error(`upload failed: ${(error as Error).message}`);
          }
          saturation.push(performance.now() - t);
        }
      }),
    );
    const saturationSeconds = (performance.now() - t0) / 1000;
    const saturationReadings = COLLECTORS * DEVICES * ROUNDS;
    const sustained = saturationReadings / saturationSeconds;
    saturation.sort((a, b) => a - b);

    // 2. Steady load at RATE readings/s.
    const intervalMs = (COLLECTORS * DEVICES * 1000) / RATE;
    const perCollector = Math.max(1, Math.floor((SECONDS * 1000) / intervalMs));
    const steadyRounds = Array.from({ length: perCollector }, makeRound);
    const steady: number[] = [];
    const t1 = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        const offset = (c / COLLECTORS) * intervalMs;
        for (let k = 0; k < perCollector; k++) {
          const due = t1 + offset + k * intervalMs;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const s = steadyRounds[k]?.[c] as { scanId: string; xml: string };
          const t = performance.now();
          try {
            await client.uploadScan(s.scanId, s.xml);
          } catch (error) {
            failures++;
            console.error(`upload failed: ${(error as Error).message}`);
          }
          steady.push(performance.now() - t);
        }
      }),
    );
    const steadySeconds = (performance.now() - t1) / 1000;
    const steadyReadings = COLLECTORS * DEVICES * perCollector;
    steady.sort((a, b) => a - b);

    // 3. Device list of one customer.
    const counts = await db.system(async (sql) => {
      const one = async (q: string) => Number((await sql.query<{ n: string }>(q)).rows[0]?.n);
      return {
        devices: await one("select count(*) as n from devices"),
        customerDevices: await one(`select count(*) as n from devices where customer_id = '${tree.a.a1}'`),
        readings: await one("select count(*) as n from meter_readings"),
        supplyReadings: await one("select count(*) as n from supply_readings"),
        scans: await one("select count(*) as n from scans"),
        alerts: await one("select count(*) as n from alerts"),
      };
    });
    const listQueries = [
      `customerId=${tree.a.a1}&sort=-lastSeenAt&limit=50`,
      `customerId=${tree.a.a1}&vendor=HP&sort=serial&limit=50`,
      `customerId=${tree.a.a1}&q=BENCH0000012&limit=50`,
      `customerId=${tree.a.a1}&sort=model&limit=100`,
      `customerId=${tree.a.a1}&hasAlerts=true&sort=-lastSeenAt&limit=50`,
      `customerId=${tree.a.a1}&lowSupplies=true&sort=ip&limit=50`,
      `customerId=${tree.a.a1}&siteId=${tree.a.a1South}&sort=-totalCounter&limit=50`,
    ];
    const customerSession = await sessionFor(db, tree.users.customerAdmin);
    const list: number[] = [];
    for (let i = 0; i < LIST_REQUESTS; i++) {
      const query = listQueries[i % listQueries.length] as string;
      const who = i % 2 === 0 ? session : customerSession;
      const t = performance.now();
      const first = await call(portalUrl, who, "GET", `/api/v1/devices?${query}`);
      list.push(performance.now() - t);
      if (first.status !== 200) throw new Error(`device list ${query}: HTTP ${first.status}`);
      if (i % 7 === 0 && first.body.nextCursor) {
        const t2 = performance.now();
        const next = await call(
          portalUrl,
          who,
          "GET",
          `/api/v1/devices?${query}&cursor=${encodeURIComponent(first.body.nextCursor)}`,
        );
        list.push(performance.now() - t2);
        if (next.status !== 200) throw new Error(`device list page 2: HTTP ${next.status}`);
      }
    }
    list.sort((a, b) => a - b);

    const report = {
      machine: `${(await import("node:os")).cpus().length} cores`,
      collectors: COLLECTORS,
      devicesPerScan: DEVICES,
      countersPerReading: 12,
      suppliesPerReading: 4,
      saturation: {
        readings: saturationReadings,
        seconds: Number(saturationSeconds.toFixed(2)),
        readingsPerSecond: Math.round(sustained),
        ackP50Ms: Number(percentile(saturation, 50).toFixed(1)),
        ackP99Ms: Number(percentile(saturation, 99).toFixed(1)),
      },
      steady: {
        offeredPerSecond: RATE,
        readings: steadyReadings,
        seconds: Number(steadySeconds.toFixed(2)),
        readingsPerSecond: Math.round(steadyReadings / steadySeconds),
        ackP50Ms: Number(percentile(steady, 50).toFixed(1)),
        ackP99Ms: Number(percentile(steady, 99).toFixed(1)),
      },
      failures,
      rows: counts,
      deviceList: {
        requests: list.length,
        p50Ms: Number(percentile(list, 50).toFixed(1)),
        p99Ms: Number(percentile(list, 99).toFixed(1)),
      },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      [
        `sustained ingest: ${report.saturation.readingsPerSecond} device readings/s (requirement ≥ 2000)`,
        `ack latency at ${RATE}/s offered, ${COLLECTORS} collectors: p50 ${ms(report.steady.ackP50Ms)}, p99 ${ms(report.steady.ackP99Ms)} (requirement p99 ≤ 500 ms)`,
        `device list, ${counts.customerDevices} devices in the customer: p50 ${ms(report.deviceList.p50Ms)}, p99 ${ms(report.deviceList.p99Ms)} (requirement p99 ≤ 100 ms)`,
        `rows: ${counts.devices} devices, ${counts.readings} meter readings, ${counts.supplyReadings} supply readings, ${counts.scans} scans`,
      ].join("\n"),
    );
    const ok =
      failures === 0 &&
      report.saturation.readingsPerSecond >= 2000 &&
      report.steady.ackP99Ms <= 500 &&
      report.deviceList.p99Ms <= 100;
    return values.check && !ok ? 1 : 0;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await db.close();
    if (portalProcess) {
      portalProcess.kill("SIGTERM");
      await new Promise((r) => portalProcess?.once("exit", r));
    }
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

async function startPortalProcess(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const nodeArgs = process.env.DP_BENCH_PORTAL_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, resolve(root, "packages/portal/src/cli.ts"), "start"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORTAL_SECRET_KEY: randomBytes(32).toString("base64"),
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "warn",
      DEMO: "off",
      PORTAL_ADMIN_EMAIL: "ops@bench.test",
      PORTAL_ADMIN_PASSWORD: randomBytes(12).toString("base64url"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolveStart, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const url = /Device Portal on (http\S+)/.exec(out)?.[1];
      if (url) resolveStart({ child, url });
    });
    child.once("exit", (code) => reject(new Error(`portal exited with ${code}: ${out}`)));
  });
}

process.exitCode = await main();
