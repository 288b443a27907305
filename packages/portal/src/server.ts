import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { type AppOptions, buildApp, type PortalContext } from "./app.ts";
import { ensurePlatformAdmin } from "./bootstrap.ts";
import { isLoopbackHost, type PortalEnv } from "./config.ts";
import { createPortalContext } from "./context.ts";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "./db/embedded.ts";
import { migrate } from "./db/migrate.ts";
import { createDb, type Db } from "./db/pool.ts";
import { type RunningDemo, startDemo } from "./demo/demo.ts";
import { type RunningJobs, startJobs } from "./jobs/jobs.ts";

export interface RunningPortal {
  url: string;
  app: FastifyInstance;
  ctx: PortalContext;
  db: Db;
  /** Set when the portal runs on its embedded PostgreSQL. */
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

/** Everything `device-portal start` does, as a function (the demo and the benchmark reuse it). */
export async function startPortal(
  env: PortalEnv,
  log: (line: string) => void = console.log,
): Promise<RunningPortal> {
  const tls =
    env.TLS_CERT_FILE && env.TLS_KEY_FILE
      ? { cert: await readFile(env.TLS_CERT_FILE), key: await readFile(env.TLS_KEY_FILE) }
      : undefined;
  if (!tls && !env.TRUST_PROXY && !isLoopbackHost(env.HOST))
    throw new Error(
      `refusing plain HTTP on ${env.HOST}: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUST_PROXY behind a TLS proxy, or HOST=127.0.0.1`,
    );

  const embedded = env.DATABASE_URL ? undefined : await startEmbeddedPostgres(path.join(env.DATA_DIR, "db"));
  const databaseUrl = env.DATABASE_URL ?? (embedded as EmbeddedDatabase).url;
  const secretKey = await loadSecretKey(env);
  const db = createDb(databaseUrl, { max: 20 });
  try {
    if (env.MIGRATE_ON_START === "on") {
      const { applied } = await migrate(db.pool);
      if (applied.length) log(`database: applied ${applied.join(", ")}`);
    }
    const admin = await ensurePlatformAdmin(db, {
      email: env.PORTAL_ADMIN_EMAIL,
      password: env.PORTAL_ADMIN_PASSWORD,
    });
    if (admin)
      log(
        admin.generatedPassword
          ? `platform admin created: ${admin.email} / ${admin.generatedPassword} (shown once: change it after signing in)`
          : `platform admin created: ${admin.email}`,
      );

    const ctx = createPortalContext({
      db,
      secretKey,
      publicUrl: env.PUBLIC_URL ?? "",
      smtpUrl: env.SMTP_URL,
      smtpFrom: env.SMTP_FROM,
      log,
    });
    const app = await buildApp(ctx, {
      logger: env.LOG_LEVEL === "silent" ? false : { level: env.LOG_LEVEL },
      https: tls,
      // A hop count is valid for Fastify (proxy-addr) though its type omits it.
      trustProxy: parseTrustProxy(env.TRUST_PROXY) as AppOptions["trustProxy"],
    });
    await app.listen({ host: env.HOST, port: env.PORT });
    const { port } = app.server.address() as AddressInfo;
    const host = env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST;
    const url = `${tls ? "https" : "http"}://${host}:${port}`;
    if (!env.PUBLIC_URL) ctx.publicUrl = url;
    // Every process takes part in the queue; pg-boss runs each scheduled job once.
    const jobs: RunningJobs = await startJobs(ctx, { log });
    const demo: RunningDemo | undefined =
      (env.DEMO ?? (embedded ? "on" : "off")) === "on"
        ? await startDemo({ db, portalUrl: url, dataDir: env.DATA_DIR, log })
        : undefined;
    return {
      url,
      app,
      ctx,
      db,
      embedded,
      async close() {
        await demo?.close();
        await jobs.stop();
        await app.close();
        await db.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw error;
  }
}

/** PORTAL_SECRET_KEY, or on the embedded default a key generated once into the data folder. */
async function loadSecretKey(env: PortalEnv): Promise<Buffer> {
  if (env.PORTAL_SECRET_KEY) return Buffer.from(env.PORTAL_SECRET_KEY, "base64");
  if (env.DATABASE_URL)
    throw new Error(
      "PORTAL_SECRET_KEY is required with DATABASE_URL (32 random bytes, base64: openssl rand -base64 32)",
    );
  const file = path.join(env.DATA_DIR, "secret-key");
  if (!existsSync(file)) {
    await mkdir(env.DATA_DIR, { recursive: true });
    await writeFile(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  return Buffer.from((await readFile(file, "utf8")).trim(), "base64");
}

function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === "" || value === "false") return undefined;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
