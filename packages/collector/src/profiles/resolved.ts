import type { IdentityField, MatchEntry, ProfileFile, ValueSpec, VendorSupplySpec } from "./schema.ts";

/** A profile with its inheritance applied: every field lists the child's alternatives first. */
export interface ResolvedProfile {
  name: string;
  /** Abstract profiles (file name starting with `_`) are only inherited. */
  abstract: boolean;
  match: MatchEntry[];
  /** Compiled `sysDescr` patterns, index-aligned with `match`. */
  matchPatterns: Array<RegExp | undefined>;
  vendor: string | undefined;
  printer: boolean;
  counterUnit: ProfileFile["counterUnit"];
  identity: Record<IdentityField, ValueSpec[]>;
  counters: Map<string, ValueSpec[]>;
  supplies: VendorSupplySpec[];
  /** This profile and its ancestors, nearest first. */
  lineage: string[];
}

/** The JSON form of resolved profiles (profiles/compiled.json): patterns as text, maps as objects. */
export interface CompiledProfile extends Omit<ResolvedProfile, "matchPatterns" | "counters"> {
  counters: Record<string, ValueSpec[]>;
}

export function toCompiled(profiles: readonly ResolvedProfile[]): CompiledProfile[] {
  return profiles.map(({ matchPatterns: _patterns, counters, ...rest }) => ({
    ...rest,
    counters: Object.fromEntries(counters),
  }));
}

export function fromCompiled(compiled: readonly CompiledProfile[]): ResolvedProfile[] {
  return compiled.map((p) => ({
    ...p,
    matchPatterns: p.match.map((m) => (m.sysDescr === undefined ? undefined : new RegExp(m.sysDescr, "i"))),
    counters: new Map(Object.entries(p.counters)),
  }));
}
