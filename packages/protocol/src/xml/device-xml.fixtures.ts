import {
  counterUnits,
  type DeviceRecord,
  deviceStates,
  knownCounterNames,
  printerErrorNames,
  printerStates,
  supplyStates,
  supplyTypes,
} from "../device-record.ts";

/** Records for the XML tests. `fullRecord` sets every optional field (a test checks that). */

export const fullRecord: DeviceRecord = {
  ip: "192.0.2.17",
  vendor: "Kyocera",
  model: "1234",
  serial: "00123",
  mac: "00:17:c8:4a:0b:9e",
  name: "KM-<Empfang> & \"Büro\" 'A'",
  location: "Büro 2. OG, Raum 2.14 — Nähe Küche",
  firmware: "2S0_2000.005.012",
  sysObjectId: "1.3.6.1.4.1.1347.41",
  sysDescr: "KYOCERA Document Solutions Printing System\nECOSYS M6630cidn",
  uptimeSeconds: 1_234_567,
  counters: {
    total: 9_007_199_254_740_991,
    mono: 812_345,
    color: 40_211,
    print: 700_000,
    copy: 150_000,
    scan: 22_113,
    fax: 0,
    duplex: 301_277,
    scanCopy: 17,
  },
  counterUnit: "impressions",
  supplies: [
    {
      index: "1.1",
      type: "toner",
      class: "consumed",
      color: "black",
      description: "TK-5240K Toner Black",
      partNumber: "1T02R70NL0",
      levelPercent: 37.5,
      state: "ok",
      level: 3750,
      maxCapacity: 10_000,
      unit: "impressions",
    },
    {
      index: "1.2",
      type: "toner",
      class: "consumed",
      color: "cyan",
      description: "TK-5240C Toner Cyan",
      partNumber: "1T02R7CNL0",
      levelPercent: 8,
      state: "low",
      level: 240,
      maxCapacity: 3000,
      unit: "impressions",
    },
    {
      index: "1.5",
      type: "waste",
      class: "receptacle",
      description: "Waste Toner Box",
      levelPercent: null,
      state: "unknown",
    },
  ],
  status: { device: "warning", printer: "idle", errors: ["lowToner", "doorOpen"] },
  alerts: [
    {
      severity: "warning",
      group: "markerSupplies",
      code: "markerTonerAlmostEmpty",
      description: "Toner cyan fast leer",
      time: "2026-11-20T08:15:00.000Z",
    },
    { severity: "critical", group: "cover", code: "coverOpen", description: "Front cover open" },
  ],
};

/** Every optional field absent, every list empty. */
export const minimalRecord: DeviceRecord = {
  ip: "192.0.2.18",
  counters: {},
  supplies: [],
  status: { errors: [] },
  alerts: [],
};

// --- Seeded random records -------------------------------------------------------------------

/** A small seeded PRNG, so random round trips are repeatable. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random valid record: every optional field present or not, tricky text, big numbers. */
export function randomRecord(random: () => number): DeviceRecord {
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(values: readonly T[]): T => values[int(values.length)] as T;
  const maybe = <T>(make: () => T): T | undefined => (random() < 0.5 ? make() : undefined);
  const alphabet = [
    "a",
    "Z",
    "0",
    "7",
    " ",
    "<",
    ">",
    "&",
    '"',
    "'",
    "\t",
    "\n",
    "\r",
    "ü",
    "€",
    "😀",
    ";",
    "#",
    "]",
  ];
  const text = () => Array.from({ length: int(12) }, () => pick(alphabet)).join("");
  const count = () => pick([0, 1, int(1000), int(2 ** 31), Number.MAX_SAFE_INTEGER - int(10)]);
  const record: Record<string, unknown> = { ip: `10.0.${int(256)}.${int(256)}` };
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };
  for (const key of [
    "vendor",
    "model",
    "serial",
    "name",
    "location",
    "firmware",
    "sysObjectId",
    "sysDescr",
  ]) {
    set(record, key, maybe(text));
  }
  set(
    record,
    "mac",
    maybe(() => Array.from({ length: 6 }, () => int(256).toString(16).padStart(2, "0")).join(":")),
  );
  set(record, "uptimeSeconds", maybe(count));
  const counters: Record<string, number> = {};
  for (let i = int(6); i > 0; i--) counters[random() < 0.7 ? pick(knownCounterNames) : text()] = count();
  record.counters = counters;
  set(
    record,
    "counterUnit",
    maybe(() => pick(counterUnits)),
  );
  record.supplies = Array.from({ length: int(4) }, () => {
    const s: Record<string, unknown> = {
      type: pick(supplyTypes),
      state: pick(supplyStates),
      levelPercent: pick([null, 0, 100, int(101), int(10000) / 100, random() * 100]),
    };
    set(
      s,
      "index",
      maybe(() => `1.${int(9)}`),
    );
    set(
      s,
      "class",
      maybe(() => pick(["consumed", "receptacle"] as const)),
    );
    set(
      s,
      "color",
      maybe(() => `c${text()}`),
    );
    set(s, "description", maybe(text));
    set(s, "partNumber", maybe(text));
    set(s, "level", maybe(count));
    set(
      s,
      "maxCapacity",
      maybe(() => Math.max(1, count())),
    );
    set(s, "unit", maybe(text));
    return s;
  });
  const status: Record<string, unknown> = {
    errors: Array.from({ length: int(3) }, () => pick(printerErrorNames)),
  };
  set(
    status,
    "device",
    maybe(() => pick(deviceStates)),
  );
  set(
    status,
    "printer",
    maybe(() => pick(printerStates)),
  );
  record.status = status;
  record.alerts = Array.from({ length: int(3) }, () => {
    const a: Record<string, unknown> = { severity: text() };
    for (const key of ["group", "code", "description", "time"]) set(a, key, maybe(text));
    return a;
  });
  return record as DeviceRecord;
}
