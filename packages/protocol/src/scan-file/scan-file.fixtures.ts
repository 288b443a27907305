import { readFileSync } from "node:fs";
import type { DeviceRecord, Supply } from "../device-record.ts";
import type { PrinterErrorName } from "../vocabulary.ts";
import { fullRecord, minimalRecord, mulberry32 } from "../xml/device-xml.fixtures.ts";
import type { ScanDevice, ScanFile } from "./scan-file.ts";

/** Scans for the scan-file tests. `fullScan` sets every optional field (a test checks that). */

export const fullScan: ScanFile = {
  scanId: "0b6f9a1e-3c2d-4f5a-9b8c-7d6e5f4a3b2c",
  kind: "discovery",
  startedAt: "2026-11-30T10:00:00.000Z",
  endedAt: "2026-11-30T10:02:41.512Z",
  settingsDigest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  collector: {
    id: "col_7Qm2xK9pLw",
    version: "1.4.0",
    hostname: "ice-01.example.<&>\"'",
    os: "linux 6.12.0 x64",
  },
  health: {
    version: "1.4.0",
    startedAt: "2026-11-28T06:00:00.000+01:00",
    lastDiscoveryAt: "2026-11-29T22:00:00.000Z",
    lastRefreshAt: "2026-11-30T09:40:00.000Z",
    lastScanDevices: 2,
    queuedScans: 1,
    errors: [
      "2026-11-30T09:40:03.120Z warn 192.0.2.40: no answer to sysObjectID after 2 tries",
      "upload failed: ECONNRESET <portal> & retry in 30 s\ttab",
    ],
  },
  ranges: [
    {
      target: "192.0.2.0/24",
      tried: 253,
      answeredPing: 41,
      answeredSnmp: 12,
      printers: 2,
      noPing: 212,
      noSnmp: 29,
      notPrinter: 10,
    },
    { target: "203.0.113.5", tried: 1, answeredSnmp: 0, printers: 0, noSnmp: 1, notPrinter: 0 },
  ],
  devices: [
    { credential: 0, device: fullRecord },
    { credential: 3, device: minimalRecord },
  ],
};

/** Every optional field absent, every list empty. */
export const minimalScan: ScanFile = {
  scanId: "5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  kind: "refresh",
  startedAt: "2026-11-30T10:20:00Z",
  endedAt: "2026-11-30T10:20:01Z",
  settingsDigest: "0".repeat(64),
  collector: { id: "c", version: "1", hostname: "", os: "" },
  health: { version: "1", startedAt: "2026-11-30T10:19:00Z", queuedScans: 0, errors: [] },
  ranges: [],
  devices: [],
};

/** The example document of docs/scan-file.md ("Scan document"), so the page stays true. */
export function documentedExample(): string {
  const page = readFileSync(new URL("../../../../docs/scan-file.md", import.meta.url), "utf8");
  const section = page.slice(page.indexOf("## Scan document"));
  const example = /```xml\n([\s\S]*?)```/.exec(section)?.[1];
  if (example === undefined) throw new Error("no XML example under 'Scan document' in docs/scan-file.md");
  return example;
}

// --- A realistic fleet ------------------------------------------------------------------------

interface SupplyTemplate {
  type: Supply["type"];
  class: "consumed" | "receptacle";
  color?: string;
  description: string;
  partNumber: string;
  maxCapacity?: number;
  unit: string;
}

interface Model {
  vendor: string;
  model: string;
  sysObjectId: string;
  sysDescr: (firmware: string) => string;
  firmware: (random: () => number) => string;
  oui: string;
  hostPrefix: string;
  serial: (random: () => number) => string;
  color: boolean;
  supplies: readonly SupplyTemplate[];
}

