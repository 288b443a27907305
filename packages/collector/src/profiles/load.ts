import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { load as parseYaml } from "js-yaml";
import type { ResolvedProfile } from "./resolved.ts";
import {
  type IdentityField,
  identityFields,
  type ProfileFile,
  profileFileSchema,
  type ValueSpec,
} from "./schema.ts";

export type { ResolvedProfile } from "./resolved.ts";

/*
 * The authoring path: YAML files, validated with zod and resolved. The collector itself loads
 * the compiled catalog (catalog.ts), which needs neither YAML nor zod at start-up.
 */

export class ProfileError extends Error {
  override name = "ProfileError";
}

export const defaultProfilesDir = fileURLToPath(new URL("../../profiles/", import.meta.url));

/** Reads, validates and resolves every `*.yaml` profile in a folder. Throws ProfileError naming the file. */
export function loadProfileDir(dir: string = defaultProfilesDir): ResolvedProfile[] {
  const files = new Map<string, ProfileFile>();
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith(".yaml") && !entry.endsWith(".yml")) continue;
    const name = basename(entry).replace(/\.ya?ml$/, "");
    files.set(name, parseProfile(readFileSync(join(dir, entry), "utf8"), entry));
  }
  return resolveProfiles(files);
}

export function parseProfile(text: string, label: string): ProfileFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ProfileError(`${label}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = profileFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(top)";
    throw new ProfileError(`${label}: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function resolveProfiles(files: Map<string, ProfileFile>): ResolvedProfile[] {
  const resolved = new Map<string, ResolvedProfile>();
  const resolving = new Set<string>();

  const resolve = (name: string, from: string): ResolvedProfile => {
    const done = resolved.get(name);
    if (done) return done;
    const file = files.get(name);
    if (!file) throw new ProfileError(`${from}: extends unknown profile "${name}"`);
    if (resolving.has(name)) throw new ProfileError(`${name}: inheritance cycle`);
    resolving.add(name);
    const parents = (file.extends ?? []).map((p) => resolve(p, name));
    resolving.delete(name);
    const profile = merge(name, file, parents);
    resolved.set(name, profile);
    return profile;
  };

  for (const name of files.keys()) resolve(name, name);
  return [...resolved.values()];
}

function merge(name: string, file: ProfileFile, parents: ResolvedProfile[]): ResolvedProfile {
  const identity = {} as Record<IdentityField, ValueSpec[]>;
  for (const field of identityFields) {
    identity[field] = [...(file[field] ?? []), ...parents.flatMap((p) => p.identity[field])];
  }
  const counters = new Map<string, ValueSpec[]>();
  for (const [counter, specs] of Object.entries(file.counters ?? {})) counters.set(counter, [...specs]);
  for (const parent of parents) {
    for (const [counter, specs] of parent.counters) {
      counters.set(counter, [...(counters.get(counter) ?? []), ...specs]);
    }
  }
  const match = file.match ?? [];
  return {
    name,
    abstract: name.startsWith("_"),
    match,
    matchPatterns: match.map((m) => compilePattern(m.sysDescr, name)),
    vendor: file.vendor ?? parents.find((p) => p.vendor)?.vendor,
    printer: file.printer ?? parents.some((p) => p.printer),
    counterUnit: file.counterUnit ?? parents.find((p) => p.counterUnit)?.counterUnit,
    identity,
    counters,
    // A vendor's supply list describes its whole blob layout: the nearest one wins.
    supplies: file.supplies ?? parents.find((p) => p.supplies.length > 0)?.supplies ?? [],
    lineage: [name, ...parents.flatMap((p) => p.lineage)],
  };
}

function compilePattern(pattern: string | undefined, profile: string): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern, "i");
  } catch (err) {
    throw new ProfileError(`${profile}: bad sysDescr pattern: ${(err as Error).message}`);
  }
}
