import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { type Area, areas, isLanguage, type Language, languages, pickLanguage } from "./languages.ts";

// Every catalogue is small; bundling both languages keeps a language switch instant.
const files = import.meta.glob<Record<string, unknown>>("./*/*.json", { eager: true, import: "default" });

function resources() {
  const result: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const language of languages) {
    result[language] = {};
    for (const area of areas) {
      const catalogue = files[`./${language}/${area}.json`];
      if (catalogue) (result[language] as Record<string, unknown>)[area] = catalogue;
    }
  }
  return result;
}

const storageKey = "dp.language";

function storedChoice(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function initI18n(): typeof i18next {
  const language = pickLanguage(storedChoice(), navigator.languages ?? [navigator.language]);
  void i18next.use(initReactI18next).init({
    resources: resources(),
    lng: language,
    fallbackLng: "en",
    supportedLngs: [...languages],
    ns: [...areas],
    defaultNS: "common",
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = language;
  i18next.on("languageChanged", (lng) => {
    document.documentElement.lang = lng;
  });
  return i18next;
}

/** Switches the language and remembers it in this browser (the profile keeps it across browsers). */
export function changeLanguage(language: Language): void {
  try {
    localStorage.setItem(storageKey, language);
  } catch {}
  if (i18next.language !== language) void i18next.changeLanguage(language);
}

/** Applies the signed-in user's profile language when it differs from the one shown. */
export function applyProfileLanguage(locale: string | null | undefined): void {
  if (isLanguage(locale)) changeLanguage(locale);
}

export type { Area, Language };
