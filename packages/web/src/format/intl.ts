/**
 * Dates and numbers in the user's language and time zone (the profile's, else the browser's).
 * Intl formatters are costly to create, so each combination is made once.
 */

export interface Formatter {
  locale: string;
  timeZone: string;
  number(value: number | null | undefined, options?: Intl.NumberFormatOptions): string;
  percent(fraction: number | null | undefined): string;
  date(value: string | Date | null | undefined): string;
  dateTime(value: string | Date | null | undefined): string;
  month(value: string | Date): string;
  /** "3 days ago", "in 2 hours". */
  relative(value: string | Date | null | undefined, now?: Date): string;
}

const dash = "–";
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f as T;
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether the runtime knows this IANA zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));

const steps: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

export function createFormatter(locale: string, timeZone: string): Formatter {
  const tz = isTimeZone(timeZone) ? timeZone : browserTimeZone();
  const number = (options?: Intl.NumberFormatOptions) =>
    cached(`n|${locale}|${JSON.stringify(options ?? {})}`, () => new Intl.NumberFormat(locale, options));
  const dateFormat = (kind: string, options: Intl.DateTimeFormatOptions) =>
    cached(`d|${locale}|${tz}|${kind}`, () => new Intl.DateTimeFormat(locale, { ...options, timeZone: tz }));
  return {
    locale,
    timeZone: tz,
    number: (value, options) =>
      value === null || value === undefined ? dash : number(options).format(value),
    percent: (fraction) =>
      fraction === null || fraction === undefined
        ? dash
        : number({ style: "percent", maximumFractionDigits: 0 }).format(fraction),
    date: (value) => (value ? dateFormat("date", { dateStyle: "medium" }).format(toDate(value)) : dash),
    dateTime: (value) =>
      value
        ? dateFormat("dateTime", { dateStyle: "medium", timeStyle: "short" }).format(toDate(value))
        : dash,
    month: (value) => dateFormat("month", { year: "numeric", month: "short" }).format(toDate(value)),
    relative: (value, now = new Date()) => {
      if (!value) return dash;
      const seconds = (toDate(value).getTime() - now.getTime()) / 1000;
      const rtf = cached(`r|${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: "auto" }));
      for (const [unit, size] of steps)
        if (Math.abs(seconds) >= size || unit === "second")
          return rtf.format(Math.round(seconds / size), unit);
      return dash;
    },
  };
}

/** `yyyy-mm-dd` of a date input as the start of that day in the user's zone, as an ISO instant. */
export function zonedDayStart(day: string, timeZone: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  // The zone's offset at that moment, from how Intl writes the instant there.
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(utcMidnight);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const shown = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return new Date(utcMidnight.getTime() - (shown - utcMidnight.getTime())).toISOString();
}
