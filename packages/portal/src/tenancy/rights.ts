/**
 * The rights matrix (docs/rights.md): what each role may do per activity. Scope (which account,
 * customer, site) comes from where the user belongs, not from the role; see principalScope().
 */
export const roles = [
  "platform-admin",
  "account-admin",
  "account-technician",
  "account-billing",
  "customer-admin",
  "customer-user",
] as const;
export type Role = (typeof roles)[number];

export const activities = [
  /** Accounts, customers and sites. */
  "tenants",
  /** Devices, meter readings, status. */
  "fleet",
  "supplies",
  /** Alerts and (later) tickets. */
  "service",
  /** Contracts, invoices, exports for billing. */
  "billing",
  /** Enrolment, settings, revocation of collectors. */
  "collectors",
  /** Users, their roles, API keys. */
  "users",
  "audit",
] as const;
export type Activity = (typeof activities)[number];

export type Access = "none" | "read" | "write";

const R = "read";
const W = "write";
const N = "none";

export const rightsMatrix: Record<Role, Record<Activity, Access>> = {
  "platform-admin": {
    tenants: W,
    fleet: W,
    supplies: W,
    service: W,
    billing: W,
    collectors: W,
    users: W,
    audit: R,
  },
  "account-admin": {
    tenants: W,
    fleet: W,
    supplies: W,
    service: W,
    billing: W,
    collectors: W,
    users: W,
    audit: R,
  },
  "account-technician": {
    tenants: R,
    fleet: W,
    supplies: W,
    service: W,
    billing: N,
    collectors: W,
    users: N,
    audit: N,
  },
  "account-billing": {
    tenants: R,
    fleet: R,
    supplies: R,
    service: R,
    billing: W,
    collectors: N,
    users: N,
    audit: N,
  },
  "customer-admin": {
    tenants: W,
    fleet: R,
    supplies: R,
    service: W,
    billing: R,
    collectors: W,
    users: W,
    audit: R,
  },
  "customer-user": {
    tenants: R,
    fleet: R,
    supplies: R,
    service: R,
    billing: N,
    collectors: N,
    users: N,
    audit: N,
  },
};

export function allows(role: Role, activity: Activity, access: Exclude<Access, "none">): boolean {
  const granted = rightsMatrix[role][activity];
  return access === "read" ? granted !== "none" : granted === "write";
}

export function isCustomerRole(role: Role): boolean {
  return role.startsWith("customer-");
}

/**
 * The role ladder for granting: nobody grants a role above their own, nor manages a user whose
 * role is above their own. Technician and billing stand side by side.
 */
export const roleRank: Record<Role, number> = {
  "platform-admin": 4,
  "account-admin": 3,
  "account-technician": 2,
  "account-billing": 2,
  "customer-admin": 1,
  "customer-user": 0,
};

/** Whether a user of role `actor` may give `role` to someone, or manage a user who has it. */
export function mayGrantRole(actor: Role, role: Role): boolean {
  return roleRank[role] <= roleRank[actor];
}

/** Platform admins belong to the platform account and only there; every other role to a dealer or IT account. */
export function roleFitsAccountKind(role: Role, kind: "platform" | "dealer" | "it"): boolean {
  return (role === "platform-admin") === (kind === "platform");
}
