import { fileURLToPath } from "node:url";
import compiled from "../../profiles/compiled.json" with { type: "json" };
import { type CompiledProfile, fromCompiled, type ResolvedProfile } from "./resolved.ts";

/**
 * The profiles the collector runs with: `profiles/compiled.json`, made from the YAML files by
 * `npm run build:profiles` (a test fails when it is stale). Loading JSON keeps YAML parsing and
 * schema validation out of every start of `ice`, and lets a bundler inline the catalog.
 * `loadProfilesFrom` reads a folder of YAML profiles instead (a person's own, validated).
 */
export const compiledProfilesFile = fileURLToPath(new URL("../../profiles/compiled.json", import.meta.url));

let cached: ResolvedProfile[] | undefined;

export function loadProfiles(): ResolvedProfile[] {
  cached ??= fromCompiled(compiled as unknown as CompiledProfile[]);
  return cached;
}

/** YAML profiles from a folder, validated; loads the YAML parser and the schema on demand. */
export async function loadProfilesFrom(dir: string): Promise<ResolvedProfile[]> {
  const { loadProfileDir } = await import("./load.ts");
  return loadProfileDir(dir);
}
