import type { Sql } from "../db/pool.ts";
import { forecastEmptyAt, forecastJoin } from "./forecast.ts";
import type { LowSupply, Supply, SupplyChange, SupplyReading } from "./schemas.ts";
import { lowSupplyPercent } from "./schemas.ts";

/** Rows as the supplies queries select them, and the one place they become API objects. */

export interface SupplyRow {
  supply_key: string;
  type: string;
  color: string | null;
  description: string | null;
  part_number: string | null;
  level_percent: number | null;
  state: string | null;
  level: number | null;
  max_capacity: number | null;
  unit: string | null;
  last_read_at: Date;
  last_changed_at: Date | null;
  forecast_empty_at: Date | null;
}

/** The stored columns of a supplies row `s`: what the forecast needs and what is shown. */
export const supplyBaseColumns = `s.account_id, s.device_id, s.supply_key, s.type, s.color, s.description,
  s.part_number, s.level_percent, s.state, s.level, s.max_capacity, s.unit, s.last_read_at, s.last_changed_at`;

/** A device's supplies with their forecasts, by supply key (the device detail and its supplies page). */
export async function suppliesOfDevice(
  sql: Sql,
  device: { account_id: string; device_id: string },
): Promise<SupplyRow[]> {
  return (await sql.query<SupplyRow>(deviceSuppliesSql, [device.account_id, device.device_id])).rows;
}

const deviceSuppliesSql = `select ${supplyBaseColumns}, ${forecastEmptyAt("s")} as forecast_empty_at
  from supplies s ${forecastJoin("s")}
  where s.account_id = $1 and s.device_id = $2 order by s.supply_key`;

export function isLow(row: { level_percent: number | null; state: string | null }): boolean {
  return (
    (row.level_percent !== null && row.level_percent <= lowSupplyPercent) ||
    row.state === "low" ||
    row.state === "empty"
  );
}

export function presentSupply(row: SupplyRow): Supply {
  return {
    key: row.supply_key,
    type: row.type,
    color: row.color,
    description: row.description,
    partNumber: row.part_number,
    levelPercent: row.level_percent,
    state: row.state,
    level: row.level,
    maxCapacity: row.max_capacity,
    unit: row.unit,
    lastReadAt: row.last_read_at.toISOString(),
    lastChangedAt: row.last_changed_at?.toISOString() ?? null,
    low: isLow(row),
    forecastEmptyAt: row.forecast_empty_at?.toISOString() ?? null,
  };
}

export interface SupplyReadingRow {
  supply_key: string;
  read_at: Date;
  level_percent: number | null;
  state: string | null;
}

export function presentSupplyReading(row: SupplyReadingRow): SupplyReading {
  return { readAt: row.read_at.toISOString(), levelPercent: row.level_percent, state: row.state };
}

export interface SupplyChangeRow {
  supply_key: string;
  changed_at: Date;
  level_before: number | null;
  level_after: number | null;
  total_at_change: number | null;
  pages_since_previous: number | null;
}

export function presentSupplyChange(row: SupplyChangeRow): SupplyChange {
  return {
    changedAt: row.changed_at.toISOString(),
    levelBefore: row.level_before,
    levelAfter: row.level_after,
    totalAtChange: row.total_at_change,
    pagesSincePrevious: row.pages_since_previous,
  };
}

export interface LowSupplyRow extends SupplyRow {
  device_id: string;
  device_name: string | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  ip: string | null;
  location: string | null;
  customer_id: string;
  customer_name: string;
  site_id: string;
  site_name: string;
  days_to_empty: number | null;
}

export function presentLowSupply(row: LowSupplyRow): LowSupply {
  return {
    device: {
      id: row.device_id,
      name: row.device_name,
      vendor: row.vendor,
      model: row.model,
      serial: row.serial,
      ip: row.ip,
      location: row.location,
    },
    customer: { id: row.customer_id, name: row.customer_name },
    site: { id: row.site_id, name: row.site_name },
    supply: presentSupply(row),
    daysToEmpty: row.days_to_empty,
  };
}
