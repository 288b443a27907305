import type { QueryResultRow } from "pg";
import type { Sql } from "../db/pool.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { SqlFilter } from "./pagination.ts";
import type { AccountRow, CustomerRow, SiteRow, UserRow } from "./presenters.ts";
import { filterByScope } from "./route-support.ts";
import type { Scope } from "./scope.ts";
import { accountsTable, customersTable, sitesTable, type TenantTable, usersTable } from "./tables.ts";

/**
 * Finding one tenant object by id within a scope. Whatever lies outside the scope is answered as
 * not found, exactly like an id that does not exist. `lock` selects it for update.
 */
export async function findInScope<Row extends QueryResultRow>(
  sql: Sql,
  scope: Scope,
  table: TenantTable<Row>,
  id: string,
  lock = false,
): Promise<Row> {
  const filter = filterByScope(new SqlFilter(), scope, table.scopeColumns);
  filter.and(`${table.idColumn} = ${filter.param(id)}`);
  const row = (
    await sql.query<Row>(
      `select ${table.columns} from ${table.table} ${filter.where}${lock ? " for update" : ""}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound(table.what);
  return row;
}

export function findAccount(sql: Sql, scope: Scope, accountId: string, lock = false): Promise<AccountRow> {
  return findInScope(sql, scope, accountsTable, accountId, lock);
}

export function findCustomer(sql: Sql, scope: Scope, customerId: string, lock = false): Promise<CustomerRow> {
  return findInScope(sql, scope, customersTable, customerId, lock);
}

export function findSite(sql: Sql, scope: Scope, siteId: string, lock = false): Promise<SiteRow> {
  return findInScope(sql, scope, sitesTable, siteId, lock);
}

export function findUser(sql: Sql, scope: Scope, userId: string, lock = false): Promise<UserRow> {
  return findInScope(sql, scope, usersTable, userId, lock);
}

/**
 * The account a new object goes into: platform admins name it (`?accountId=`), everyone else
 * creates in their own account (naming another one is answered as not found).
 */
export async function targetAccount(
  sql: Sql,
  scope: Scope,
  requested: string | undefined,
): Promise<AccountRow> {
  if (scope.kind === "platform") {
    if (!requested) throw badRequest("platform admins name the account: ?accountId=");
    return findAccount(sql, scope, requested);
  }
  return findAccount(sql, scope, requested ?? scope.accountId);
}
