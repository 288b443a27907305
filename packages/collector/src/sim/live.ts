/**
 * Live behaviour of a simulated printer, computed from the clock alone (no timers, no state):
 * pages printed since start drive the page counters and the supply levels; jams and paper-outs
 * come and go in fixed time slots drawn from a seeded hash. The same clock reading always gives
 * the same answers, so tests inject a clock and step it.
 *
 * What moves (everything else is served as recorded):
 * - sysUpTime.0 and hrSystemUptime.0 advance with the clock;
 * - prtMarkerLifeCount / prtMarkerPowerOnCount, the PWG Imaging Counter MIB impression and sheet
 *   tables (total, monochrome, full colour) and any `counterOids` subtree rise with the pages;
 * - prtMarkerSuppliesLevel falls for consumed supplies with a known capacity and jumps back to
 *   prtMarkerSuppliesMaxCapacity when a cartridge runs empty (replaced);
 * - during a jam or paper-out, hrPrinterDetectedErrorState gets the jammed / noPaper bit,
 *   hrPrinterStatus reads other(1) and hrDeviceStatus of the printer reads down(5).
 * Counters keep rising during a jam: the model is stateless on purpose.
 */
import { isPrefix, parseOid, type SnmpValue, Type } from "./ber.ts";
import type { Recording, SnmpRecord } from "./snmprec.ts";

export interface LiveOptions {
  /** Milliseconds, like Date.now (the default). The first reading is the start. */
  clock?: () => number;
  /** Pages printed per hour, default 60. */
  pagesPerHour?: number;
  /** Pages a full toner or ink supply lasts, default 5000 (drums, fusers etc. last 5 times longer). */
  pagesPerSupply?: number;
  /** Share of colour pages on a colour device, default 0.3 (0 on a device with only black colorants). */
  colorShare?: number;
  /** Expected jams per hour, default 0. */
  jamRate?: number;
  /** Expected paper-outs per hour, default 0. */
  paperOutRate?: number;
  /** How long a jam or paper-out lasts, in minutes, default 10. */
  eventMinutes?: number;
  /** Extra subtrees (e.g. a vendor's total counter) whose integer values rise with the pages. */
  counterOids?: string[];
}

type Role =
  | { kind: "uptime" }
  | { kind: "pages"; part: "total" | "mono" | "color" }
  | { kind: "supply"; max: number; color: boolean; lifeFactor: number }
  | { kind: "errorState" }
  | { kind: "printerStatus" }
  | { kind: "deviceStatus" };

const O = (s: string) => parseOid(s) as number[];
const UPTIMES = new Set(["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.25.1.1.0"]); // sysUpTime, hrSystemUptime
const HR_DEVICE_STATUS = O("1.3.6.1.2.1.25.3.2.1.5");
const HR_PRINTER_STATUS = O("1.3.6.1.2.1.25.3.5.1.1");
const HR_PRINTER_ERROR_STATE = O("1.3.6.1.2.1.25.3.5.1.2");
const PRT_MARKER_LIFE_COUNT = O("1.3.6.1.2.1.43.10.2.1.4");
const PRT_MARKER_POWER_ON_COUNT = O("1.3.6.1.2.1.43.10.2.1.5");
const SUPPLIES_ENTRY = O("1.3.6.1.2.1.43.11.1.1"); // .3 colorant index, .4 class, .5 type, .8 max, .9 level
const COLORANT_VALUE = O("1.3.6.1.2.1.43.12.1.1.4");
// PWG Imaging Counter MIB (PWG 5106.1): icImpressionTable and icSheetTable columns.
const PWG_COUNTER_TABLES = [O("1.3.6.1.4.1.2699.1.3.1.8.1.1"), O("1.3.6.1.4.1.2699.1.3.1.10.1.1")];
const PWG_COLUMNS: Record<number, "total" | "mono" | "color"> = { 4: "total", 5: "mono", 7: "color" };

// prtMarkerSuppliesType values that run out with every page: toner, ink, inkCartridge, tonerCartridge.
const FAST_SUPPLIES = new Set([3, 5, 6, 21]);
const SUPPLY_RECEPTACLE = 4; // prtMarkerSuppliesClass receptacleThatIsFilled (waste toner…): left alone

