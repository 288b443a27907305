import { notFound } from "../http/errors.ts";
import type { Scope } from "../tenancy/scope.ts";

/**
 * The account a list is limited to: the caller's own, or for platform admins the one asked for
 * (none: every account). Another account's id from anyone else looks like an unknown one.
 */
export function listAccountOf(scope: Scope, requested: string | undefined): string | undefined {
  if (scope.kind === "platform") return requested;
  if (requested !== undefined && requested !== scope.accountId) throw notFound("account");
  return scope.accountId;
}
