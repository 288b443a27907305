import { z } from "zod";
import { supplySchema } from "../supplies/schemas.ts";

/** API shapes of the fleet domain: devices, meter readings, page volumes, the dashboard. */

export const fleetTag = "fleet";
export const dashboardTag = "dashboard";

export const idSchema = z.uuid();
export const timestampSchema = z.iso.datetime({ offset: true });

/** A query flag: `true` or `false`. */
export const queryFlag = z.enum(["true", "false"]).transform((v) => v === "true");

export const deviceStatuses = ["ok", "warning", "error", "offline"] as const;
export const deviceStatusSchema = z.enum(deviceStatuses);

export const deviceSortFields = [
  "lastSeenAt",
  "vendor",
  "model",
  "serial",
  "ip",
  "customerName",
  "siteName",
  "totalCounter",
] as const;
export type DeviceSortField = (typeof deviceSortFields)[number];
export const deviceSortSchema = z
  .enum(deviceSortFields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]])
  .default("-lastSeenAt");

/** Filters shared by the device list and its CSV export. */
export const deviceFilterSchema = z.object({
  customerId: idSchema.optional(),
  siteId: idSchema.optional(),
  /** Exact vendor or model, ignoring case. */
  vendor: z.string().trim().min(1).max(100).optional(),
  model: z.string().trim().min(1).max(200).optional(),
  /** Substring of serial, model, name, IP address, location (or location note) or asset tag. */
  q: z.string().trim().min(1).max(200).optional(),
  /** One status or several, comma-separated: `status=warning,error`. */
  status: z
    .string()
    .max(100)
    .transform((v) => v.split(",").map((s) => s.trim()))
    .pipe(z.array(deviceStatusSchema).min(1))
    .optional(),
  /** With (true) or without (false) open alerts. */
  hasAlerts: queryFlag.optional(),
  /** Any supply at or below 20 %, or reported low or empty. */
  lowSupplies: queryFlag.optional(),
  /** Marked not reporting by the stale-device job. */
  notReporting: queryFlag.optional(),
  duplicateSerial: queryFlag.optional(),
  sort: deviceSortSchema,
});
export type DeviceFilter = z.output<typeof deviceFilterSchema>;

export const deviceListQuerySchema = deviceFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(2000).optional(),
});

const named = z.object({ id: idSchema, name: z.string() });

export const deviceSchema = z.object({
  id: idSchema,
  accountId: idSchema,
  customer: named,
  site: named,
  vendor: z.string().nullable(),
  model: z.string().nullable(),
  serial: z.string().nullable(),
  mac: z.string().nullable(),
  ip: z.string().nullable(),
  name: z.string().nullable(),
  /** What the device reports as its location (sysLocation). */
  location: z.string().nullable(),
  /** The dealer's own note on where the device stands. */
  locationNote: z.string().nullable(),
  assetTag: z.string().nullable(),
  firmware: z.string().nullable(),
  firstSeenAt: timestampSchema,
  lastSeenAt: timestampSchema,
  /** Set while the device is marked not reporting: when it was last heard. */
  notReportingSince: timestampSchema.nullable(),
  /** offline (not reporting), error (down or an error that stops printing), warning, ok. */
  status: deviceStatusSchema,
  /** Printer error names the device reports (noPaper, jammed, lowToner …). */
  errors: z.array(z.string()),
  duplicateSerial: z.boolean(),
  openAlertCount: z.number().int(),
  lowestSupplyPercent: z.number().nullable(),
  /** The total page counter (or mono + colour where the device reports no total). */
  totalCounter: z.number().int().nullable(),
  counterUnit: z.string().nullable(),
});
export const devicePageSchema = z.object({ items: z.array(deviceSchema), nextCursor: z.string().nullable() });

export const deviceAlertSchema = z.object({
  id: idSchema,
  kind: z.string(),
  severity: z.enum(["info", "warning", "critical"]),
  source: z.enum(["device", "portal"]),
  message: z.string().nullable(),
  openedAt: timestampSchema,
});

