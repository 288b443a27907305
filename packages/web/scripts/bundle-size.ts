/**
 * The dashboard's first-load budget: the gzip size of the JavaScript a browser fetches when it opens
 * the dashboard cold (the entry chunk, everything it imports statically, and the dashboard route's
 * lazy chunk with its static imports). Reads the Vite build manifest; exits 1 over the budget.
 *
 *   node packages/web/scripts/bundle-size.ts [--budget-kb 300]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}
type Manifest = Record<string, ManifestChunk>;

const dist = join(import.meta.dirname, "..", "dist");
const budgetArg = process.argv.indexOf("--budget-kb");
const budgetKb = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 300;
const dashboardModule = "src/pages/dashboard/DashboardPage.tsx";

/** The manifest keys of `key` and every chunk it imports statically, transitively. */
export function staticClosure(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  if (into.has(key)) return into;
  into.add(key);
  for (const imported of manifest[key]?.imports ?? []) staticClosure(manifest, imported, into);
  return into;
}

function main(): void {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8")) as Manifest;
  } catch {
    console.error("no build manifest: run `npm run build -w @device-portal/web` first");
    process.exit(2);
  }
  const entry = Object.entries(manifest).find(([, chunk]) => chunk.isEntry)?.[0];
  if (!entry) throw new Error("no entry chunk in the manifest");
  if (!manifest[dashboardModule]) throw new Error(`${dashboardModule} is not a chunk of its own (not lazy?)`);
  const keys = staticClosure(manifest, entry);
  staticClosure(manifest, dashboardModule, keys);
  const files = [
    ...new Set([...keys].map((k) => manifest[k]?.file).filter((f): f is string => !!f?.endsWith(".js"))),
  ];
  let raw = 0;
  let gzip = 0;
  const rows = files.map((file) => {
    const body = readFileSync(join(dist, file));
    const zipped = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gzip += zipped;
    return { file, kb: zipped / 1024 };
  });
  rows.sort((a, b) => b.kb - a.kb);
  for (const row of rows) console.log(`  ${row.kb.toFixed(1).padStart(7)} KB  ${row.file}`);
  const totalKb = gzip / 1024;
  console.log(
    `dashboard first load: ${files.length} JS files, ${(raw / 1024).toFixed(1)} KB raw, ${totalKb.toFixed(1)} KB gzip (budget ${budgetKb} KB)`,
  );
  if (totalKb > budgetKb) {
    console.error(`over budget by ${(totalKb - budgetKb).toFixed(1)} KB`);
    process.exit(1);
  }
}

if (import.meta.main) main();
