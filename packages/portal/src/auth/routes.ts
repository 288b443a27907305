import type { DomainPlugin } from "../domains.ts";
import { apiKeyRoutes } from "./api-key-routes.ts";
import { loginRoutes } from "./login-routes.ts";
import { meRoutes } from "./me-routes.ts";
import { passwordResetRoutes } from "./password-reset-routes.ts";
import { totpRoutes } from "./totp-routes.ts";

/** The auth domain: sign-in and sessions (/api/v1/auth/*) and API keys (/api/v1/api-keys). */
export const authRoutes: DomainPlugin = async (app, { ctx }) => {
  await app.register(loginRoutes(ctx));
  await app.register(meRoutes(ctx));
  await app.register(passwordResetRoutes(ctx));
  await app.register(totpRoutes(ctx));
  await app.register(apiKeyRoutes(ctx));
};
