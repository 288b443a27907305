import type { Role } from "./rights.ts";
import type { Account, Customer, Site, User } from "./schemas.ts";

/** Rows as selected by the tenancy routes, and the one place they become API objects. */

export interface AccountRow {
  account_id: string;
  kind: Account["kind"];
  name: string;
  created_at: Date;
}
export const accountColumns = "account_id, kind, name, created_at";

export function presentAccount(row: AccountRow): Account {
  return { id: row.account_id, kind: row.kind, name: row.name, createdAt: row.created_at.toISOString() };
}

export interface CustomerRow {
  account_id: string;
  customer_id: string;
  name: string;
  external_ref: string | null;
  created_at: Date;
}
export const customerColumns = "account_id, customer_id, name, external_ref, created_at";

export function presentCustomer(row: CustomerRow): Customer {
  return {
    id: row.customer_id,
    accountId: row.account_id,
    name: row.name,
    externalRef: row.external_ref,
    createdAt: row.created_at.toISOString(),
  };
}

export interface SiteRow {
  account_id: string;
  site_id: string;
  customer_id: string;
  name: string;
  address: string | null;
  time_zone: string;
  created_at: Date;
}
export const siteColumns = "account_id, site_id, customer_id, name, address, time_zone, created_at";

export function presentSite(row: SiteRow): Site {
  return {
    id: row.site_id,
    accountId: row.account_id,
    customerId: row.customer_id,
    name: row.name,
    address: row.address,
    timeZone: row.time_zone,
    createdAt: row.created_at.toISOString(),
  };
}

export interface UserRow {
  account_id: string;
  user_id: string;
  customer_id: string | null;
  site_id: string | null;
  email: string;
  name: string;
  role: Role;
  locale: "de" | "en" | null;
  time_zone: string | null;
  totp_enabled: boolean;
  disabled_at: Date | null;
  created_at: Date;
}
/** Never the password hash or the TOTP secret. */
export const userColumns =
  "account_id, user_id, customer_id, site_id, email, name, role, locale, time_zone, totp_enabled, disabled_at, created_at";

export function presentUser(row: UserRow): User {
  return {
    id: row.user_id,
    accountId: row.account_id,
    customerId: row.customer_id,
    siteId: row.site_id,
    email: row.email,
    name: row.name,
    role: row.role,
    locale: row.locale,
    timeZone: row.time_zone,
    totpEnabled: row.totp_enabled,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}
