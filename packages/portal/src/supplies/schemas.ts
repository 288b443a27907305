import { z } from "zod";

/** API shapes of the supplies domain: toner and other consumables, their history and forecast. */

export const suppliesTag = "supplies";

const id = z.uuid();
const timestamp = z.iso.datetime({ offset: true });

/** A supply is low at or below this level (percent), or when the device says low or empty. */
export const lowSupplyPercent = 20;

export const supplySchema = z.object({
  /** Follows one slot of the device over time (Printer-MIB index where known). */
  key: z.string(),
  type: z.string(),
  color: z.string().nullable(),
  description: z.string().nullable(),
  partNumber: z.string().nullable(),
  levelPercent: z.number().nullable(),
  /** ok, low, empty or unknown, as the device reports it. */
  state: z.string().nullable(),
  level: z.number().int().nullable(),
  maxCapacity: z.number().int().nullable(),
  unit: z.string().nullable(),
  lastReadAt: timestamp,
  lastChangedAt: timestamp.nullable(),
  /** At or below 20 %, or reported low or empty. */
  low: z.boolean(),
  /**
   * When the supply runs out at the rate it fell over the last 30 days (since its last change):
   * null without a falling level to go by.
   */
  forecastEmptyAt: timestamp.nullable(),
});

export const supplyReadingSchema = z.object({
  readAt: timestamp,
  levelPercent: z.number().nullable(),
  state: z.string().nullable(),
});

export const supplyChangeSchema = z.object({
  changedAt: timestamp,
  levelBefore: z.number().nullable(),
  levelAfter: z.number().nullable(),
  totalAtChange: z.number().int().nullable(),
  /** Pages between the previous change of this slot and this one: the yield of the cartridge. */
  pagesSincePrevious: z.number().int().nullable(),
});

export const supplyWithHistorySchema = supplySchema.extend({
  /** The level over time: the last reading of each day (UTC), oldest first. */
  history: z.array(supplyReadingSchema),
  /** Replacements, newest first. */
  changes: z.array(supplyChangeSchema),
});

export const deviceSuppliesQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(730).default(90),
});
export const deviceSuppliesSchema = z.object({
  deviceId: id,
  items: z.array(supplyWithHistorySchema),
});

export const lowSuppliesQuerySchema = z.object({
  /** Level (percent) at or below which a supply is listed; low and empty ones are listed anyway. */
  threshold: z.coerce.number().min(0).max(100).default(lowSupplyPercent),
  /** Also list supplies forecast to run out within this many days. */
  forecastDays: z.coerce.number().int().min(1).max(365).optional(),
  customerId: id.optional(),
  siteId: id.optional(),
  type: z.string().trim().min(1).max(50).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(1000).optional(),
});

const named = z.object({ id, name: z.string() });

export const lowSupplySchema = z.object({
  device: z.object({
    id,
    name: z.string().nullable(),
    vendor: z.string().nullable(),
    model: z.string().nullable(),
    serial: z.string().nullable(),
    ip: z.string().nullable(),
    location: z.string().nullable(),
  }),
  customer: named,
  site: named,
  supply: supplySchema,
  /** Days from now until forecastEmptyAt (0 when already empty). */
  daysToEmpty: z.number().nullable(),
});
export const lowSupplyPageSchema = z.object({
  items: z.array(lowSupplySchema),
  nextCursor: z.string().nullable(),
});

export type Supply = z.infer<typeof supplySchema>;
export type SupplyReading = z.infer<typeof supplyReadingSchema>;
export type SupplyChange = z.infer<typeof supplyChangeSchema>;
export type SupplyWithHistory = z.infer<typeof supplyWithHistorySchema>;
export type DeviceSupplies = z.infer<typeof deviceSuppliesSchema>;
export type LowSupply = z.infer<typeof lowSupplySchema>;
export type LowSupplyPage = z.infer<typeof lowSupplyPageSchema>;
export type LowSuppliesQuery = z.input<typeof lowSuppliesQuerySchema>;