const NO_PAPER = 0x40; // hrPrinterDetectedErrorState bit 1
const JAMMED = 0x04; // bit 5

interface Roles {
  byIndex: Map<number, Role>;
  isColor: boolean;
}

// Roles depend only on the recording: computed once and shared by all agents serving it.
const rolesCache = new WeakMap<Recording, WeakMap<object, Roles>>();

function intValue(r: SnmpRecord | undefined): number | undefined {
  return r && typeof r.value === "number" ? r.value : undefined;
}

function computeRoles(recording: Recording, counterOids: number[][]): Roles {
  const byIndex = new Map<number, Role>();
  const byOid = new Map<string, SnmpRecord>();
  for (const r of recording.records) byOid.set(r.oid, r);
  const column = (col: number[], index: number[]) => byOid.get([...col, ...index].join("."));
  const colorantIsBlack = (index: number[]): boolean | undefined => {
    const v = column(COLORANT_VALUE, index)?.value;
    return Buffer.isBuffer(v) && v.length > 0 ? /black|^k$/i.test(v.toString("latin1")) : undefined;
  };
  let isColor = false;
  for (const r of recording.records) {
    if (isPrefix(COLORANT_VALUE, r.arcs) && colorantIsBlack(r.arcs.slice(COLORANT_VALUE.length)) === false) {
      isColor = true;
    }
  }
  const printerIndexes = new Set<number>();
  recording.records.forEach((r, i) => {
    const a = r.arcs;
    const isInt = typeof r.value === "number" || typeof r.value === "bigint";
    if (isPrefix(HR_PRINTER_STATUS, a) && a.length === HR_PRINTER_STATUS.length + 1) {
      printerIndexes.add(a[a.length - 1] as number);
    }
    if (UPTIMES.has(r.oid) && r.type === Type.TimeTicks) {
      byIndex.set(i, { kind: "uptime" });
    } else if (isInt && (isPrefix(PRT_MARKER_LIFE_COUNT, a) || isPrefix(PRT_MARKER_POWER_ON_COUNT, a))) {
      byIndex.set(i, { kind: "pages", part: "total" });
    } else if (isInt && counterOids.some((p) => isPrefix(p, a))) {
      byIndex.set(i, { kind: "pages", part: "total" });
    } else if (isInt && PWG_COUNTER_TABLES.some((t) => isPrefix(t, a))) {
      const part = PWG_COLUMNS[a[PWG_COUNTER_TABLES[0]?.length ?? 0] as number];
      if (part) byIndex.set(i, { kind: "pages", part });
      if (part === "color" && (intValue(r) ?? 0) > 0) isColor = true;
    } else if (isPrefix([...SUPPLIES_ENTRY, 9], a) && typeof r.value === "number") {
      const index = a.slice(SUPPLIES_ENTRY.length + 1);
      const max = intValue(column([...SUPPLIES_ENTRY, 8], index));
      const type = intValue(column([...SUPPLIES_ENTRY, 5], index));
      const cls = intValue(column([...SUPPLIES_ENTRY, 4], index));
      const colorant = intValue(column([...SUPPLIES_ENTRY, 3], index));
      // Negative levels are "other / unknown / some remaining": nothing to count down.
      if (max !== undefined && max > 0 && r.value >= 0 && cls !== SUPPLY_RECEPTACLE) {
        const black = colorant ? colorantIsBlack([index[0] ?? 1, colorant]) : undefined;
        byIndex.set(i, {
          kind: "supply",
          max,
          color: black === false,
          lifeFactor: type === undefined || FAST_SUPPLIES.has(type) ? 1 : 5,
        });
      }
    } else if (isPrefix(HR_PRINTER_ERROR_STATE, a) && Buffer.isBuffer(r.value)) {
      byIndex.set(i, { kind: "errorState" });
    } else if (isPrefix(HR_PRINTER_STATUS, a) && isInt) {
      byIndex.set(i, { kind: "printerStatus" });
    }
  });
  // hrDeviceStatus only of the hrDevice rows that are printers.
  recording.records.forEach((r, i) => {
    const a = r.arcs;
    if (isPrefix(HR_DEVICE_STATUS, a) && a.length === HR_DEVICE_STATUS.length + 1) {
      if (printerIndexes.has(a[a.length - 1] as number)) byIndex.set(i, { kind: "deviceStatus" });
    }
  });
  return { byIndex, isColor };
}

