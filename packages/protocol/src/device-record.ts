import { z } from "zod";

/**
 * One device as the collector read it: the unit of the scan file and of `ice read --json`.
 * A field the device does not report is absent; the collector never invents a value.
 */

import {
  counterUnits,
  deviceStates,
  printerErrorNames,
  printerStates,
  supplyStates,
  supplyTypes,
} from "./vocabulary.ts";

export * from "./vocabulary.ts";

const counterValue = z.number().int().nonnegative();

export const supplySchema = z.object({
  /** Printer-MIB row index ("1.5"), so a supply can be followed from one reading to the next. */
  index: z.string().optional(),
  type: z.enum(supplyTypes),
  /** "consumed" (toner) or "receptacle" (waste box: its level is the space left). */
  class: z.enum(["consumed", "receptacle"]).optional(),
  color: z.string().min(1).optional(),
  description: z.string().optional(),
  partNumber: z.string().optional(),
  /** null when the device reports no usable percentage (unknown, "some remaining", no capacity). */
  levelPercent: z.number().min(0).max(100).nullable(),
  state: z.enum(supplyStates),
  /** Raw level in `unit`; negative Printer-MIB sentinels are not copied here. */
  level: z.number().int().nonnegative().optional(),
  maxCapacity: z.number().int().positive().optional(),
  unit: z.string().optional(),
});
export type Supply = z.infer<typeof supplySchema>;

export const alertSchema = z.object({
  severity: z.string(),
  group: z.string().optional(),
  code: z.string().optional(),
  description: z.string().optional(),
  /** ISO 8601 time the alert was raised, computed from prtAlertTime and sysUpTime. */
  time: z.string().optional(),
});
export type Alert = z.infer<typeof alertSchema>;

export const statusSchema = z.object({
  device: z.enum(deviceStates).optional(),
  printer: z.enum(printerStates).optional(),
  errors: z.array(z.enum(printerErrorNames)),
});
export type DeviceStatus = z.infer<typeof statusSchema>;

export const deviceRecordSchema = z.object({
  ip: z.string().min(1),
  vendor: z.string().optional(),
  model: z.string().optional(),
  serial: z.string().optional(),
  mac: z
    .string()
    .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)
    .optional(),
  name: z.string().optional(),
  location: z.string().optional(),
  firmware: z.string().optional(),
  sysObjectId: z.string().optional(),
  sysDescr: z.string().optional(),
  uptimeSeconds: z.number().int().nonnegative().optional(),
  counters: z.record(z.string(), counterValue),
  counterUnit: z.enum(counterUnits).optional(),
  supplies: z.array(supplySchema),
  status: statusSchema,
  alerts: z.array(alertSchema),
});
export type DeviceRecord = z.infer<typeof deviceRecordSchema>;
