import type { PortalContext } from "./app.ts";
import { resolveApiKey } from "./auth/api-keys.ts";
import type { Db } from "./db/pool.ts";
import { createMailer, type Mailer } from "./mail.ts";
import { createMetrics } from "./metrics.ts";
import { SecretBox } from "./secrets.ts";

export interface ContextOptions {
  db: Db;
  secretKey: Buffer;
  publicUrl: string;
  mailer?: Mailer | undefined;
  smtpUrl?: string | undefined;
  smtpFrom?: string | undefined;
  log?: ((line: string) => void) | undefined;
  loginRateLimit?: PortalContext["loginRateLimit"];
}

export function createPortalContext(options: ContextOptions): PortalContext {
  return {
    db: options.db,
    secrets: new SecretBox(options.secretKey),
    mailer:
      options.mailer ??
      createMailer(
        options.smtpUrl,
        options.smtpFrom ?? "Device Portal <no-reply@localhost>",
        options.log ?? console.log,
      ),
    metrics: createMetrics(),
    publicUrl: options.publicUrl,
    resolveApiKey,
    loginRateLimit: options.loginRateLimit,
  };
}
