/**
 * `npm run build:collector`: the collector's command line as one self-contained JavaScript file,
 * `packages/collector/dist/ice.mjs`, for `node ice.mjs …` on a machine with Node.js 24 and
 * nothing else (no node_modules, no profiles folder). The Node runtime is not included.
 *
 *   npx node packages/collector/build/bundle.ts [--outfile PATH] [--no-minify] [--metafile PATH]
 *
 * - ESM for node24, minified, every dependency inside (net-snmp, zod, the XML parser…);
 * - the compiled profile catalog (`profiles/compiled.json`) inlined, as the catalog module
 *   imports it as JSON;
 * - `import.meta.main` false in every bundled module: a command module that runs itself when
 *   started directly would otherwise run a second time inside the bundle;
 * - zod with its English messages only (`zodEnglishOnly`): its 40-odd other locales are a quarter
 *   megabyte that the collector never uses;
 * - CommonJS dependencies get a real `require` (node:module's createRequire) for Node's own
 *   modules, which esbuild's ESM output cannot provide by itself.
 *
 * The requirement is a collector under 1 MiB of JavaScript; the size is printed, and
 * bundle.test.ts holds it.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build, type Metafile, type Plugin } from "esbuild";

const collectorDir = resolve(import.meta.dirname, "..");
export const entryPoint = resolve(collectorDir, "src/cli.ts");
export const defaultOutfile = resolve(collectorDir, "dist/ice.mjs");
export const sizeLimitBytes = 1024 * 1024;

export interface BundleOptions {
  outfile?: string;
  minify?: boolean;
  /** Keep esbuild's metafile (what each input adds), for a size breakdown. */
  metafile?: boolean;
}

export interface BundleResult {
  outfile: string;
  bytes: number;
  metafile?: Metafile;
}

export async function bundleCollector(options: BundleOptions = {}): Promise<BundleResult> {
  const outfile = resolve(options.outfile ?? defaultOutfile);
  const version = (
    JSON.parse(readFileSync(resolve(collectorDir, "package.json"), "utf8")) as { version: string }
  ).version;
  const result = await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: options.minify ?? true,
    legalComments: "none",
    metafile: options.metafile ?? false,
    logLevel: "warning",
    plugins: [zodEnglishOnly()],
    // Modules that run themselves when started directly (`if (import.meta.main)`, e.g. the sim
    // command) must not do so inside the bundle, whose one entry point is the CLI.
    define: { "import.meta.main": "false" },
    // The source's `#!/usr/bin/env node` is kept by esbuild; this goes after it.
    banner: {
      js: [
        `// ICE ${version}, the Device Portal collector. Run: node ice.mjs --help`,
        `import{createRequire as __iceCreateRequire}from"node:module";const require=__iceCreateRequire(import.meta.url);`,
      ].join("\n"),
    },
  });
  return {
    outfile,
    bytes: statSync(outfile).size,
    ...(result.metafile ? { metafile: result.metafile } : {}),
  };
}

/**
 * zod re-exports every locale (`z.locales`), so a bundler keeps them all, although zod itself
 * only ever uses `en` (the default error messages) unless a program calls
 * `z.config(z.locales.xx())`, which this project does not. The bundle gets a locales index
 * with `en` alone.
 */
export function zodEnglishOnly(): Plugin {
  return {
    name: "zod-english-only",
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
        contents: 'export { default as en } from "./en.js";\n',
        loader: "js",
        resolveDir: dirname(args.path),
      }));
    },
  };
}

function formatBytes(n: number): string {
  return `${n.toLocaleString("en-US")} bytes (${(n / 1024).toFixed(1)} KiB)`;
}

/** The largest inputs of a metafile, for when the bundle grows. */
function breakdown(metafile: Metafile, top = 15): string[] {
  const output = Object.values(metafile.outputs)[0];
  if (!output) return [];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? (m[1] as string) : path.replace(/^(\.\.\/)+/, "");
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `  ${String(v).padStart(9)}  ${k}`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      outfile: { type: "string" },
      "no-minify": { type: "boolean", default: false },
      breakdown: { type: "boolean", default: false },
    },
  });
  const result = await bundleCollector({
    ...(values.outfile !== undefined ? { outfile: values.outfile } : {}),
    minify: !values["no-minify"],
    metafile: values.breakdown,
  });
  const within = result.bytes < sizeLimitBytes;
  process.stdout.write(
    `${result.outfile}: ${formatBytes(result.bytes)}, ${within ? "under" : "OVER"} the 1 MiB limit (${formatBytes(sizeLimitBytes)})\n`,
  );
  if (result.metafile) process.stdout.write(`${breakdown(result.metafile).join("\n")}\n`);
  if (!within) process.exitCode = 1;
}
