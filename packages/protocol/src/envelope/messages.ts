import { z } from "zod";
import { collectorHealthSchema } from "../scan-file/scan-schema.ts";
import { headerIdSchema, type MessageType } from "./header.ts";
import { keyBytes } from "./keys.ts";

/**
 * The calls of the collector protocol and their payloads (docs/collector-protocol.md, "Calls").
 * Every payload but the scan file (XML) is JSON.
 */

/** Relative to the portal URL (which ends with "/"). */
export const collectorApiPath = "api/collector/v1/";

export const collectorCalls = {
  enrol: { path: "enrol", request: "enrol", response: "enrolled" },
  checkin: { path: "checkin", request: "checkin", response: "settings" },
  scans: { path: "scans", request: "scan", response: "ack" },
} as const satisfies Record<string, { path: string; request: MessageType; response: MessageType }>;
export type CollectorCall = keyof typeof collectorCalls;

/**
 * The settings as the portal sends them. Their fields (targets, credentials, intervals…) are the
 * collector's business and checked there; the protocol only carries a JSON object.
 */
export const portalSettingsSchema = z.record(z.string(), z.unknown());
export type PortalSettings = z.infer<typeof portalSettingsSchema>;

export const enrolRequestSchema = z.object({
  hostname: z.string().max(255),
  os: z.string().max(255),
  version: z.string().min(1).max(64),
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;

export const enrolledResponseSchema = z.object({
  collectorId: headerIdSchema,
  keyId: headerIdSchema,
  /** The collector key, base64 of 32 bytes. */
  key: z.base64().refine((k) => Buffer.from(k, "base64").length === keyBytes, `expected ${keyBytes} bytes`),
  settings: portalSettingsSchema,
});
export type EnrolledResponse = z.infer<typeof enrolledResponseSchema>;

export const checkinRequestSchema = z.object({ health: collectorHealthSchema });
export type CheckinRequest = z.infer<typeof checkinRequestSchema>;

export const settingsResponseSchema = z.object({ settings: portalSettingsSchema });
export type SettingsResponse = z.infer<typeof settingsResponseSchema>;

export const ackResponseSchema = z.object({
  scanId: z.string().min(1),
  /** false: the portal already had this scan (a retry or a replay), it stored it once. */
  stored: z.boolean(),
  /** Present when the settings changed since the collector last got them. */
  settings: portalSettingsSchema.optional(),
});
export type AckResponse = z.infer<typeof ackResponseSchema>;

/**
 * Why the portal did not answer with a sealed 200: the body of a 401, 413 or unsealed 400 (JSON),
 * and the payload of a sealed `error` message (400 with a payload that fails its schema).
 */
export const portalErrorReasons = [
  /** 401: no such collector key (old key, revoked token, unknown collector). Enrol again. */
  "unknown-key",
  /** 401 to `enrol`: no such enrolment token, or it was revoked. */
  "unknown-token",
  /** 401: the envelope failed authentication. */
  "tampered",
  /** 401: `sentAt` more than 10 minutes off the portal's clock; `serverTime` says its time. */
  "stale",
  /** 401: an `enrol` or `checkin` message id seen before (a replay). */
  "replayed",
  /** 400: not an envelope, bad header, wrong direction or type, not gzip. */
  "bad-envelope",
  /** 400: the payload does not match its schema (sealed `error` message when the envelope opened). */
  "invalid-payload",
  /** 413: envelope over 8 MiB or payload over 64 MiB. */
  "too-large",
] as const;
export type PortalErrorReason = (typeof portalErrorReasons)[number];

export const portalErrorBodySchema = z.object({
  /** One of `portalErrorReasons`; a newer portal may send others. */
  error: z.string(),
  message: z.string().optional(),
  /** The portal's clock (ISO 8601), sent with `stale` so the collector can correct its own. */
  serverTime: z.iso.datetime({ offset: true }).optional(),
});
export type PortalErrorBody = z.infer<typeof portalErrorBodySchema>;
