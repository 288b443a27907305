import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { areas, languages, pickLanguage } from "./languages.ts";

const dir = import.meta.dirname;

/** Every leaf key as a dotted path, with i18next plural suffixes kept (they differ per language only in ar/ru...). */
function keys(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function load(language: string, area: string): unknown {
  return JSON.parse(readFileSync(join(dir, language, `${area}.json`), "utf8"));
}

test("every language has a catalogue for every area and nothing else", () => {
  for (const language of languages) {
    const files = readdirSync(join(dir, language)).sort();
    assert.deepEqual(files, areas.map((a) => `${a}.json`).sort(), `catalogues of ${language}`);
  }
});

for (const area of areas) {
  test(`${area}: German and English have the same keys`, () => {
    const en = keys(load("en", area)).sort();
    const de = keys(load("de", area)).sort();
    assert.deepEqual(
      de.filter((k) => !en.includes(k)),
      [],
      "keys only in German",
    );
    assert.deepEqual(
      en.filter((k) => !de.includes(k)),
      [],
      "keys only in English",
    );
  });

  test(`${area}: no empty texts and the same placeholders in both languages`, () => {
    const en = load("en", area);
    const de = load("de", area);
    for (const key of keys(en)) {
      const enText = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], en);
      const deText = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], de);
      assert.equal(typeof enText, "string", `en ${area}:${key}`);
      assert.ok((enText as string).trim().length > 0, `en ${area}:${key} is empty`);
      assert.ok(typeof deText === "string" && deText.trim().length > 0, `de ${area}:${key} is empty`);
      const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();
      assert.deepEqual(
        placeholders(deText as string),
        placeholders(enText as string),
        `placeholders of ${area}:${key}`,
      );
    }
  });
}

test("the language is the user's choice, else the browser's, else English", () => {
  assert.equal(pickLanguage("de", ["en-US"]), "de");
  assert.equal(pickLanguage(null, ["fr-FR", "de-AT", "en"]), "de");
  assert.equal(pickLanguage("xx", ["en-GB"]), "en");
  assert.equal(pickLanguage(undefined, ["fr", "es"]), "en");
  assert.equal(pickLanguage(null, []), "en");
});
