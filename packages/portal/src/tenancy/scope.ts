/**
 * What a request may see: the platform (every account), one account, or one customer of an
 * account (optionally one site of it). Every query filters by it, and the database enforces it a
 * second time with row-level security (db/migrations/0005_row_security.sql).
 */
export type Scope =
  | { readonly kind: "platform" }
  | { readonly kind: "account"; readonly accountId: string }
  | {
      readonly kind: "customer";
      readonly accountId: string;
      readonly customerId: string;
      readonly siteId?: string | undefined;
    };

export const platformScope: Scope = { kind: "platform" };

/** The account a scope is bound to; undefined for the platform. */
export function scopeAccountId(scope: Scope): string | undefined {
  return scope.kind === "platform" ? undefined : scope.accountId;
}

export function scopeCustomerId(scope: Scope): string | undefined {
  return scope.kind === "customer" ? scope.customerId : undefined;
}

export function scopeSiteId(scope: Scope): string | undefined {
  return scope.kind === "customer" ? scope.siteId : undefined;
}
