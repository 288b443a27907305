import type { FastifyRequest } from "fastify";
import type { Sql } from "../db/pool.ts";
import { auditRequest } from "./route-support.ts";
import type { TenantTable } from "./tables.ts";

/** A row that belongs to an account and maybe one of its customers (customers, sites, users). */
interface CustomerOwnedRow {
  account_id: string;
  customer_id: string | null;
}

/**
 * Deletes one row (what hangs off it goes by cascade) and records `action` by the request's
 * principal in the same transaction, for the row's account and customer.
 */
export async function deleteWithAudit<Row extends CustomerOwnedRow>(
  sql: Sql,
  request: FastifyRequest,
  table: TenantTable<Row>,
  row: Row,
  audit: { action: string; details: Record<string, unknown> },
): Promise<void> {
  const id = row[table.idColumn] as string;
  await sql.query(`delete from ${table.table} where account_id = $1 and ${table.idColumn} = $2`, [
    row.account_id,
    id,
  ]);
  await auditRequest(sql, request, {
    accountId: row.account_id,
    customerId: row.customer_id ?? undefined,
    action: audit.action,
    targetType: table.what,
    targetId: id,
    details: audit.details,
  });
}