const digits = (random: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
const alnum = (random: () => number, n: number) =>
  Array.from({ length: n }, () => "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"[Math.floor(random() * 33)]).join("");

const toner = (
  color: string,
  description: string,
  partNumber: string,
  maxCapacity: number,
): SupplyTemplate => ({
  type: "toner",
  class: "consumed",
  color,
  description,
  partNumber,
  maxCapacity,
  unit: "impressions",
});

const models: readonly Model[] = [
  {
    vendor: "HP",
    model: "HP Color LaserJet MFP M479fdw",
    sysObjectId: "1.3.6.1.4.1.11.2.3.9.1",
    sysDescr: (fw) =>
      `HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24090012,CIDATE ${fw}`,
    firmware: (r) => `2024${digits(r, 4)}`,
    oui: "3c:52:82",
    hostPrefix: "NPI",
    serial: (r) => `CNB${alnum(r, 7)}`,
    color: true,
    supplies: [
      toner("black", "Black Cartridge HP W2030A", "W2030A", 2400),
      toner("cyan", "Cyan Cartridge HP W2031A", "W2031A", 2100),
      toner("magenta", "Magenta Cartridge HP W2033A", "W2033A", 2100),
      toner("yellow", "Yellow Cartridge HP W2032A", "W2032A", 2100),
      {
        type: "drum",
        class: "consumed",
        description: "Imaging Drum HP W1132A",
        partNumber: "W1132A",
        maxCapacity: 40000,
        unit: "impressions",
      },
    ],
  },
  {
    vendor: "HP",
    model: "HP LaserJet Enterprise M507",
    sysObjectId: "1.3.6.1.4.1.11.2.3.9.1",
    sysDescr: (fw) =>
      `HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM 2507252_${fw},CIDATE 06/18/2025`,
    firmware: (r) => `0${digits(r, 5)}`,
    oui: "a0:8c:fd",
    hostPrefix: "NPI",
    serial: (r) => `PHB${alnum(r, 7)}`,
    color: false,
    supplies: [
      toner("black", "Black Cartridge HP 89A CF289A", "CF289A", 5000),
      {
        type: "maintenance",
        class: "consumed",
        description: "Maintenance Kit 110V F2A68-67913",
        partNumber: "F2A68-67913",
        maxCapacity: 225000,
        unit: "impressions",
      },
      {
        type: "fuser",
        class: "consumed",
        description: "Fuser Kit",
        partNumber: "RM2-1256",
        maxCapacity: 225000,
        unit: "impressions",
      },
      {
        type: "transfer",
        class: "consumed",
        description: "Transfer Roller",
        partNumber: "RM2-5452",
        maxCapacity: 225000,
        unit: "impressions",
      },
    ],
  },
  {
    vendor: "Kyocera",
    model: "ECOSYS M6630cidn",
    sysObjectId: "1.3.6.1.4.1.1347.41",
    sysDescr: () => "KYOCERA Document Solutions Printing System",
    firmware: (r) => `2S0_2000.${digits(r, 3)}.${digits(r, 3)}`,
    oui: "00:17:c8",
    hostPrefix: "KM",
    serial: (r) => `VCF${digits(r, 7)}`,
    color: true,
    supplies: [
      toner("black", "TK-5240K", "1T02R70NL0", 4000),
      toner("cyan", "TK-5240C", "1T02R7CNL0", 3000),
      toner("magenta", "TK-5240M", "1T02R7BNL0", 3000),
      toner("yellow", "TK-5240Y", "1T02R7ANL0", 3000),
      {
        type: "waste",
        class: "receptacle",
        description: "Waste Toner Box",
        partNumber: "WT-5140",
        unit: "other",
      },
      {
        type: "maintenance",
        class: "consumed",
        description: "MK-5140 Maintenance Kit",
        partNumber: "1702NR8NL0",
        maxCapacity: 200000,
        unit: "impressions",
      },
    ],
  },
  {
    vendor: "Ricoh",
    model: "IM C3000",
    sysObjectId: "1.3.6.1.4.1.367.1.1",
    sysDescr: (fw) => `RICOH IM C3000 ${fw} / RICOH Network Printer C model / RICOH Network Scanner C model`,
    firmware: (r) => `1.${digits(r, 2)}`,
    oui: "00:26:73",
    hostPrefix: "RNP002673",
    serial: (r) => `3${digits(r, 2)}${alnum(r, 2)}${digits(r, 5)}`,
    color: true,
    supplies: [
      toner("black", "Black Toner", "842311", 33000),
      toner("cyan", "Cyan Toner", "842314", 18000),
      toner("magenta", "Magenta Toner", "842313", 18000),
      toner("yellow", "Yellow Toner", "842312", 18000),
      {
        type: "waste",
        class: "receptacle",
        description: "Waste Toner Bottle",
        partNumber: "D2426400",
        unit: "other",
      },
      {
        type: "drum",
        class: "consumed",
        color: "black",
        description: "Photo Conductor Unit Black",
        partNumber: "D2430120",
        maxCapacity: 120000,
        unit: "impressions",
      },
      {
        type: "transfer",
        class: "consumed",
        description: "Intermediate Transfer Belt",
        partNumber: "D2436030",
        maxCapacity: 200000,
        unit: "impressions",
      },
      {
        type: "fuser",
        class: "consumed",
        description: "Fusing Unit",
        partNumber: "D2424007",
        maxCapacity: 200000,
        unit: "impressions",
      },
    ],
  },
  {
    vendor: "Canon",
    model: "iR-ADV C5535",
    sysObjectId: "1.3.6.1.4.1.1602.4.7",
    sysDescr: () => "Canon iR-ADV C5535 /P",
    firmware: (r) => `${digits(r, 2)}.${digits(r, 2)}`,
    oui: "00:1e:8f",
    hostPrefix: "iR-ADV-",
    serial: (r) => `2UL${digits(r, 5)}`,
    color: true,
    supplies: [
      toner("black", "Black Toner C-EXV51", "0481C002", 69000),
      toner("cyan", "Cyan Toner C-EXV51", "0482C002", 60000),
      toner("magenta", "Magenta Toner C-EXV51", "0483C002", 60000),
      toner("yellow", "Yellow Toner C-EXV51", "0484C002", 60000),
      {
        type: "waste",
        class: "receptacle",
        description: "Waste Toner Container WT-B1",
        partNumber: "FM1-A606-000",
        unit: "other",
      },
    ],
  },
  {
    vendor: "Xerox",
    model: "VersaLink C405",
    sysObjectId: "1.3.6.1.4.1.253.8.62.1.28.2.6.4",
    sysDescr: (fw) =>
      `Xerox VersaLink C405; System ${fw}, ESS 3.3.0, IOT 2.30.0, ADF 2.2.0, Fax 41.29.2, SJFI3.3.0`,
    firmware: (r) => `61.${digits(r, 2)}.${digits(r, 2)}`,
    oui: "9c:93:4e",
    hostPrefix: "XRX9C934E",
    serial: (r) => `3${alnum(r, 2)}${digits(r, 6)}`,
    color: true,
    supplies: [
      toner("black", "Black Toner Cartridge", "106R03516", 5500),
      toner("cyan", "Cyan Toner Cartridge", "106R03518", 4800),
      toner("magenta", "Magenta Toner Cartridge", "106R03519", 4800),
      toner("yellow", "Yellow Toner Cartridge", "106R03517", 4800),
      {
        type: "drum",
        class: "consumed",
        description: "Drum Cartridge",
        partNumber: "108R01121",
        maxCapacity: 60000,
        unit: "impressions",
      },
      {
        type: "waste",
        class: "receptacle",
        description: "Waste Cartridge",
        partNumber: "108R01124",
        maxCapacity: 30000,
        unit: "impressions",
      },
    ],
  },
  {
    vendor: "Brother",
    model: "MFC-L6900DW",
    sysObjectId: "1.3.6.1.4.1.2435.2.3.9.1",
    sysDescr: (fw) => `Brother NC-8700w, Firmware Ver.${fw}  ,MID 8CE-G21,FID 2`,
    firmware: (r) => `${alnum(r, 1)} ,${digits(r, 2)}.${digits(r, 2)}`,
    oui: "30:05:5c",
    hostPrefix: "BRN30055C",
    serial: (r) => `E7${digits(r, 2)}${alnum(r, 1)}${digits(r, 6)}`,
    color: false,
    supplies: [
      toner("black", "Toner Cartridge TN-3480", "TN3480", 8000),
      {
        type: "drum",
        class: "consumed",
        description: "Drum Unit DR-3400",
        partNumber: "DR3400",
        maxCapacity: 50000,
        unit: "impressions",
      },
      {
        type: "fuser",
        class: "consumed",
        description: "Fuser Unit",
        partNumber: "LY6753001",
        maxCapacity: 200000,
        unit: "impressions",
      },
      {
        type: "maintenance",
        class: "consumed",
        description: "PF Kit MP",
        partNumber: "LY6755001",
        maxCapacity: 50000,
        unit: "impressions",
      },
      {
        type: "maintenance",
        class: "consumed",
        description: "PF Kit 1",
        partNumber: "LY6754001",
        maxCapacity: 100000,
        unit: "impressions",
      },
    ],
  },
  {
    vendor: "Konica Minolta",
    model: "bizhub C300i",
    sysObjectId: "1.3.6.1.4.1.18334.1.1.1.2.1.118.1.1",
    sysDescr: () => "KONICA MINOLTA bizhub C300i",
    firmware: (r) => `GC7-${digits(r, 2)}`,
    oui: "00:20:6b",
    hostPrefix: "KMBT",
    serial: (r) => `AA2J0${digits(r, 2)}${digits(r, 5)}`,
    color: true,
    supplies: [
      toner("black", "Toner (Black) TN328K", "AAV8150", 28000),
      toner("cyan", "Toner (Cyan) TN328C", "AAV8450", 28000),
      toner("magenta", "Toner (Magenta) TN328M", "AAV8350", 28000),
      toner("yellow", "Toner (Yellow) TN328Y", "AAV8250", 28000),
      {
        type: "drum",
        class: "consumed",
        description: "Drum Unit (Black) DR316K",
        partNumber: "AAJW0RD",
        maxCapacity: 225000,
        unit: "impressions",
      },
      {
        type: "developer",
        class: "consumed",
        description: "Developing Unit (Black) DV316K",
        partNumber: "AAJW0RD",
        maxCapacity: 600000,
        unit: "impressions",
      },
      {
        type: "waste",
        class: "receptacle",
        description: "Waste Toner Box WX-107",
        partNumber: "AAVAWY1",
        unit: "other",
      },
    ],
  },
];

const places = ["HQ Berlin", "Werk Hamburg", "Filiale München", "Lager Köln", "Office Vienna"];
const rooms = ["Empfang", "Buchhaltung", "Vertrieb", "IT", "Copy room", "Einkauf", "HR", "Labor", "Versand"];
const alertKinds: readonly {
  group: string;
  code: string;
  description: string;
  error?: PrinterErrorName;
  severity: string;
}[] = [
  {
    severity: "warning",
    group: "markerSupplies",
    code: "markerTonerAlmostEmpty",
    description: "Toner low",
    error: "lowToner",
  },
  {
    severity: "warning",
    group: "input",
    code: "inputMediaSupplyLow",
    description: "Tray 2 paper low",
    error: "lowPaper",
  },
  {
    severity: "critical",
    group: "input",
    code: "inputMediaSupplyEmpty",
    description: "Tray 1 empty",
    error: "noPaper",
  },
  {
    severity: "critical",
    group: "cover",
    code: "coverOpen",
    description: "Front cover open",
    error: "doorOpen",
  },
  {
    severity: "critical",
    group: "mediaPath",
    code: "jam",
    description: "Paper jam in fuser area",
    error: "jammed",
  },
  { severity: "warning", group: "generalPrinter", code: "other", description: "Sleep mode" },
  {
    severity: "warning",
    group: "output",
    code: "outputMediaTrayAlmostFull",
    description: "Output tray nearly full",
    error: "outputNearFull",
  },
];

/** A device as a real one reports it: counters, 4–8 supplies, status, a couple of alerts. */
export function realisticDevice(random: () => number, ip: string, now: number): DeviceRecord {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const m = pick(models);
  const macTail = Array.from({ length: 3 }, () => int(0, 255).toString(16).padStart(2, "0"));
  const mac = `${m.oui}:${macTail.join(":")}`;
  const firmware = m.firmware(random);

  const total = int(1_000, 2_500_000);
  const counters: Record<string, number> = { total };
  if (m.color) {
    const color = Math.floor(total * random() * 0.6);
    Object.assign(counters, { mono: total - color, color, printColor: Math.floor(color * 0.7) });
  }
  const copy = Math.floor(total * random() * 0.4);
  Object.assign(counters, { print: total - copy, copy, duplex: Math.floor(total * random() * 0.5) });
  if (random() < 0.7) counters.scan = int(0, 400_000);
  if (random() < 0.3) counters.fax = int(0, 20_000);

  const supplies: Supply[] = m.supplies.map((t, i) => {
    const supply: Supply = {
      index: `1.${i + 1}`,
      type: t.type,
      class: t.class,
      levelPercent: null,
      state: "unknown",
    };
    if (t.color) supply.color = t.color;
    Object.assign(supply, { description: t.description, partNumber: t.partNumber });
    if (t.maxCapacity === undefined) {
      supply.state = random() < 0.9 ? "ok" : "low";
    } else {
      const level = random() < 0.1 ? 0 : int(1, t.maxCapacity);
      const percent = Math.round((level / t.maxCapacity) * 1000) / 10;
      Object.assign(supply, {
        levelPercent: percent,
        state: level === 0 ? "empty" : percent < 10 ? "low" : "ok",
        level,
        maxCapacity: t.maxCapacity,
      });
    }
    supply.unit = t.unit;
    return supply;
  });

  const alerts = Array.from({ length: int(0, 3) }, () => {
    const a = pick(alertKinds);
    const time = new Date(now - int(60, 14 * 86_400) * 1000).toISOString();
    return {
      kind: a,
      alert: { severity: a.severity, group: a.group, code: a.code, description: a.description, time },
    };
  });
  const errors = [...new Set(alerts.flatMap(({ kind }) => (kind.error ? [kind.error] : [])))];
  const serial = m.serial(random);

  return {
    ip,
    vendor: m.vendor,
    model: m.model,
    serial,
    mac,
    name: `${m.hostPrefix}${macTail.join("").toUpperCase()}`,
    location: `${pick(places)}, ${int(0, 5)}. OG, ${pick(rooms)} ${int(1, 40)}`,
    firmware,
    sysObjectId: m.sysObjectId,
    sysDescr: m.sysDescr(firmware),
    uptimeSeconds: int(600, 90 * 86_400),
    counters,
    counterUnit: "impressions",
    supplies,
    status: {
      device: alerts.some(({ alert }) => alert.severity === "critical")
        ? "down"
        : alerts.length > 0
          ? "warning"
          : "running",
      printer: pick(["idle", "idle", "idle", "printing", "warmup"] as const),
      errors,
    },
    alerts: alerts.map(({ alert }) => alert),
  };
}

/** A discovery scan of one site with `count` printers (seeded, so the size is repeatable). */
export function realisticScan(count: number, seed = 0x5ca9): ScanFile {
  const random = mulberry32(seed);
  const now = Date.parse("2026-11-30T10:00:00.000Z");
  const devices: ScanDevice[] = [];
  for (let i = 0; devices.length < count; i++) {
    // Printers are scattered over the site's /22, a few addresses apart.
    const host = 10 + i * 3 + Math.floor(random() * 3);
    const ip = `10.20.${40 + Math.floor(host / 254)}.${1 + (host % 254)}`;
    devices.push({
      credential: random() < 0.8 ? 0 : Math.floor(random() * 4),
      device: realisticDevice(random, ip, now),
    });
  }
  const ranges = [40, 41, 42, 43].map((third) => ({
    target: `10.20.${third}.0/24`,
    tried: 254,
    answeredPing: 180,
    answeredSnmp: 120,
    printers: devices.filter((d) => d.device.ip.startsWith(`10.20.${third}.`)).length,
    noPing: 74,
    noSnmp: 60,
    notPrinter: 0,
  }));
  for (const r of ranges) r.notPrinter = r.answeredSnmp - r.printers;
  return {
    ...fullScan,
    scanId: "7e3f2a10-9c4b-4d8e-a1f2-3b4c5d6e7f80",
    ranges,
    devices,
    health: { ...fullScan.health, lastScanDevices: count },
  };
}
