import { readdir, readFile } from "node:fs/promises";
import type pg from "pg";

const migrationsDir = new URL("./migrations/", import.meta.url);
/** Any fixed number: several portal processes starting at once migrate one after the other. */
const migrationLock = 7_346_110_021;

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies the SQL files of db/migrations in name order, each once and in its own transaction,
 * then walls off any new tenant table (dp_secure_tables).
 */
export async function migrate(pool: pg.Pool): Promise<MigrationResult> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql")).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("select pg_advisory_lock($1)", [migrationLock]);
    await client.query(
      "create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())",
    );
    const done = new Set(
      (await client.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const text = await readFile(new URL(file, migrationsDir), "utf8");
      try {
        await client.query("begin");
        await client.query(text);
        await client.query("insert into schema_migrations (name) values ($1)", [file]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(file);
    }
    await client.query("select dp_secure_tables()");
  } finally {
    await client.query("select pg_advisory_unlock($1)", [migrationLock]).catch(() => {});
    client.release();
  }
  return { applied };
}
