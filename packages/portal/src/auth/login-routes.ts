import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { recordAudit } from "../audit/audit.ts";
import type { Sql } from "../db/pool.ts";
import { forbidden, unauthorized } from "../http/errors.ts";
import type { Principal } from "../tenancy/principal.ts";
import { accountLocked, clearFailedLogins, countFailedLogin } from "./lockout.ts";
import { verifyPassword } from "./passwords.ts";
import { loadProfile } from "./profile.ts";
import { loginBodySchema, loginResponseSchema, totpLoginBodySchema } from "./schemas.ts";
import {
  clearSessionCookie,
  clientOf,
  endCookieSession,
  loginRateLimit,
  pendingPrincipalOf,
  setSessionCookie,
} from "./session-http.ts";
import { createSession, endSession } from "./sessions.ts";
import { acceptTotp, takeTotpStep } from "./totp.ts";

/** One answer for every wrong sign-in: it must not tell which e-mail addresses exist. */
const wrongLogin = () => unauthorized("wrong e-mail or password");

interface LoginUser {
  accountId: string;
  userId: string;
  email: string;
  customerId: string | undefined;
  passwordHash: string | null;
  totpEnabled: boolean;
  disabled: boolean;
  locked: boolean;
}

/** The user an e-mail address names, through the platform-wide login directory. */
async function findLoginUser(sql: Sql, email: string): Promise<LoginUser | undefined> {
  const row = (
    await sql.query<{
      account_id: string;
      user_id: string;
      email: string;
      customer_id: string | null;
      password_hash: string | null;
      totp_enabled: boolean;
      disabled: boolean;
      locked: boolean;
    }>(
      `select u.account_id, u.user_id, u.email, u.customer_id, u.password_hash, u.totp_enabled,
              u.disabled_at is not null as disabled, coalesce(u.locked_until > now(), false) as locked
       from user_logins l join users u on u.account_id = l.account_id and u.user_id = l.user_id
       where l.email = $1`,
      [email],
    )
  ).rows[0];
  if (!row) return undefined;
  return {
    accountId: row.account_id,
    userId: row.user_id,
    email: row.email,
    customerId: row.customer_id ?? undefined,
    passwordHash: row.password_hash,
    totpEnabled: row.totp_enabled,
    disabled: row.disabled,
    locked: row.locked,
  };
}

function loginFailed(
  request: FastifyRequest,
  user: { accountId: string; customerId: string | undefined; email: string | undefined },
  reason: string,
  locked = false,
) {
  return {
    accountId: user.accountId,
    customerId: user.customerId,
    actorEmail: user.email,
    action: "auth.login-failed",
    details: locked ? { reason, locked: true } : { reason },
    ip: request.ip,
  };
}

