import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { compiledProfilesFile, loadProfiles } from "./catalog.ts";
import { compiledJson } from "./compile.ts";
import { loadProfileDir } from "./load.ts";

test("profiles/compiled.json is up to date with the YAML profiles (else: npm run build:profiles)", () => {
  assert.equal(readFileSync(compiledProfilesFile, "utf8"), compiledJson());
});

test("the compiled catalog resolves to the same profiles as the YAML", () => {
  const fromYaml = loadProfileDir();
  const compiled = loadProfiles();
  assert.equal(compiled.length, fromYaml.length);
  for (const [i, p] of fromYaml.entries()) {
    const c = compiled[i];
    assert.ok(c);
    assert.deepEqual([...c.counters], [...p.counters], p.name);
    assert.deepEqual(c.identity, p.identity, p.name);
    assert.deepEqual(c.supplies, p.supplies, p.name);
    assert.deepEqual(c.matchPatterns.map(String), p.matchPatterns.map(String), p.name);
  }
});
