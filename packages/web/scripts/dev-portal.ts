/**
 * A throwaway portal for working on the web app: a fresh database on the local PostgreSQL service
 * (the one the tests use), the test tenant tree with one password for everybody, a fleet of
 * simulated devices, and the built web app when packages/web/dist exists. Stops (and drops the
 * database) on Ctrl-C.
 *
 *   node packages/web/scripts/dev-portal.ts [--port 8080] [--devices 10000]
 *   npm run dev -w @device-portal/web        (Vite on 127.0.0.1:5173, /api proxied to it)
 */
import { parseArgs } from "node:util";
import { buildApp } from "../../portal/src/app.ts";
import { hashPassword } from "../../portal/src/auth/passwords.ts";
import { createPortalContext } from "../../portal/src/context.ts";
import { seedTenantTree } from "../../portal/src/testing/tenants.ts";
import { createTestDatabase } from "../../portal/src/testing/test-db.ts";
import { serveWeb } from "../../portal/src/web/serve-web.ts";
import { seedFleet } from "./seed-fleet.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8080" },
    devices: { type: "string", default: "2000" },
  },
});
const password = "device-portal-dev";

const database = await createTestDatabase();
const tree = await seedTenantTree(database.db, { passwordHash: await hashPassword(password) });
const fleet = await seedFleet(database.db, tree, Number(values.devices));
const ctx = createPortalContext({
  db: database.db,
  secretKey: Buffer.alloc(32, 7),
  publicUrl: `http://127.0.0.1:${values.port}`,
  mailer: {
    async send(message) {
      console.log(`mail to ${message.to}: ${message.subject}\n${message.text}`);
    },
  },
});
const app = await buildApp(ctx, { logger: { level: "warn" }, web: false });
const withWeb = await serveWeb(app);
await app.listen({ host: "127.0.0.1", port: Number(values.port) });
console.log(`portal on http://127.0.0.1:${values.port}${withWeb ? " (with the built web app)" : ""}`);
console.log(`database ${database.name}: ${fleet.devices} devices`);
console.log(`users (password ${password}):`);
for (const user of Object.values(tree.users)) console.log(`  ${user.email.padEnd(22)} ${user.role}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await database.drop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
