import type { Role } from "./rights.ts";
import type { Scope } from "./scope.ts";

/** Who is calling: a signed-in user or an API key, with the scope derived from where it belongs. */
export interface Principal {
  readonly kind: "user" | "api-key";
  /** The user, or for an API key the user who created it (may be undefined). */
  readonly userId: string | undefined;
  readonly apiKeyId: string | undefined;
  readonly email: string | undefined;
  readonly accountId: string;
  readonly role: Role;
  readonly customerId: string | undefined;
  readonly siteId: string | undefined;
  readonly scope: Scope;
  /** For a session: the session id and its CSRF token. */
  readonly sessionId: string | undefined;
  readonly csrfToken: string | undefined;
}

/** A platform admin sees every account; account roles their account; customer roles their customer. */
export function principalScope(p: {
  role: Role;
  accountId: string;
  customerId?: string | undefined;
  siteId?: string | undefined;
}): Scope {
  if (p.role === "platform-admin") return { kind: "platform" };
  if (p.customerId)
    return { kind: "customer", accountId: p.accountId, customerId: p.customerId, siteId: p.siteId };
  return { kind: "account", accountId: p.accountId };
}
