import type { QueryResultRow } from "pg";
import type { Sql } from "../db/pool.ts";
import { keyset, pageOf, type SqlFilter } from "./pagination.ts";
import type { TenantTable } from "./tables.ts";

/** The sort fields of a list and their SQL columns. */
export type SortColumns = Record<string, { column: string; type: "text" | "timestamptz" }>;

/** Name and creation time, what most tenancy lists sort by. */
export const nameOrCreatedSort = {
  name: { column: "name", type: "text" },
  createdAt: { column: "created_at", type: "timestamptz" },
} as const satisfies SortColumns;

/**
 * One page of a tenancy list: the rows of `table` that pass `filter` (scope wall and query
 * filters), after the cursor in sort order, presented as API objects with the next page's cursor.
 */
export async function selectPage<Row extends QueryResultRow, Item>(
  sql: Sql,
  filter: SqlFilter,
  list: { table: TenantTable<Row>; sortColumns: SortColumns; present: (row: Row) => Item },
  query: { sort: string; cursor?: string | undefined; limit: number },
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const { table } = list;
  const page = keyset(filter, {
    sort: query.sort,
    columns: list.sortColumns,
    idColumn: table.idColumn,
    cursor: query.cursor,
    limit: query.limit,
  });
  const rows = (
    await sql.query<Row & { sort_key: string }>(
      `select ${table.columns}, ${page.sortKey} as sort_key from ${table.table} ${filter.where}
       ${page.orderBy} limit ${page.limit}`,
      filter.params,
    )
  ).rows;
  const result = pageOf(rows, query.limit, query.sort, (row) => row[table.idColumn] as string);
  return { items: result.rows.map(list.present), nextCursor: result.nextCursor };
}
