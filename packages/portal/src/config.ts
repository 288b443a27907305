import { z } from "zod";

/** Settings from the environment (docs/portal.md lists them). */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  /** External PostgreSQL (15 or newer). Unset: an embedded PostgreSQL in DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default(".device-portal"),
  /** 32 bytes, base64: seals secrets at rest. Unset with the embedded default: generated in DATA_DIR. */
  PORTAL_SECRET_KEY: z.string().optional(),
  PORTAL_ADMIN_EMAIL: z.string().optional(),
  PORTAL_ADMIN_PASSWORD: z.string().optional(),
  /** The address users and collectors reach the portal at (links in e-mails, install command). */
  PUBLIC_URL: z.string().optional(),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /** Behind a TLS proxy: trust its X-Forwarded-* headers ("true", a hop count or addresses). */
  TRUST_PROXY: z.string().optional(),
  /** smtp://user:pass@host:port for password-reset mail; unset: mail is logged, not sent. */
  SMTP_URL: z.string().optional(),
  SMTP_FROM: z.string().default("Device Portal <no-reply@localhost>"),
  /** Create the demo account, collector and simulated printers on first start (embedded default: on). */
  DEMO: z.enum(["on", "off"]).optional(),
  /** Run migrations on start (default) or leave them to `device-portal migrate`. */
  MIGRATE_ON_START: z.enum(["on", "off"]).default("on"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type PortalEnv = z.infer<typeof envSchema>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): PortalEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `bad settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
export function isLoopbackHost(host: string): boolean {
  return loopback.test(host);
}
