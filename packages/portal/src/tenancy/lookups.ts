import type { Sql } from "../db/pool.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { SqlFilter } from "./pagination.ts";
import {
  type AccountRow,
  accountColumns,
  type CustomerRow,
  customerColumns,
  type SiteRow,
  siteColumns,
  type UserRow,
  userColumns,
} from "./presenters.ts";
import { filterByScope } from "./route-support.ts";
import type { Scope } from "./scope.ts";

/**
 * Finding one tenant object by id within a scope. Whatever lies outside the scope is answered as
 * not found, exactly like an id that does not exist.
 */

export async function findAccount(
  sql: Sql,
  scope: Scope,
  accountId: string,
  lock = false,
): Promise<AccountRow> {
  const filter = filterByScope(new SqlFilter(), scope, { account: "account_id" });
  filter.and(`account_id = ${filter.param(accountId)}`);
  const row = (
    await sql.query<AccountRow>(
      `select ${accountColumns} from accounts ${filter.where}${lock ? " for update" : ""}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound("account");
  return row;
}

export async function findCustomer(
  sql: Sql,
  scope: Scope,
  customerId: string,
  lock = false,
): Promise<CustomerRow> {
  const filter = filterByScope(new SqlFilter(), scope, { account: "account_id", customer: "customer_id" });
  filter.and(`customer_id = ${filter.param(customerId)}`);
  const row = (
    await sql.query<CustomerRow>(
      `select ${customerColumns} from customers ${filter.where}${lock ? " for update" : ""}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound("customer");
  return row;
}

export async function findSite(sql: Sql, scope: Scope, siteId: string, lock = false): Promise<SiteRow> {
  const filter = filterByScope(new SqlFilter(), scope, {
    account: "account_id",
    customer: "customer_id",
    site: "site_id",
  });
  filter.and(`site_id = ${filter.param(siteId)}`);
  const row = (
    await sql.query<SiteRow>(
      `select ${siteColumns} from sites ${filter.where}${lock ? " for update" : ""}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound("site");
  return row;
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

export async function findUser(sql: Sql, scope: Scope, userId: string, lock = false): Promise<UserRow> {
  const filter = filterByScope(new SqlFilter(), scope, {
    account: "account_id",
    customer: "customer_id",
    site: "site_id",
  });
  filter.and(`user_id = ${filter.param(userId)}`);
  const row = (
    await sql.query<UserRow>(
      `select ${userColumns} from users ${filter.where}${lock ? " for update" : ""}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound("user");
  return row;
}
