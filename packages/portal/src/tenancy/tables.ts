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

/**
 * What the shared lookups, list pages and deletes need to know of a tenant table: its name, the
 * selected columns, the id column, the columns that tie a row to the scope, and what to call a
 * missing row (the 404 message).
 */
export interface TenantTable<Row> {
  table: string;
  columns: string;
  idColumn: keyof Row & string;
  scopeColumns: { account: string; customer?: string; site?: string };
  what: string;
}

export const accountsTable: TenantTable<AccountRow> = {
  table: "accounts",
  columns: accountColumns,
  idColumn: "account_id",
  scopeColumns: { account: "account_id" },
  what: "account",
};

export const customersTable: TenantTable<CustomerRow> = {
  table: "customers",
  columns: customerColumns,
  idColumn: "customer_id",
  scopeColumns: { account: "account_id", customer: "customer_id" },
  what: "customer",
};

/** Sites and users also sit behind a customer user's site wall. */
const siteScoped = { account: "account_id", customer: "customer_id", site: "site_id" };

export const sitesTable: TenantTable<SiteRow> = {
  table: "sites",
  columns: siteColumns,
  idColumn: "site_id",
  scopeColumns: siteScoped,
  what: "site",
};

export const usersTable: TenantTable<UserRow> = {
  table: "users",
  columns: userColumns,
  idColumn: "user_id",
  scopeColumns: siteScoped,
  what: "user",
};
