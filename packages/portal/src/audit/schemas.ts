import { z } from "zod";

export const auditEntrySchema = z.object({
  auditId: z.string(),
  at: z.string(),
  accountId: z.string(),
  customerId: z.string().nullable(),
  actorUserId: z.string().nullable(),
  actorApiKeyId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});

export const auditListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** nextCursor of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, "a cursor from the previous page")
    .optional(),
  /** One action ("auth.login"), or every action under a prefix ("auth.*"). */
  action: z
    .string()
    .regex(/^[a-z0-9.-]+(\.\*)?$/, "an action like auth.login or auth.*")
    .max(100)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  /** Exclusive: events before this time. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** Platform admins: one account's events. */
  accountId: z.uuid().optional(),
});

export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema),
  nextCursor: z.string().nullable(),
});
