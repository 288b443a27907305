/** The languages the web app has catalogues for, and how the one to use is chosen. */
export const languages = ["en", "de"] as const;
export type Language = (typeof languages)[number];

export const areas = ["common", "auth", "dashboard", "devices", "collectors", "tenants", "audit"] as const;
export type Area = (typeof areas)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (languages as readonly string[]).includes(value);
}

/**
 * The user's choice (profile, or the switch before signing in), else the first browser language
 * we have, else English.
 */
export function pickLanguage(choice: string | null | undefined, browser: readonly string[]): Language {
  if (isLanguage(choice)) return choice;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}
