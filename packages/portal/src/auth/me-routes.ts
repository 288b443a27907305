import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { recordAudit } from "../audit/audit.ts";
import { unauthorized } from "../http/errors.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { loadProfile } from "./profile.ts";
import { passwordChangeSchema, profileSchema, profileUpdateSchema } from "./schemas.ts";
import { loginRateLimit, requireUserSession, sessionPrincipalOf, wrongCredentials } from "./session-http.ts";
import { endUserSessions } from "./sessions.ts";

/** The signed-in user's own profile and password. */
export function meRoutes(ctx: PortalContext): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.get(
      "/api/v1/auth/me",
      {
        schema: {
          tags: ["auth"],
          summary: "Who is signed in: profile, CSRF token and the rights of the role",
          response: { 200: profileSchema },
        },
        config: { right: "signed-in" },
        preHandler: requireUserSession,
      },
      async (request) => {
        const me = sessionPrincipalOf(request);
        const profile = await ctx.db.tenant(me.scope, (sql) => loadProfile(sql, me, me.csrfToken));
        if (!profile) throw unauthorized();
        return profile;
      },
    );

    app.patch(
      "/api/v1/auth/me",
      {
        schema: {
          tags: ["auth"],
          summary: "Change the own name, language or time zone",
          body: profileUpdateSchema,
          response: { 200: profileSchema },
        },
        config: { right: "signed-in" },
        preHandler: requireUserSession,
      },
      async (request) => {
        const me = sessionPrincipalOf(request);
        const { name, locale, timeZone } = request.body;
        const profile = await ctx.db.tenant(me.scope, async (sql) => {
          // Absent fields stay; null clears language or time zone (the web app's defaults apply).
          await sql.query(
            `update users set
               name = case when $3 then $4 else name end,
               locale = case when $5 then $6 else locale end,
               time_zone = case when $7 then $8 else time_zone end
             where account_id = $1 and user_id = $2`,
            [
              me.accountId,
              me.userId,
              name !== undefined,
              name ?? null,
              locale !== undefined,
              locale ?? null,
              timeZone !== undefined,
              timeZone ?? null,
            ],
          );
          return loadProfile(sql, me, me.csrfToken);
        });
        if (!profile) throw unauthorized();
        return profile;
      },
    );

    app.post(
      "/api/v1/auth/password",
      {
        schema: {
          tags: ["auth"],
          summary: "Change the own password; signs out every other session",
          body: passwordChangeSchema,
        },
        config: { right: "signed-in", rateLimit: loginRateLimit(ctx) },
        preHandler: requireUserSession,
      },
      async (request, reply) => {
        const me = sessionPrincipalOf(request);
        const stored = await ctx.db.tenant(
          me.scope,
          async (sql) =>
            (
              await sql.query<{ password_hash: string | null }>(
                "select password_hash from users where account_id = $1 and user_id = $2",
                [me.accountId, me.userId],
              )
            ).rows[0]?.password_hash,
        );
        const audit = { accountId: me.accountId, customerId: me.customerId, actor: me, ip: request.ip };
        if (!(await verifyPassword(stored, request.body.currentPassword))) {
          await ctx.db.tenant(me.scope, (sql) =>
            recordAudit(sql, { ...audit, action: "auth.password-change-failed" }),
          );
          throw wrongCredentials("the current password is wrong");
        }
        const hash = await hashPassword(request.body.newPassword);
        await ctx.db.tenant(me.scope, async (sql) => {
          await sql.query("update users set password_hash = $3 where account_id = $1 and user_id = $2", [
            me.accountId,
            me.userId,
            hash,
          ]);
          await endUserSessions(sql, me, me.sessionId);
          await recordAudit(sql, {
            ...audit,
            action: "auth.password-change",
            targetType: "user",
            targetId: me.userId,
          });
        });
        return reply.status(204).send();
      },
    );
  };
}
