import type { Supply, SupplyState, SupplyType } from "@device-portal/protocol";
import { asNumber, asText, type SnmpValue } from "../snmp/value.ts";
import type { TableRow } from "./table.ts";

/** prtMarkerSuppliesType (Printer-MIB) → our supply type. */
const typeByCode: Record<number, SupplyType> = {
  3: "toner",
  4: "waste",
  5: "ink",
  6: "ink",
  7: "ink",
  8: "waste",
  9: "drum",
  10: "developer",
  11: "fuser",
  12: "ink",
  13: "other",
  14: "waste",
  15: "fuser",
  16: "other",
  17: "fuser",
  18: "maintenance",
  19: "fuser",
  20: "transfer",
  21: "toner",
  22: "fuser",
  24: "waste",
  26: "waste",
  29: "staples",
  32: "staples",
  35: "toner",
  36: "ink",
};

/** prtMarkerSuppliesSupplyUnit (PrtMarkerSuppliesSupplyUnitTC). */
const unitByCode: Record<number, string> = {
  1: "other",
  2: "unknown",
  3: "tenThousandthsOfInches",
  4: "micrometers",
  7: "impressions",
  8: "sheets",
  11: "hours",
  12: "thousandthsOfOunces",
  13: "tenthsOfGrams",
  14: "hundrethsOfFluidOunces",
  15: "tenthsOfMilliliters",
  16: "feet",
  17: "meters",
  18: "items",
  19: "percent",
};

const percentUnit = 19;
const consumedClass = 3;
const receptacleClass = 4;

/** Words in a description that tell the type when the device says "other" or "unknown". */
const typeWords: Array<[RegExp, SupplyType]> = [
  [/waste|collect|resid/i, "waste"],
  [/drum|\bopc\b|photo ?conductor|imaging unit|image unit|\bpcu\b/i, "drum"],
  [/developer/i, "developer"],
  [/fuser|fixing/i, "fuser"],
  [/transfer|\bbelt\b|\bitb\b|\bitu\b/i, "transfer"],
  [/staple/i, "staples"],
  [/toner/i, "toner"],
  [/\bink\b|cartridge/i, "ink"],
  [/maint|kit|roller|cleaning|feed/i, "maintenance"],
];

const colorWords = [
  "light cyan",
  "light magenta",
  "light black",
  "photo black",
  "matte black",
  "black",
  "cyan",
  "magenta",
  "yellow",
  "red",
  "blue",
  "green",
  "gray",
  "grey",
  "orange",
  "violet",
  "white",
  "clear",
];

const colorPatterns = colorWords.map((word) => [word, new RegExp(`\\b${word}\\b`)] as const);

/** Lower-case colour name from a colorant value or a description; undefined when none is named. */
export function colorFromText(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const lower = text.toLowerCase();
  const found = colorPatterns.find(([, re]) => re.test(lower))?.[0];
  return found === "grey" ? "gray" : found;
}

/** An order number in the description ("Black Cartridge HP CF217A" → CF217A, "TK-5195K"). */
export function partNumberFromDescription(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const tokens = description.split(/[\s,;()[\]/]+/).filter((t) => /^[A-Z0-9][A-Z0-9-]{3,17}$/.test(t));
  const candidates = tokens.filter((t) => /\d/.test(t) && /[A-Z]/.test(t) && /\d.*\d|\d{2,}/.test(t));
  return candidates.at(-1);
}

/**
 * Level and state from prtMarkerSuppliesLevel / MaxCapacity. Negative values are the MIB's
 * sentinels: -1 other (no restriction), -2 unknown, -3 "some remaining". They never become a
 * made-up percentage.
 */
export function supplyLevel(
  level: number | undefined,
  max: number | undefined,
  unit: number | undefined,
): { levelPercent: number | null; state: SupplyState } {
  if (level === undefined) return { levelPercent: null, state: "unknown" };
  if (level === -3) return { levelPercent: null, state: "ok" };
  if (level < 0) return { levelPercent: null, state: "unknown" };
  let percent: number | null = null;
  if (max !== undefined && max > 0 && level <= max) percent = Math.round((level / max) * 100);
  else if (unit === percentUnit && level <= 100) percent = level;
  if (percent === null) {
    // Without a capacity the level is in units we cannot scale: no percentage, but some or none.
    const absurd = (max !== undefined && max > 0 && level > max) || (unit === percentUnit && level > 100);
    return { levelPercent: null, state: absurd ? "unknown" : level === 0 ? "empty" : "ok" };
  }
  return { levelPercent: percent, state: stateFromPercent(percent) };
}

export function stateFromPercent(percent: number): SupplyState {
  if (percent <= 0) return "empty";
  if (percent <= 10) return "low";
  return "ok";
}

/**
 * One prtMarkerSuppliesEntry row (columns: 3 colorant index, 4 class, 5 type, 6 description,
 * 7 unit, 8 max capacity, 9 level) → a Supply. `colorants` maps "device.colorantIndex" to its
 * prtMarkerColorantValue.
 */
export function decodeSupplyRow(
  index: string,
  row: TableRow,
  colorants: ReadonlyMap<string, SnmpValue>,
): Supply | undefined {
  const description = asText(row.get(6));
  const typeCode = asNumber(row.get(5));
  const level = asNumber(row.get(9));
  const max = asNumber(row.get(8));
  const unitCode = asNumber(row.get(7));
  if (description === undefined && typeCode === undefined && level === undefined) return undefined;

  const type =
    (typeCode !== undefined ? typeByCode[typeCode] : undefined) ?? typeFromDescription(description);
  const device = index.split(".")[0];
  const colorantIndex = asNumber(row.get(3));
  const colorant =
    colorantIndex !== undefined && colorantIndex > 0
      ? asText(colorants.get(`${device}.${colorantIndex}`))
      : undefined;
  const color = colorFromText(colorant) ?? colorFromText(description);
  const { levelPercent, state } = supplyLevel(level, max, unitCode);

  const supplyClass = asNumber(row.get(4));
  const partNumber = partNumberFromDescription(description);
  const unit = unitCode !== undefined ? unitByCode[unitCode] : undefined;
  // Built in the documented field order, so every record reads the same.
  const supply: Supply = {
    index,
    type,
    ...(supplyClass === consumedClass && { class: "consumed" as const }),
    ...(supplyClass === receptacleClass && { class: "receptacle" as const }),
    ...(color && { color }),
    ...(description && { description }),
    ...(partNumber && { partNumber }),
    levelPercent,
    state,
    ...(level !== undefined && level >= 0 && { level }),
    ...(max !== undefined && max > 0 && { maxCapacity: max }),
    ...(unit && { unit }),
  };
  return supply;
}

function typeFromDescription(description: string | undefined): SupplyType {
  if (!description) return "other";
  return typeWords.find(([re]) => re.test(description))?.[1] ?? "other";
}
