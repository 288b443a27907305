import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Where `npm run build -w @device-portal/web` puts the web app. */
export const webDistDir = fileURLToPath(new URL("../../../web/dist", import.meta.url));

export interface ServeWebOptions {
  /** The built web app (index.html and assets/); default: packages/web/dist. */
  root?: string;
}

/** Vite names assets by content hash: they never change under their name. */
const hashedAsset = /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}\.\w+$/;

function cacheControlOf(servedPath: string): string {
  // With precompression the path served is the .br/.gz twin.
  const filePath = servedPath.replace(/\.(br|gz)$/, "");
  if (filePath.endsWith("index.html")) return "no-cache";
  return hashedAsset.test(filePath) ? "public, max-age=31536000, immutable" : "public, max-age=300";
}

/**
 * Serves the built web app from the portal process: the files under `root`, their .br/.gz twins
 * written at build time (no compression per request), and index.html for every other GET outside
 * /api so the app's own routes (/devices/…) survive a reload. Call on the root instance, after the
 * API routes. Returns false, serving nothing, when the web app was not built.
 */
export async function serveWeb(app: FastifyInstance, options: ServeWebOptions = {}): Promise<boolean> {
  const root = path.resolve(options.root ?? webDistDir);
  if (!existsSync(path.join(root, "index.html"))) return false;

  await app.register(fastifyStatic, {
    root,
    preCompressed: true,
    index: false,
    wildcard: true,
    // Only the app: never the build manifest or anything dotted.
    dotfiles: "deny",
    allowedPath: (pathName) => !pathName.startsWith("/.vite/") && pathName !== "/index.html",
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      reply.header("cache-control", cacheControlOf(filePath));
    },
  });

  const sendApp = (reply: FastifyReply) => reply.sendFile("index.html", root);

  app.get("/", { schema: { hide: true } }, (_request, reply) => sendApp(reply));

  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    const isPage =
      (request.method === "GET" || request.method === "HEAD") &&
      !url.startsWith("/api/") &&
      url !== "/api" &&
      // A missing file (an old chunk after a deploy) must answer 404, not the app's HTML.
      !/^\/assets\//.test(url) &&
      (request.headers.accept ?? "").includes("text/html");
    if (isPage) return sendApp(reply);
    return reply
      .status(404)
      .send({ error: "not-found", message: `route ${request.method} ${url.split("?")[0]} not found` });
  });
  return true;
}
