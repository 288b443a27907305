import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../db/migrate.ts";
import { createDb, type Db } from "../db/pool.ts";

/** The PostgreSQL service the tests use (CI starts it): trust auth, user postgres. */
export const testServerUrl = process.env.DP_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file on the PostgreSQL service. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `dp_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testServerUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.href, { max: 8 });
  if (options.migrate !== false) await migrate(db.pool);
  return {
    db,
    url: url.href,
    name,
    async drop() {
      await db.close();
      const admin = new pg.Client({ connectionString: testServerUrl });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
