import { isIP } from "node:net";
import { badRequest } from "../http/errors.ts";
import type { SqlFilter } from "../tenancy/pagination.ts";

/**
 * Keyset pagination over a sort column that may be null (vendor, IP, counter …) with a tie-break
 * of one or more unique columns. Nulls come last in both directions. The cursor holds the sort,
 * the last row's sort key as PostgreSQL printed it (so timestamps keep their microseconds) and
 * its tie-break values.
 */

export type KeyType = "text" | "timestamptz" | "bigint" | "real" | "inet" | "uuid";

export interface SortColumn {
  expr: string;
  type: KeyType;
  nullable: boolean;
}

export interface TieBreak {
  expr: string;
  type: KeyType;
}

export interface KeysetPlan {
  /** The page's position, to AND into the WHERE clause; undefined on the first page. */
  after: string | undefined;
  orderBy: string;
  /** Select list items: the sort key as text (`sort_key`) and the tie-break values (`tie_0` …). */
  select: string;
}

interface Cursor {
  sort: string;
  key: string | null;
  ties: string[];
}

export function keysetPlan(
  filter: SqlFilter,
  options: { sort: string; column: SortColumn; ties: TieBreak[]; cursor: string | undefined },
): KeysetPlan {
  const descending = options.sort.startsWith("-");
  const { column, ties } = options;
  const dir = descending ? "desc" : "asc";
  const cmp = descending ? "<" : ">";
  const tieExprs = ties.map((t) => t.expr).join(", ");
  let after: string | undefined;
  if (options.cursor) {
    const cursor = decodeCursor(options.cursor, ties.length);
    if (cursor.sort !== options.sort) throw badRequest("the cursor belongs to another sort order");
    if (cursor.key !== null) checkValue(cursor.key, column.type);
    cursor.ties.forEach((value, i) => {
      checkValue(value, (ties[i] as TieBreak).type);
    });
    const key = cursor.key === null ? undefined : `${filter.param(cursor.key)}::${column.type}`;
    const tieParams = cursor.ties
      .map((v, i) => `${filter.param(v)}::${(ties[i] as TieBreak).type}`)
      .join(", ");
    if (key === undefined) {
      if (!column.nullable) throw badRequest("malformed cursor");
      after = `(${column.expr} is null and (${tieExprs}) ${cmp} (${tieParams}))`;
    } else {
      const beyond = `(${column.expr}, ${tieExprs}) ${cmp} (${key}, ${tieParams})`;
      after = column.nullable ? `(${beyond} or ${column.expr} is null)` : beyond;
    }
  }
  return {
    after,
    // Only a nullable column names its null order: a plain one keeps the order an index gives.
    orderBy: `order by ${column.expr} ${dir}${column.nullable ? " nulls last" : ""}, ${ties.map((t) => `${t.expr} ${dir}`).join(", ")}`,
    select: [`${column.expr}::text as sort_key`, ...ties.map((t, i) => `${t.expr}::text as tie_${i}`)].join(
      ", ",
    ),
  };
}

/** Cuts the one extra row a page query fetches and makes the next page's cursor from the last row. */
export function pageWithCursor<Row extends { sort_key: string | null }>(
  rows: Row[],
  limit: number,
  sort: string,
): { rows: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1] as Row & Record<string, unknown>;
  const ties: string[] = [];
  for (let i = 0; `tie_${i}` in last; i++) ties.push(String(last[`tie_${i}`]));
  return { rows: page, nextCursor: encodeCursor({ sort, key: last.sort_key, ties }) };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, ...cursor.ties])).toString("base64url");
}

function decodeCursor(raw: string, tieCount: number): Cursor {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw badRequest("malformed cursor");
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 2 + tieCount ||
    typeof parts[0] !== "string" ||
    !(typeof parts[1] === "string" || parts[1] === null) ||
    !parts.slice(2).every((p) => typeof p === "string")
  )
    throw badRequest("malformed cursor");
  return { sort: parts[0], key: parts[1], ties: parts.slice(2) as string[] };
}

/** How PostgreSQL prints a timestamptz (DateStyle ISO). */
export const pgTimestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor value must cast cleanly, so a tampered cursor is a 400 and not a database error. */
function checkValue(value: string, type: KeyType): void {
  const ok =
    type === "text"
      ? value.length <= 1000
      : type === "timestamptz"
        ? pgTimestamp.test(value)
        : type === "bigint"
          ? /^-?\d{1,18}$/.test(value)
          : type === "real"
            ? /^-?\d{1,10}(\.\d{1,10})?(e[+-]?\d{1,2})?$/i.test(value)
            : type === "uuid"
              ? uuid.test(value)
              : inetText(value);
  if (!ok) throw badRequest("malformed cursor");
}

function inetText(value: string): boolean {
  const [host, mask, ...rest] = value.split("/");
  if (rest.length || !host) return false;
  const family = isIP(host);
  if (!family) return false;
  return mask === undefined || (/^\d{1,3}$/.test(mask) && Number(mask) <= (family === 4 ? 32 : 128));
}
