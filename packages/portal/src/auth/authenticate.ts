import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/pool.ts";
import { forbidden, HttpError, unauthorized } from "../http/errors.ts";
import type { Principal } from "../tenancy/principal.ts";
import { type Access, type Activity, allows } from "../tenancy/rights.ts";
import { resolveSession, sessionCookieName } from "./sessions.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by authenticate(); undefined for an anonymous request. */
    principal: Principal | undefined;
    /** A password was right but the second factor is still owed. */
    mfaPending: boolean;
    /** With mfaPending: who the half-signed-in session belongs to (only POST /auth/login/totp uses it). */
    pendingPrincipal: Principal | undefined;
  }
}

/** Resolves an API key bearer token (auth/api-keys.ts); injected so this module stays small. */
export type ApiKeyResolver = (db: Db, token: string) => Promise<Principal | undefined>;

const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * onRequest hook: who is calling. A session cookie or an `Authorization: Bearer` API key.
 * Cookie-authenticated writes must carry the session's CSRF token in `x-csrf-token`
 * (API keys are not sent by browsers on their own, so they need none).
 */
export function authenticate(db: Db, resolveApiKey: ApiKeyResolver) {
  return async (request: FastifyRequest): Promise<void> => {
    request.principal = undefined;
    request.mfaPending = false;
    request.pendingPrincipal = undefined;
    // Only the REST API acts for a principal. The web app's files, health, metrics and the
    // collectors' sealed protocol need none, so they cost no session lookup (and no write).
    if (!request.url.startsWith("/api/v1/")) return;
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (bearer) {
      const principal = await resolveApiKey(db, bearer);
      if (!principal) throw unauthorized("unknown or revoked API key");
      request.principal = principal;
      return;
    }
    const cookie = request.cookies[sessionCookieName];
    if (!cookie) return;
    const session = await resolveSession(db, cookie);
    if (!session) return;
    if (session.mfaPending) {
      request.mfaPending = true;
      // Only the second-factor step may use a half-signed-in session (it checks the CSRF token itself).
      request.pendingPrincipal = session.principal;
      return;
    }
    if (unsafe.has(request.method) && request.headers["x-csrf-token"] !== session.principal.csrfToken) {
      // A public route (sign-in, password reset) needs no principal: a stale cookie must not block it.
      if (request.routeOptions.config.right === "public") return;
      throw new HttpError(403, "csrf", "missing or wrong x-csrf-token header");
    }
    request.principal = session.principal;
  };
}

/** preHandler: the caller must be signed in and its role must grant `access` on `activity`. */
export function requireRight(activity: Activity, access: Exclude<Access, "none">) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = request.principal;
    if (!principal) throw unauthorized();
    if (!allows(principal.role, activity, access)) throw forbidden();
  };
}

/** preHandler: signed in, whatever the role (own profile, sign-out). */
export async function requireSignedIn(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw unauthorized();
}

/** The principal of a request that passed requireRight/requireSignedIn. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}
