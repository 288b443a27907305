#!/usr/bin/env node
/**
 * device-portal start     the portal (embedded PostgreSQL unless DATABASE_URL is set)
 * device-portal migrate   apply the database migrations and exit (DATABASE_URL required)
 * Settings come from the environment: docs/portal.md.
 */
import { readEnv } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { createDb } from "./db/pool.ts";
import { startPortal } from "./server.ts";

async function main(): Promise<number> {
  const command = process.argv[2] ?? "start";
  const env = readEnv();
  if (command === "migrate") {
    if (!env.DATABASE_URL)
      throw new Error("migrate needs DATABASE_URL (the embedded default migrates on start)");
    const db = createDb(env.DATABASE_URL, { max: 1 });
    try {
      const { applied } = await migrate(db.pool);
      console.log(applied.length ? `applied ${applied.join(", ")}` : "database is up to date");
    } finally {
      await db.close();
    }
    return 0;
  }
  if (command !== "start") {
    console.error(`unknown command ${command}: use start or migrate`);
    return 1;
  }
  const portal = await startPortal(env);
  console.log(
    `Device Portal on ${portal.url}${portal.embedded ? ` (embedded PostgreSQL in ${env.DATA_DIR})` : ""}`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await portal.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`device-portal: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
