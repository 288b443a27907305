import { z } from "zod";
import { badRequest } from "../http/errors.ts";

/**
 * Keyset pagination for list routes: `?limit=&cursor=&sort=field|-field`, answered as
 * `{ items, nextCursor }`. The cursor carries the sort and the last row's sort key and id, so the
 * next page starts right after it however rows are inserted meanwhile.
 */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** `sort` query parameter over the given fields, each ascending or descending ("-name"). */
export function sortSchema<const F extends string>(fields: readonly [F, ...F[]], fallback: F) {
  const values = fields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  return z.enum(values).default(fallback);
}

/** Builds a WHERE clause and its parameters; every value goes in as a parameter, never as text. */
export class SqlFilter {
  readonly params: unknown[] = [];
  readonly #conditions: string[] = [];

  /** A placeholder for `value`. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  and(condition: string): this {
    this.#conditions.push(condition);
    return this;
  }

  /** `column = value` when the value is set (a scope or filter), nothing otherwise. */
  equalsIf(column: string, value: string | undefined | null): this {
    if (value !== undefined && value !== null) this.and(`${column} = ${this.param(value)}`);
    return this;
  }

  /** Case-insensitive substring match over any of the columns. */
  search(columns: string[], q: string | undefined): this {
    if (!q) return this;
    const pattern = this.param(`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return this.and(`(${columns.map((c) => `${c} ilike ${pattern}`).join(" or ")})`);
  }

  get where(): string {
    return this.#conditions.length ? `where ${this.#conditions.join(" and ")}` : "";
  }
}

export interface Keyset {
  /** SQL expression selected as `sort_key` (text), what the cursor stores. */
  sortKey: string;
  orderBy: string;
  limit: number;
}

/**
 * Adds the page's position to `filter`: rows after the cursor in `sort` order. `columns` maps each
 * sort field to its SQL column; `idColumn` breaks ties so the order is total.
 */
export function keyset(
  filter: SqlFilter,
  options: {
    sort: string;
    columns: Record<string, { column: string; type: "text" | "timestamptz" }>;
    idColumn: string;
    cursor: string | undefined;
    limit: number;
  },
): Keyset {
  const descending = options.sort.startsWith("-");
  const field = descending ? options.sort.slice(1) : options.sort;
  const spec = options.columns[field];
  if (!spec) throw badRequest(`cannot sort by ${field}`);
  const direction = descending ? "desc" : "asc";
  if (options.cursor) {
    const [sort, key, id] = decodeCursor(options.cursor);
    if (sort !== options.sort) throw badRequest("the cursor belongs to another sort order");
    if (spec.type === "timestamptz" && !pgTimestamp.test(key)) throw badRequest("malformed cursor");
    const after = `(${spec.column}, ${options.idColumn}) ${descending ? "<" : ">"} (${filter.param(key)}::${spec.type}, ${filter.param(id)}::uuid)`;
    filter.and(after);
  }
  return {
    sortKey: `${spec.column}::text`,
    orderBy: `order by ${spec.column} ${direction}, ${options.idColumn} ${direction}`,
    limit: options.limit + 1,
  };
}

/** Cuts the extra row fetched by keyset() and makes the cursor for the next page. */
export function pageOf<Row extends { sort_key: string }>(
  rows: Row[],
  limit: number,
  sort: string,
  idOf: (row: Row) => string,
): { rows: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1] as Row;
  return { rows: page, nextCursor: encodeCursor([sort, last.sort_key, idOf(last)]) };
}

/** How PostgreSQL prints a timestamptz as text (what sort_key holds for time columns). */
const pgTimestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}(:\d{2})?$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(parts: [string, string, string]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

function decodeCursor(cursor: string): [string, string, string] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badRequest("malformed cursor");
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 3 ||
    !parts.every((p) => typeof p === "string") ||
    !uuid.test(parts[2] as string)
  )
    throw badRequest("malformed cursor");
  return parts as [string, string, string];
}
