import type { Sql } from "../db/pool.ts";

/** Rows per statement: big scans go in slices, so one statement's JSON stays a few MB at most. */
export const bulkRows = 1000;

/**
 * A statement ingest runs for every scan, prepared once per connection under `name` (the
 * statements are the same every time; parsing and planning them again would cost more than
 * running them for a small scan).
 */
export async function run<T extends object = object>(
  sql: Sql,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const result = await sql.query<T>({ name: `ingest-${name}`, text, values });
  return result.rows;
}

/**
 * Runs statement `name` once per slice of `rows`, the slice as JSON in the last parameter (read
 * in SQL with jsonb_to_recordset), and returns the rows every run returned.
 */
export async function bulk<T extends object = object>(
  sql: Sql,
  name: string,
  text: string,
  params: unknown[],
  rows: readonly object[],
): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < rows.length; start += bulkRows) {
    const slice = rows.slice(start, start + bulkRows);
    out.push(...(await run<T>(sql, name, text, [...params, JSON.stringify(slice)])));
  }
  return out;
}
