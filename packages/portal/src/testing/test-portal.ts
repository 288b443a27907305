import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type AppOptions, buildApp, type PortalContext } from "../app.ts";
import { createPortalContext } from "../context.ts";
import type { MailMessage } from "../mail.ts";
import { createTestDatabase, type TestDatabase } from "./test-db.ts";

export interface TestPortal {
  url: string;
  app: FastifyInstance;
  ctx: PortalContext;
  database: TestDatabase;
  /** Mail the portal sent (when no real mailer was given). */
  mail: MailMessage[];
  close(): Promise<void>;
}

/** A real portal on 127.0.0.1 (free port, plain HTTP) over a fresh test database. */
export async function startTestPortal(
  options: { app?: AppOptions; ctx?: Partial<Parameters<typeof createPortalContext>[0]> } = {},
): Promise<TestPortal> {
  const database = await createTestDatabase();
  const mail: MailMessage[] = [];
  const ctx = createPortalContext({
    db: database.db,
    secretKey: randomBytes(32),
    publicUrl: "http://127.0.0.1",
    mailer: {
      async send(message) {
        mail.push(message);
      },
    },
    ...options.ctx,
  });
  const app = await buildApp(ctx, options.app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const url = `${options.app?.https ? "https" : "http"}://127.0.0.1:${port}`;
  ctx.publicUrl = url;
  return {
    url,
    app,
    ctx,
    database,
    mail,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
