import { z } from "zod";

/**
 * The envelope header (docs/collector-protocol.md, "Envelope"): UTF-8 JSON, authenticated but not
 * encrypted, at most 255 bytes. Ids are short tokens (at most 44 characters of `A-Z a-z 0-9 . _ : -`),
 * so every header fits the length byte: a UUID, a base64url key id and an ISO time leave room.
 */

export const messageTypes = ["enrol", "enrolled", "checkin", "settings", "scan", "ack", "error"] as const;
export type MessageType = (typeof messageTypes)[number];

export const directions = ["c2p", "p2c"] as const;
/** `c2p`: collector to portal; `p2c`: portal to collector. */
export type Direction = (typeof directions)[number];

/** The one direction each message type travels in. */
export const messageDirection: Readonly<Record<MessageType, Direction>> = {
  enrol: "c2p",
  enrolled: "p2c",
  checkin: "c2p",
  settings: "p2c",
  scan: "c2p",
  ack: "p2c",
  error: "p2c",
};

/** Types sealed with the enrolment key, whose header has no `collectorId`. */
const enrolmentTypes: ReadonlySet<MessageType> = new Set(["enrol", "enrolled"]);

/** An id in a header: collector id, key id, message id (a scan id is a lower-case UUID). */
export const headerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,44}$/, "expected 1 to 44 characters of A-Z a-z 0-9 . _ : -");

export const envelopeHeaderSchema = z
  .object({
    v: z.literal(1),
    type: z.enum(messageTypes),
    dir: z.enum(directions),
    /** Absent in `enrol` / `enrolled`, optional in `error`, required otherwise. */
    collectorId: headerIdSchema.optional(),
    /** The key that sealed the message: the collector key's id, or the enrolment key's id. */
    keyId: headerIdSchema,
    /** The scan id for `scan` and its `ack`; a random id otherwise; a response repeats the request's. */
    messageId: headerIdSchema,
    /** UTC with milliseconds, as `Date#toISOString()` writes it: a fixed 24 characters. */
    sentAt: z.iso.datetime({ precision: 3 }),
  })
  .superRefine((h, ctx) => {
    if (messageDirection[h.type] !== h.dir)
      ctx.addIssue({
        code: "custom",
        path: ["dir"],
        message: `a ${h.type} message travels ${messageDirection[h.type]}`,
      });
    if (enrolmentTypes.has(h.type) && h.collectorId !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["collectorId"],
        message: `a ${h.type} message has no collectorId`,
      });
    if (!enrolmentTypes.has(h.type) && h.type !== "error" && h.collectorId === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["collectorId"],
        message: `a ${h.type} message needs a collectorId`,
      });
  });
export type EnvelopeHeader = z.infer<typeof envelopeHeaderSchema>;
