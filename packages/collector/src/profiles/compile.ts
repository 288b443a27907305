/**
 * `npm run build:profiles`: resolves the YAML profiles and writes profiles/compiled.json, the
 * catalog the collector loads at start-up.
 */
import { writeFileSync } from "node:fs";
import { compiledProfilesFile } from "./catalog.ts";
import { loadProfileDir } from "./load.ts";
import { toCompiled } from "./resolved.ts";

export function compiledJson(): string {
  return `${JSON.stringify(toCompiled(loadProfileDir()), null, 1)}\n`;
}

if (import.meta.main) {
  writeFileSync(compiledProfilesFile, compiledJson());
  process.stdout.write(`wrote ${compiledProfilesFile}\n`);
}
