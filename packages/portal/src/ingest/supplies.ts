import type { Supply } from "@device-portal/protocol";

/** Supplies: one row per slot, its readings, and cartridge changes (docs/ingest.md, "Supplies"). */

/** A rise of this many percentage points between two readings of a slot is a new cartridge. */
export const changeRisePoints = 20;

export interface KeyedSupply {
  key: string;
  supply: Supply;
}

/**
 * The slot key: the Printer-MIB index when the device gives one, else type/colour/description.
 * Two supplies of a reading with the same key get "#2", "#3" so neither is lost.
 */
export function keyedSupplies(supplies: Supply[]): KeyedSupply[] {
  const seen = new Map<string, number>();
  return supplies.map((supply) => {
    const base = supply.index ?? `${supply.type}/${supply.color ?? ""}/${supply.description ?? ""}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { key: n === 1 ? base : `${base}#${n}`, supply };
  });
}

/** The slot's level rose enough to mean a fresh cartridge (a toner refilled by 20 % is one too). */
export function isCartridgeChange(before: number | null | undefined, after: number | null): boolean {
  return before !== null && before !== undefined && after !== null && after - before >= changeRisePoints;
}

/** How an alert message names a supply: its description, else colour and type. */
export function supplyLabel(supply: Supply): string {
  if (supply.description) return supply.description;
  return supply.color ? `${supply.color} ${supply.type}` : supply.type;
}

export interface SupplyAlert {
  kind: "supply-low" | "supply-empty";
  severity: "warning" | "critical";
  message: string;
}

/** One alert per kind and device, naming every supply in that state. */
export function supplyAlerts(supplies: Supply[]): SupplyAlert[] {
  const alerts: SupplyAlert[] = [];
  const empty = supplies.filter((s) => s.state === "empty").map(supplyLabel);
  const low = supplies.filter((s) => s.state === "low").map(supplyLabel);
  if (empty.length > 0)
    alerts.push({ kind: "supply-empty", severity: "critical", message: `Empty: ${empty.join(", ")}` });
  if (low.length > 0)
    alerts.push({ kind: "supply-low", severity: "warning", message: `Low: ${low.join(", ")}` });
  return alerts;
}

/** The slot reads as it did last time: no new point in its level history. */
export function sameLevel(
  last: { levelPercent: number | null; level: number | null; state: string },
  supply: Supply,
): boolean {
  return (
    last.levelPercent === supply.levelPercent &&
    last.level === (supply.level ?? null) &&
    last.state === supply.state
  );
}