export const deviceDetailSchema = deviceSchema.extend({
  collectorId: idSchema.nullable(),
  sysObjectId: z.string().nullable(),
  sysDescr: z.string().nullable(),
  deviceState: z.string().nullable(),
  printerState: z.string().nullable(),
  /** The newest counters by name (total, mono, color, copy …). */
  counters: z.record(z.string(), z.number()),
  lastReadingAt: timestampSchema.nullable(),
  supplies: z.array(supplySchema),
  openAlerts: z.array(deviceAlertSchema),
  /** The device's own web page. */
  webUrl: z.string().nullable(),
});

export const deviceParamsSchema = z.object({ deviceId: idSchema });

export const deviceUpdateSchema = z
  .object({
    assetTag: z.string().trim().max(100).nullable().optional(),
    locationNote: z.string().trim().max(500).nullable().optional(),
  })
  .refine((b) => b.assetTag !== undefined || b.locationNote !== undefined, {
    message: "nothing to change: give assetTag or locationNote",
  });

export const readingListQuerySchema = z.object({
  from: timestampSchema.optional(),
  to: timestampSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});

export const readingSchema = z.object({
  readAt: timestampSchema,
  counters: z.record(z.string(), z.number()),
  counterUnit: z.string().nullable(),
  /** A suspicious reading, kept as read: a counter went backwards, or jumped. */
  anomaly: z.enum(["backwards", "jump"]).nullable(),
});
export const readingPageSchema = z.object({
  items: z.array(readingSchema),
  nextCursor: z.string().nullable(),
});

export const volumeQuerySchema = z.object({
  months: z.coerce.number().int().min(1).max(36).default(12),
});

export const monthlyVolumeSchema = z.object({
  /** First day of the month (UTC), ISO date. */
  month: z.iso.date(),
  mono: z.number().int(),
  color: z.number().int(),
  total: z.number().int(),
});
export const deviceVolumesSchema = z.object({
  deviceId: idSchema,
  months: z.array(monthlyVolumeSchema),
});

// ---- dashboard

export const dashboardQuerySchema = z.object({
  customerId: idSchema.optional(),
  siteId: idSchema.optional(),
});

export const dashboardSchema = z.object({
  devices: z.object({
    total: z.number().int(),
    reporting: z.number().int(),
    notReporting: z.number().int(),
    byStatus: z.object({
      ok: z.number().int(),
      warning: z.number().int(),
      error: z.number().int(),
      offline: z.number().int(),
    }),
  }),
  alerts: z.object({
    open: z.number().int(),
    byKind: z.array(z.object({ kind: z.string(), count: z.number().int() })),
  }),
  supplies: z.object({
    /** Supplies at or below 20 %, or reported low or empty. */
    low: z.number().int(),
    /** Not low yet, but forecast to run out within `forecastDays`. */
    forecastEmpty: z.number().int(),
    /** low + forecastEmpty. */
    attention: z.number().int(),
    forecastDays: z.number().int(),
  }),
  collectors: z.object({ total: z.number().int(), offline: z.number().int() }),
  volumes: z.object({ thisMonth: monthlyVolumeSchema, lastMonth: monthlyVolumeSchema }),
  generatedAt: timestampSchema,
});

export type Device = z.infer<typeof deviceSchema>;
export type DevicePage = z.infer<typeof devicePageSchema>;
export type DeviceDetail = z.infer<typeof deviceDetailSchema>;
export type DeviceUpdate = z.infer<typeof deviceUpdateSchema>;
export type DeviceListQuery = z.input<typeof deviceListQuerySchema>;
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;
export type DeviceAlert = z.infer<typeof deviceAlertSchema>;
export type MeterReading = z.infer<typeof readingSchema>;
export type MeterReadingPage = z.infer<typeof readingPageSchema>;
export type MonthlyVolume = z.infer<typeof monthlyVolumeSchema>;
export type DeviceVolumes = z.infer<typeof deviceVolumesSchema>;
export type DashboardSummary = z.infer<typeof dashboardSchema>;
