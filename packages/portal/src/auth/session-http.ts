import type { FastifyReply, FastifyRequest } from "fastify";
import type { PortalContext } from "../app.ts";
import type { Db } from "../db/pool.ts";
import { forbidden, HttpError, unauthorized } from "../http/errors.ts";
import type { Principal } from "../tenancy/principal.ts";
import { endSession, type NewSession, resolveSession, sessionCookieName } from "./sessions.ts";

/** Who is signed in with a session: what the /auth routes work with. */
export type SessionPrincipal = Principal & { userId: string; sessionId: string; csrfToken: string };

function isSession(principal: Principal | undefined): principal is SessionPrincipal {
  return (
    principal?.kind === "user" &&
    principal.userId !== undefined &&
    principal.sessionId !== undefined &&
    principal.csrfToken !== undefined
  );
}

/** A password or code given inside a session was wrong (not 401: the session itself is fine). */
export const wrongCredentials = (message: string) => new HttpError(403, "wrong-credentials", message);

/** preHandler of the /auth session routes: a signed-in user, never an API key. */
export async function requireUserSession(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw unauthorized();
  if (!isSession(request.principal)) throw forbidden("API keys cannot use the session routes");
}

export function sessionPrincipalOf(request: FastifyRequest): SessionPrincipal {
  if (!isSession(request.principal)) throw unauthorized();
  return request.principal;
}

/** The half-signed-in session of the second-factor step, with its CSRF token checked. */
export function pendingPrincipalOf(request: FastifyRequest): SessionPrincipal {
  const pending = request.pendingPrincipal;
  if (!isSession(pending)) throw unauthorized("sign in with your password first");
  if (request.headers["x-csrf-token"] !== pending.csrfToken)
    throw new HttpError(403, "csrf", "missing or wrong x-csrf-token header");
  return pending;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it),
 * Secure when the request came over HTTPS (directly or, with trust-proxy, through a TLS proxy).
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: NewSession): void {
  reply.setCookie(sessionCookieName, session.cookie, {
    httpOnly: true,
    sameSite: "strict",
    path: "/",
    secure: request.protocol === "https",
    expires: session.expiresAt,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName, {
    httpOnly: true,
    sameSite: "strict",
    path: "/",
    secure: request.protocol === "https",
  });
}

/** A new sign-in replaces the session the browser still holds (only when its cookie is genuine). */
export async function endCookieSession(db: Db, request: FastifyRequest): Promise<void> {
  const cookie = request.cookies[sessionCookieName];
  if (!cookie) return;
  const old = await resolveSession(db, cookie);
  if (old?.principal.sessionId) await endSession(db, old.principal.accountId, old.principal.sessionId);
}

/** Per-IP limit of the routes that check passwords, codes or reset tokens (route config.rateLimit). */
export function loginRateLimit(ctx: PortalContext) {
  return {
    max: ctx.loginRateLimit?.max ?? 20,
    timeWindow: ctx.loginRateLimit?.timeWindowMs ?? 60_000,
    errorResponseBuilder: (_request: FastifyRequest, context: { statusCode: number; after: string }) =>
      new HttpError(context.statusCode, "rate-limited", `too many attempts; try again in ${context.after}`),
  };
}

export function clientOf(request: FastifyRequest): { ip: string; userAgent: string | undefined } {
  return { ip: request.ip, userAgent: request.headers["user-agent"] };
}
