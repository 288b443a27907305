import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { recordAudit } from "../audit/audit.ts";
import type { Sql } from "../db/pool.ts";
import { conflict, unauthorized } from "../http/errors.ts";
import { verifyPassword } from "./passwords.ts";
import { totpDisableSchema, totpEnableSchema, totpSetupSchema } from "./schemas.ts";
import {
  loginRateLimit,
  requireUserSession,
  type SessionPrincipal,
  sessionPrincipalOf,
  wrongCredentials,
} from "./session-http.ts";
import { acceptTotp, newTotpSecret, takeTotpStep, totpUri } from "./totp.ts";

interface TotpState {
  email: string;
  password_hash: string | null;
  secret: Buffer | null;
  enabled: boolean;
  last_step: number | null;
}

async function totpState(sql: Sql, me: SessionPrincipal): Promise<TotpState> {
  const row = (
    await sql.query<TotpState>(
      `select email, password_hash, totp_secret_enc as secret, totp_enabled as enabled, totp_last_step as last_step
       from users where account_id = $1 and user_id = $2`,
      [me.accountId, me.userId],
    )
  ).rows[0];
  if (!row) throw unauthorized();
  return row;
}

/** Two-factor sign-in with an authenticator app (TOTP): set up, switch on, switch off. */
export function totpRoutes(ctx: PortalContext): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const rateLimit = loginRateLimit(ctx);
    const audit = (me: SessionPrincipal, ip: string, action: string) => ({
      accountId: me.accountId,
      customerId: me.customerId,
      actor: me,
      action,
      targetType: "user",
      targetId: me.userId,
      ip,
    });

    app.post(
      "/api/v1/auth/totp/setup",
      {
        schema: {
          tags: ["auth"],
          summary: "Start two-factor setup: a new secret for the authenticator app",
          description: "Not in force until POST /api/v1/auth/totp/enable confirms a code.",
          response: { 200: totpSetupSchema },
        },
        config: { right: "signed-in" },
        preHandler: requireUserSession,
      },
      async (request) => {
        const me = sessionPrincipalOf(request);
        return ctx.db.tenant(me.scope, async (sql) => {
          const state = await totpState(sql, me);
          if (state.enabled) throw conflict("two-factor sign-in is on already; switch it off first");
          const secret = newTotpSecret();
          await sql.query(
            `update users set totp_secret_enc = $3, totp_last_step = null
             where account_id = $1 and user_id = $2`,
            [me.accountId, me.userId, ctx.secrets.seal(secret)],
          );
          await recordAudit(sql, audit(me, request.ip, "auth.totp-setup"));
          return { secret, uri: totpUri(secret, state.email) };
        });
      },
    );

    app.post(
      "/api/v1/auth/totp/enable",
      {
        schema: {
          tags: ["auth"],
          summary: "Switch two-factor sign-in on with a code from the app",
          body: totpEnableSchema,
        },
        config: { right: "signed-in", rateLimit },
        preHandler: requireUserSession,
      },
      async (request, reply) => {
        const me = sessionPrincipalOf(request);
        await ctx.db.tenant(me.scope, async (sql) => {
          const state = await totpState(sql, me);
          if (state.enabled) throw conflict("two-factor sign-in is on already");
          if (!state.secret) throw conflict("start with POST /api/v1/auth/totp/setup");
          const step = acceptTotp(ctx.secrets.openText(state.secret), request.body.code, state.last_step);
          if (step === undefined || !(await takeTotpStep(sql, me, step)))
            throw wrongCredentials("wrong code");
          await sql.query("update users set totp_enabled = true where account_id = $1 and user_id = $2", [
            me.accountId,
            me.userId,
          ]);
          await recordAudit(sql, audit(me, request.ip, "auth.totp-enable"));
        });
        return reply.status(204).send();
      },
    );

    app.post(
      "/api/v1/auth/totp/disable",
      {
        schema: {
          tags: ["auth"],
          summary: "Switch two-factor sign-in off, confirmed with the password or a code",
          body: totpDisableSchema,
        },
        config: { right: "signed-in", rateLimit },
        preHandler: requireUserSession,
      },
      async (request, reply) => {
        const me = sessionPrincipalOf(request);
        const state = await ctx.db.tenant(me.scope, (sql) => totpState(sql, me));
        if (!state.enabled || !state.secret) throw conflict("two-factor sign-in is off already");
        const { password, code } = request.body;
        // The password check (argon2) runs outside the transaction: no connection held meanwhile.
        const passwordRight = password !== undefined && (await verifyPassword(state.password_hash, password));
        const secret = ctx.secrets.openText(state.secret);
        await ctx.db.tenant(me.scope, async (sql) => {
          let confirmed = passwordRight;
          if (!confirmed && code !== undefined) {
            const step = acceptTotp(secret, code, state.last_step);
            confirmed = step !== undefined && (await takeTotpStep(sql, me, step));
          }
          if (!confirmed) throw wrongCredentials("wrong password or code");
          await sql.query(
            `update users set totp_enabled = false, totp_secret_enc = null, totp_last_step = null
             where account_id = $1 and user_id = $2`,
            [me.accountId, me.userId],
          );
          await recordAudit(sql, audit(me, request.ip, "auth.totp-disable"));
        });
        return reply.status(204).send();
      },
    );
  };
}