/** 32-bit hash of (seed, slot, salt) → [0, 1). */
function unitHash(seed: number, slot: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(slot + 0x632be5ab, 0xc2b2ae35) ^ salt;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

export interface LiveState {
  /** Pages printed since start. */
  pages: number;
  colorPages: number;
  jammed: boolean;
  paperOut: boolean;
  /** Centiseconds since start. */
  ticks: number;
}

/** One simulated printer's live model. `seed` makes printers of one recording differ in events. */
export class LiveModel {
  readonly options: LiveOptions;
  readonly seed: number;
  readonly start: number;
  private readonly clock: () => number;
  private readonly roles: Roles;

  constructor(recording: Recording, options: LiveOptions = {}, seed = 0) {
    this.options = options;
    this.seed = seed;
    this.clock = options.clock ?? Date.now;
    this.start = this.clock();
    const perOptions = rolesCache.get(recording) ?? new WeakMap<object, Roles>();
    rolesCache.set(recording, perOptions);
    let roles = perOptions.get(options);
    if (!roles) {
      roles = computeRoles(
        recording,
        (options.counterOids ?? []).map((s) => parseOid(s) ?? []),
      );
      perOptions.set(options, roles);
    }
    this.roles = roles;
  }

  state(now = this.clock()): LiveState {
    const o = this.options;
    const ms = Math.max(0, now - this.start);
    const pages = Math.floor(((o.pagesPerHour ?? 60) * ms) / 3_600_000);
    const share = o.colorShare ?? 0.3;
    const colorPages = this.roles.isColor ? Math.floor(pages * share) : 0;
    const slotMs = (o.eventMinutes ?? 10) * 60_000;
    const slot = Math.floor(ms / slotMs);
    const perSlot = (rate: number | undefined) => ((rate ?? 0) * slotMs) / 3_600_000;
    return {
      pages,
      colorPages,
      jammed: unitHash(this.seed, slot, 1) < perSlot(o.jamRate),
      paperOut: unitHash(this.seed, slot, 2) < perSlot(o.paperOutRate),
      ticks: Math.floor(ms / 10),
    };
  }

  /** The live value of record `index`, or undefined when it is served as recorded. */
  value(index: number, record: SnmpRecord, state: LiveState): SnmpValue | undefined {
    const role = this.roles.byIndex.get(index);
    if (!role) return undefined;
    const v = record.value;
    switch (role.kind) {
      case "uptime":
        return (Number(v) + state.ticks) % 2 ** 32;
      case "pages": {
        const add =
          role.part === "total"
            ? state.pages
            : role.part === "color"
              ? state.colorPages
              : state.pages - state.colorPages;
        if (typeof v === "bigint" || record.type === Type.Counter64) return BigInt(v as number) + BigInt(add);
        const sum = (v as number) + add;
        // Counter32 wraps; an Integer32 counter saturates rather than turning negative.
        return record.type === Type.Integer32 ? Math.min(sum, 2 ** 31 - 1) : sum % 2 ** 32;
      }
      case "supply": {
        const life = (this.options.pagesPerSupply ?? 5000) * role.lifeFactor;
        const drive = role.color ? state.colorPages : state.pages;
        const used = role.max - (v as number) + (drive * role.max) / life;
        // Empty → replaced by a full one.
        return Math.floor(role.max - (used % role.max));
      }
      case "errorState": {
        if (!state.jammed && !state.paperOut) return undefined;
        const bytes = Buffer.from(v as Buffer);
        const out = bytes.length > 0 ? bytes : Buffer.alloc(1);
        out[0] = (out[0] as number) | (state.jammed ? JAMMED : 0) | (state.paperOut ? NO_PAPER : 0);
        return out;
      }
      case "printerStatus":
        return state.jammed || state.paperOut ? 1 : undefined;
      case "deviceStatus":
        return state.jammed || state.paperOut ? 5 : undefined;
    }
  }
}
