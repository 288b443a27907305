import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { recordAudit } from "../audit/audit.ts";
import { HttpError } from "../http/errors.ts";
import type { MailMessage } from "../mail.ts";
import { hashSecret, randomSecret, sameHash } from "../secrets.ts";
import { clearFailedLogins } from "./lockout.ts";
import { hashPassword } from "./passwords.ts";
import { passwordResetConfirmSchema, passwordResetRequestSchema } from "./schemas.ts";
import { loginRateLimit } from "./session-http.ts";
import { endUserSessions } from "./sessions.ts";

export const resetLifetimeSeconds = 60 * 60;
/** More unused links than this at once and no further mail goes out: nobody's inbox gets flooded. */
const maxOpenResets = 3;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const invalidToken = () => new HttpError(400, "invalid-token", "the reset link is invalid, used or expired");

/** Reset tokens read like session cookies: `<accountId>.<resetId>.<secret>`, only the secret's hash is kept. */
function parseResetToken(token: string): { accountId: string; resetId: string; secret: string } | undefined {
  const [accountId, resetId, secret, ...rest] = token.split(".");
  if (!accountId || !resetId || !secret || rest.length || !uuid.test(accountId) || !uuid.test(resetId))
    return undefined;
  return { accountId, resetId, secret };
}

function resetMail(to: string, link: string, locale: string | null): MailMessage {
  if (locale === "de")
    return {
      to,
      subject: "Device Portal: neues Passwort festlegen",
      text: `Jemand (hoffentlich Sie) möchte das Passwort für ${to} im Device Portal neu festlegen.\n\n${link}\n\nDer Link gilt eine Stunde und nur einmal. Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.\n`,
    };
  return {
    to,
    subject: "Device Portal: set a new password",
    text: `Someone (hopefully you) asked to set a new password for ${to} on the Device Portal.\n\n${link}\n\nThe link works once, for one hour. If this was not you, ignore this e-mail: your password stays as it is.\n`,
  };
}

/** "Forgot password": a one-time link by mail, then a new password. */
export function passwordResetRoutes(ctx: PortalContext): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const rateLimit = loginRateLimit(ctx);

    app.post(
      "/api/v1/auth/password-reset",
      {
        schema: {
          tags: ["auth"],
          summary: "Mail a password-reset link",
          description: "Always answers 202, whether or not the address is known.",
          security: [],
          body: passwordResetRequestSchema,
        },
        config: { right: "public", rateLimit },
      },
      async (request, reply) => {
        const email = request.body.email.toLowerCase();
        const issued = await ctx.db.system(async (sql) => {
          const user = (
            await sql.query<{
              account_id: string;
              user_id: string;
              customer_id: string | null;
              locale: string | null;
              open_resets: number;
            }>(
              `select u.account_id, u.user_id, u.customer_id, u.locale,
                      (select count(*) from password_resets r
                        where r.account_id = u.account_id and r.user_id = u.user_id
                          and r.used_at is null and r.expires_at > now()) as open_resets
               from user_logins l join users u on u.account_id = l.account_id and u.user_id = l.user_id
               where l.email = $1 and u.disabled_at is null`,
              [email],
            )
          ).rows[0];
          if (!user || user.open_resets >= maxOpenResets) return undefined;
          const secret = randomSecret();
          const reset = (
            await sql.query<{ reset_id: string }>(
              `insert into password_resets (account_id, user_id, secret_hash, expires_at)
               values ($1, $2, $3, now() + make_interval(secs => $4)) returning reset_id`,
              [user.account_id, user.user_id, hashSecret(secret), resetLifetimeSeconds],
            )
          ).rows[0] as { reset_id: string };
          await recordAudit(sql, {
            accountId: user.account_id,
            customerId: user.customer_id ?? undefined,
            actorEmail: email,
            action: "auth.password-reset-requested",
            targetType: "user",
            targetId: user.user_id,
            ip: request.ip,
          });
          return { token: `${user.account_id}.${reset.reset_id}.${secret}`, locale: user.locale };
        });
        if (issued) {
          const link = `${ctx.publicUrl}/reset-password?token=${encodeURIComponent(issued.token)}`;
          // Not awaited: how long the mail server takes must not tell which addresses exist.
          ctx.mailer
            .send(resetMail(email, link, issued.locale))
            .catch((error: unknown) => request.log.error({ err: error }, "password-reset mail not sent"));
        }
        return reply.status(202).send();
      },
    );

    app.post(
      "/api/v1/auth/password-reset/confirm",
      {
        schema: {
          tags: ["auth"],
          summary: "Set a new password with the token of a reset link; signs out every session",
          security: [],
          body: passwordResetConfirmSchema,
        },
        config: { right: "public", rateLimit },
      },
      async (request, reply) => {
        const token = parseResetToken(request.body.token);
        if (!token) throw invalidToken();
        const hash = await hashPassword(request.body.newPassword);
        const done = await ctx.db.system(async (sql) => {
          const reset = (
            await sql.query<{
              user_id: string;
              secret_hash: Buffer;
              customer_id: string | null;
              email: string;
            }>(
              `select r.user_id, r.secret_hash, u.customer_id, u.email
               from password_resets r join users u on u.account_id = r.account_id and u.user_id = r.user_id
               where r.account_id = $1 and r.reset_id = $2 and r.used_at is null and r.expires_at > now()
                 and u.disabled_at is null
               for update of r`,
              [token.accountId, token.resetId],
            )
          ).rows[0];
          if (!reset || !sameHash(reset.secret_hash, hashSecret(token.secret))) return false;
          const user = { accountId: token.accountId, userId: reset.user_id };
          await sql.query("update users set password_hash = $3 where account_id = $1 and user_id = $2", [
            user.accountId,
            user.userId,
            hash,
          ]);
          // Every open link of the user dies with this one.
          await sql.query(
            "update password_resets set used_at = now() where account_id = $1 and user_id = $2 and used_at is null",
            [user.accountId, user.userId],
          );
          await clearFailedLogins(sql, user);
          await endUserSessions(sql, user);
          await recordAudit(sql, {
            accountId: user.accountId,
            customerId: reset.customer_id ?? undefined,
            actorEmail: reset.email,
            action: "auth.password-reset",
            targetType: "user",
            targetId: user.userId,
            ip: request.ip,
          });
          return true;
        });
        if (!done) throw invalidToken();
        return reply.status(204).send();
      },
    );
  };
}
