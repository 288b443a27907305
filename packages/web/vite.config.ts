import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));
const outDir = join(root, "dist");
const portalUrl = process.env.PORTAL_URL ?? "http://127.0.0.1:8080";

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);
const compressible = /\.(js|css|html|svg|json|txt|map)$/;

/** Writes .gz and .br beside every text asset so the portal serves them without compressing per request. */
function precompress(): Plugin {
  return {
    name: "device-portal:precompress",
    apply: "build",
    async closeBundle() {
      const files = await readdir(outDir, { recursive: true, withFileTypes: true });
      await Promise.all(
        files
          .filter((f) => f.isFile() && compressible.test(f.name) && !f.name.endsWith(".map"))
          .map(async (f) => {
            const path = join(f.parentPath, f.name);
            const body = await readFile(path);
            if (body.length < 1024) return;
            await writeFile(`${path}.gz`, await gzipAsync(body, { level: 9 }));
            await writeFile(
              `${path}.br`,
              await brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
            );
          }),
      );
    },
  };
}

export default defineConfig({
  root,
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    // The dashboard budget is measured by scripts/bundle-size.ts; this only silences the generic warning.
    chunkSizeWarningLimit: 600,
    // A build manifest lets scripts/bundle-size.ts follow the dashboard route's imports.
    manifest: true,
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: false,
    proxy: {
      "/api": { target: portalUrl, changeOrigin: false },
    },
  },
  preview: { host: "127.0.0.1" },
});
