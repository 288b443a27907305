import { z } from "zod";

/** API shapes of the service domain: alerts (later tickets). */

export const serviceTag = "service";

const id = z.uuid();
const timestamp = z.iso.datetime({ offset: true });

export const alertSeverities = ["info", "warning", "critical"] as const;

export const alertListQuerySchema = z.object({
  /** open, closed, or both when absent. */
  state: z.enum(["open", "closed"]).optional(),
  /** A printer error name (jammed, noPaper …), not-reporting, supply-low, device-alert:<code> … */
  kind: z.string().trim().min(1).max(100).optional(),
  severity: z.enum(alertSeverities).optional(),
  customerId: id.optional(),
  siteId: id.optional(),
  deviceId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

const named = z.object({ id, name: z.string() });

export const alertSchema = z.object({
  id,
  kind: z.string(),
  severity: z.enum(alertSeverities),
  /** Reported by the device, or raised by the portal (not reporting, duplicate serial). */
  source: z.enum(["device", "portal"]),
  message: z.string().nullable(),
  openedAt: timestamp,
  closedAt: timestamp.nullable(),
  deviceId: id,
  device: z.object({
    id,
    name: z.string().nullable(),
    vendor: z.string().nullable(),
    model: z.string().nullable(),
    serial: z.string().nullable(),
    ip: z.string().nullable(),
  }),
  customer: named,
  site: named,
});
export const alertPageSchema = z.object({ items: z.array(alertSchema), nextCursor: z.string().nullable() });
export const alertParamsSchema = z.object({ alertId: id });

export type Alert = z.infer<typeof alertSchema>;
export type AlertPage = z.infer<typeof alertPageSchema>;
export type AlertListQuery = z.input<typeof alertListQuerySchema>;
