import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { requireRight } from "../auth/authenticate.ts";
import { forbidden, unauthorized } from "../http/errors.ts";
import { type Access, type Activity, allows, type Role } from "./rights.ts";

/**
 * What a route declares in `config.right` (docs/rights.md): an activity and the access it needs,
 * "signed-in" for any signed-in caller, or "public" for anonymous callers too.
 */
export type RouteRight = "public" | "signed-in" | readonly [Activity, Exclude<Access, "none">];

/**
 * The narrowest scope a caller may have for a route (`config.scope`), e.g. "account" for creating
 * customers: a customer admin holds tenants:write but must not create sibling customers. Unset: any.
 */
export type ScopeLevel = "platform" | "account" | "customer";

declare module "fastify" {
  interface FastifyContextConfig {
    right?: RouteRight;
    scope?: ScopeLevel;
  }
  interface FastifyInstance {
    /** Every route with its declared right, filled by an onRoute hook (the rights-matrix test reads it). */
    routeRights: RouteRightEntry[];
  }
}

export interface RouteRightEntry {
  method: string;
  url: string;
  right: RouteRight | undefined;
  scope: ScopeLevel | undefined;
}

/** Collects every route's declared right; app.ts calls this before registering the domains. */
export function registerRouteRights(app: FastifyInstance): void {
  const entries: RouteRightEntry[] = [];
  app.decorate("routeRights", entries);
  app.addHook("onRoute", (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Fastify adds HEAD for every GET; it shares the GET's handler and right.
      if (method === "HEAD") continue;
      entries.push({ method, url: route.url, right: route.config?.right, scope: route.config?.scope });
    }
  });
}

const scopeRank: Record<ScopeLevel, number> = { platform: 2, account: 1, customer: 0 };

/** The scope a role's users have: platform admins the platform, account roles one account. */
export function roleScopeLevel(role: Role): ScopeLevel {
  if (role === "platform-admin") return "platform";
  return role.startsWith("customer-") ? "customer" : "account";
}

/** Whether a caller of `role` passes a route's right and scope level (what the preHandlers check). */
export function routeAllows(role: Role, right: RouteRight, scope: ScopeLevel | undefined): boolean {
  if (right === "public" || right === "signed-in") return true;
  if (!allows(role, right[0], right[1])) return false;
  return scope === undefined || scopeRank[roleScopeLevel(role)] >= scopeRank[scope];
}

/** preHandler: the caller's scope must be at least `level` (a customer admin cannot create customers). */
export function requireScope(level: ScopeLevel) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = request.principal;
    if (!principal) throw unauthorized();
    if (scopeRank[principal.scope.kind] < scopeRank[level])
      throw forbidden(`this needs ${level} access; yours is limited to one ${principal.scope.kind}`);
  };
}

/**
 * The guard of a route in one place: the preHandlers that enforce the right (and scope level) and
 * the config that declares them, so the two cannot drift apart. Spread into the route options.
 */
export function routeGuard(right: readonly [Activity, Exclude<Access, "none">], scope?: ScopeLevel) {
  const preHandler: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>)[] = [
    requireRight(right[0], right[1]),
  ];
  if (scope) preHandler.push(requireScope(scope));
  return { preHandler, config: scope ? { right, scope } : { right } };
}