/** Sign-in with password, the second factor, sign-out. */
export function loginRoutes(ctx: PortalContext): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const rateLimit = loginRateLimit(ctx);

    app.post(
      "/api/v1/auth/login",
      {
        schema: {
          tags: ["auth"],
          summary: "Sign in with e-mail and password",
          description:
            "Sets the dp_session cookie. With two-factor sign-in on, the session waits for POST /api/v1/auth/login/totp (mfaRequired).",
          security: [],
          body: loginBodySchema,
          response: { 200: loginResponseSchema },
        },
        config: { right: "public", rateLimit },
      },
      async (request, reply) => {
        const email = request.body.email.toLowerCase();
        const user = await ctx.db.system((sql) => findLoginUser(sql, email));
        if (user?.locked) {
          await ctx.db.system((sql) => recordAudit(sql, loginFailed(request, user, "locked")));
          throw accountLocked();
        }
        // Always verify, also for unknown addresses (verifyPassword spends the time without a hash).
        const passwordRight = await verifyPassword(user?.passwordHash, request.body.password);
        // Unknown addresses are not audited: there is no account to file them under, and what
        // people type into the e-mail field is sometimes their password.
        if (!user) throw wrongLogin();
        if (!passwordRight || user.disabled) {
          const lockedNow = await ctx.db.system(async (sql) => {
            const locked = user.disabled ? false : await countFailedLogin(sql, user);
            await recordAudit(
              sql,
              loginFailed(request, user, user.disabled ? "disabled" : "password", locked),
            );
            return locked;
          });
          throw lockedNow ? accountLocked() : wrongLogin();
        }

        await endCookieSession(ctx.db, request);
        const { ip, userAgent } = clientOf(request);
        const session = await createSession(ctx.db, user, { mfaPending: user.totpEnabled, ip, userAgent });
        setSessionCookie(request, reply, session);
        // With a second factor owed the failure count stays: the password alone must not reset
        // the lockout that guards the code.
        if (user.totpEnabled) return { user: null, csrfToken: session.csrfToken, mfaRequired: true };
        const profile = await ctx.db.system(async (sql) => {
          await clearFailedLogins(sql, user);
          await recordAudit(sql, {
            accountId: user.accountId,
            customerId: user.customerId,
            actorEmail: user.email,
            action: "auth.login",
            targetType: "user",
            targetId: user.userId,
            details: { mfa: false },
            ip,
          });
          return loadProfile(sql, user, session.csrfToken);
        });
        return { user: profile ?? null, csrfToken: session.csrfToken, mfaRequired: false };
      },
    );

    app.post(
      "/api/v1/auth/login/totp",
      {
        schema: {
          tags: ["auth"],
          summary: "Complete a sign-in with the authenticator app's code",
          description: "Needs the half-signed-in session of POST /api/v1/auth/login and its x-csrf-token.",
          body: totpLoginBodySchema,
          response: { 200: loginResponseSchema },
        },
        config: { right: "public", rateLimit },
      },
      async (request, reply) => {
        const pending = pendingPrincipalOf(request);
        const user = { accountId: pending.accountId, userId: pending.userId };
        const state = await ctx.db.system(
          async (sql) =>
            (
              await sql.query<{
                email: string;
                secret: Buffer | null;
                last_step: number | null;
                locked: boolean;
              }>(
                `select email, totp_secret_enc as secret, totp_last_step as last_step,
                        coalesce(locked_until > now(), false) as locked
                 from users where account_id = $1 and user_id = $2 and totp_enabled`,
                [user.accountId, user.userId],
              )
            ).rows[0],
        );
        const audited = { accountId: user.accountId, customerId: pending.customerId, email: state?.email };
        if (!state?.secret) {
          await endSession(ctx.db, user.accountId, pending.sessionId);
          throw unauthorized("sign in with your password first");
        }
        if (state.locked) {
          await endSession(ctx.db, user.accountId, pending.sessionId);
          await ctx.db.system((sql) => recordAudit(sql, loginFailed(request, audited, "locked")));
          throw accountLocked();
        }
        const step = acceptTotp(ctx.secrets.openText(state.secret), request.body.code, state.last_step);
        const accepted = step !== undefined && (await ctx.db.system((sql) => takeTotpStep(sql, user, step)));
        if (!accepted) {
          const lockedNow = await ctx.db.system(async (sql) => {
            const locked = await countFailedLogin(sql, user);
            await recordAudit(sql, loginFailed(request, audited, "totp", locked));
            return locked;
          });
          if (lockedNow) {
            await endSession(ctx.db, user.accountId, pending.sessionId);
            throw accountLocked();
          }
          throw unauthorized("wrong code");
        }

        // A fresh session for the full sign-in: the half-signed-in one's cookie is worth nothing now.
        await endSession(ctx.db, user.accountId, pending.sessionId);
        const { ip, userAgent } = clientOf(request);
        const session = await createSession(ctx.db, user, { ip, userAgent });
        setSessionCookie(request, reply, session);
        const profile = await ctx.db.system(async (sql) => {
          await clearFailedLogins(sql, user);
          await recordAudit(sql, {
            accountId: user.accountId,
            customerId: pending.customerId,
            actorEmail: state.email,
            action: "auth.login",
            targetType: "user",
            targetId: user.userId,
            details: { mfa: true },
            ip,
          });
          return loadProfile(sql, user, session.csrfToken);
        });
        return { user: profile ?? null, csrfToken: session.csrfToken, mfaRequired: false };
      },
    );

    app.post(
      "/api/v1/auth/logout",
      {
        schema: { tags: ["auth"], summary: "Sign out: ends the session and clears its cookie" },
        config: { right: "signed-in" },
      },
      async (request, reply) => {
        // A half-signed-in session may be abandoned too.
        const principal: Principal | undefined = request.principal ?? request.pendingPrincipal;
        if (!principal) throw unauthorized();
        if (principal.kind !== "user" || !principal.sessionId)
          throw forbidden("API keys cannot use the session routes");
        await endSession(ctx.db, principal.accountId, principal.sessionId);
        await ctx.db.tenant(principal.scope, (sql) =>
          recordAudit(sql, {
            accountId: principal.accountId,
            customerId: principal.customerId,
            actor: principal,
            action: "auth.logout",
            ip: request.ip,
          }),
        );
        clearSessionCookie(request, reply);
        return reply.status(204).send();
      },
    );
  };
}
