import { z } from "zod";
import { pageQuerySchema, pageSchema, sortSchema } from "../tenancy/pagination.ts";
import { targetProblem } from "./targets.ts";

/** API shapes of the collectors domain: enrolment tokens, collectors and their settings. */

const id = z.uuid();
const timestamp = z.iso.datetime({ offset: true });

// ---- settings (docs/collector-protocol.md, "Settings")

/**
 * What the API shows instead of a stored secret. A community is masked as "••••1", "••••2" … (its
 * position in that level's list, from 1): sending the mask back keeps that stored community, so a
 * client can remove or reorder communities without knowing them. SNMPv3 keys are masked as "••••"
 * and kept by user name.
 */
export const secretMask = "••••";
export const maskedCommunity = /^••••(\d{1,3})?$/;

export const authProtocols = ["md5", "sha", "sha224", "sha256", "sha384", "sha512"] as const;
export const privProtocols = ["des", "aes", "aes256b", "aes256r"] as const;

const target = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .superRefine((value, ctx) => {
    const problem = targetProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
const targets = z.array(target).max(256);
/** Printable ASCII: what SNMP agents accept as a community in practice. */
const community = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x20-\x7e]+$|^••••\d{0,3}$/, "printable ASCII characters only");
/** RFC 3414: an SNMPv3 password has at least 8 characters. The mask keeps the stored key; null removes it. */
const v3Key = z
  .string()
  .max(128)
  .refine((k) => k === secretMask || k.length >= 8, "at least 8 characters")
  .nullable()
  .optional();
const minutes = (min: number, max: number) => z.number().int().min(min).max(max);

export const v3UserInputSchema = z.strictObject({
  name: z.string().min(1).max(32),
  authProtocol: z.enum(authProtocols).optional(),
  authKey: v3Key,
  privProtocol: z.enum(privProtocols).optional(),
  privKey: v3Key,
  context: z.string().max(32).optional(),
});

const pingSchema = z.strictObject({
  enabled: z.boolean().optional(),
  timeoutMs: z.number().int().min(50).max(10_000).optional(),
  retries: z.number().int().min(0).max(5).optional(),
});
const snmpSchema = z.strictObject({
  discoveryTimeoutMs: z.number().int().min(50).max(10_000).optional(),
  timeoutMs: z.number().int().min(50).max(10_000).optional(),
  retries: z.number().int().min(0).max(5).optional(),
});
const scalarSettings = {
  concurrency: z.number().int().min(1).max(4096).optional(),
  packetsPerSecond: z.number().int().min(1).max(100_000).optional(),
  maxAddresses: z
    .number()
    .int()
    .min(1)
    .max(2 ** 24)
    .optional(),
  /** Discovery of the targets: hourly at most, weekly at least (default 720, twice a day). */
  discoveryIntervalMinutes: minutes(60, 10_080).optional(),
  /** Reading the known devices: every 20 to 60 minutes (product brief; default 20). */
  refreshIntervalMinutes: minutes(20, 60).optional(),
};

/**
 * The settings of one level (account, customer, site or collector): every field optional, a field
 * left out is inherited from the level above. A PUT replaces the level's whole document.
 */
export const levelSettingsInputSchema = z.strictObject({
  targets: targets.optional(),
  exclusions: targets.optional(),
  communities: z.array(community).max(16).optional(),
  v3Users: z
    .array(v3UserInputSchema)
    .max(16)
    .refine((users) => new Set(users.map((u) => u.name)).size === users.length, "user names must be unique")
    .optional(),
  ping: pingSchema.optional(),
  snmp: snmpSchema.optional(),
  ...scalarSettings,
});

export const v3UserViewSchema = z.object({
  name: z.string(),
  authProtocol: z.enum(authProtocols).optional(),
  privProtocol: z.enum(privProtocols).optional(),
  context: z.string().optional(),
  hasAuthKey: z.boolean(),
  hasPrivKey: z.boolean(),
});

/** A level's settings as the API shows them: secrets masked. */
export const levelSettingsViewSchema = z.object({
  targets: z.array(z.string()).optional(),
  exclusions: z.array(z.string()).optional(),
  communities: z.array(z.string()).optional(),
  v3Users: z.array(v3UserViewSchema).optional(),
  ping: pingSchema.optional(),
  snmp: snmpSchema.optional(),
  ...scalarSettings,
});

export const settingsLevels = ["account", "customer", "site", "collector"] as const;
export const settingsLevelSchema = z.enum(settingsLevels);

export const levelSettingsSchema = z.object({
  level: settingsLevelSchema,
  /** The account, customer, site or collector id, by level. */
  scopeId: id,
  settings: levelSettingsViewSchema,
  /** Null while nothing was ever set at this level. */
  updatedAt: timestamp.nullable(),
  updatedBy: id.nullable(),
});

export const knownDeviceSchema = z.object({ ip: z.string(), credential: z.number().int() });

/** What the collector gets, merged over the levels with the defaults; secrets masked. */
export const effectiveSettingsViewSchema = z.object({
  targets: z.array(z.string()),
  exclusions: z.array(z.string()),
  communities: z.array(z.string()),
  v3Users: z.array(v3UserViewSchema),
  ping: z.object({ enabled: z.boolean(), timeoutMs: z.number(), retries: z.number() }),
  snmp: z.object({ discoveryTimeoutMs: z.number(), timeoutMs: z.number(), retries: z.number() }),
  concurrency: z.number(),
  packetsPerSecond: z.number(),
  maxAddresses: z.number(),
  discoveryIntervalMinutes: z.number(),
  refreshIntervalMinutes: z.number(),
  knownDevices: z.array(knownDeviceSchema),
});

export const settingsSourceSchema = z.enum([...settingsLevels, "default"]);
export const effectiveSettingsSchema = z.object({
  collectorId: id,
  settings: effectiveSettingsViewSchema,
  /** Which level each field comes from (a field of ping/snmp from the lowest level that set any). */
  sources: z.record(z.string(), settingsSourceSchema),
  /** Whether the collector already has these settings (they were delivered since the last change). */
  delivered: z.boolean(),
});

export const accountSettingsQuerySchema = z.object({
  /** Platform admins: the account whose settings to read or change. */
  accountId: id.optional(),
});

// ---- enrolment tokens

export const tokenIdSchema = z.string().regex(/^enr_[A-Za-z0-9_-]{22}$/, "expected an enrolment token id");
export const enrolmentTokenStates = ["active", "used", "expired", "revoked"] as const;

export const enrolmentTokenSchema = z.object({
  /** The key id the token derives: it names the token everywhere, the token itself is never stored. */
  id: tokenIdSchema,
  accountId: id,
  customerId: id,
  siteId: id,
  createdAt: timestamp,
  createdBy: id.nullable(),
  /** An unused token can enrol until then; once used it stays bound to its collector until revoked. */
  expiresAt: timestamp,
  usedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  collectorId: id.nullable(),
  state: z.enum(enrolmentTokenStates),
});

/** The body is optional: without one the token expires in 7 days. */
export const enrolmentTokenCreateSchema = z
  .strictObject({ expiresInDays: z.number().int().min(1).max(30).default(7) })
  .nullish();

export const enrolmentTokenCreatedSchema = enrolmentTokenSchema.extend({
  /** Shown this once: the portal keeps only what is derived from it. */
  token: z.string(),
  /** One line that installs and starts the collector with this token. */
  installCommand: z.string(),
  /** The same with the single-file bundle (docs/running-the-collector.md). */
  bundleCommand: z.string(),
});

export const tokenParamsSchema = z.object({ tokenId: tokenIdSchema });
export const siteParamsSchema = z.object({ siteId: id });
export const tokenListQuerySchema = pageQuerySchema.extend({
  customerId: id.optional(),
  siteId: id.optional(),
  state: z.enum(enrolmentTokenStates).optional(),
  sort: sortSchema(["createdAt", "expiresAt"], "-createdAt"),
});

// ---- collectors

export const collectorSchema = z.object({
  id,
  accountId: id,
  customerId: id,
  siteId: id,
  name: z.string(),
  hostname: z.string().nullable(),
  os: z.string().nullable(),
  /** ICE version, from the last enrolment, check-in or scan. */
  version: z.string().nullable(),
  enrolledAt: timestamp.nullable(),
  lastContactAt: timestamp.nullable(),
  lastScanAt: timestamp.nullable(),
  /** Devices in the last scan received. */
  lastScanDevices: z.number().int().nullable(),
  lastDiscoveryAt: timestamp.nullable(),
  lastRefreshAt: timestamp.nullable(),
  /** Scans waiting in the collector's upload queue at its last report. */
  queuedScans: z.number().int().nullable(),
  /** The last error lines of the collector's log, oldest first. */
  errors: z.array(z.string()),
  /** In contact within three refresh intervals, and not revoked. */
  online: z.boolean(),
  refreshIntervalMinutes: z.number().int(),
  revokedAt: timestamp.nullable(),
  createdAt: timestamp,
});

export const collectorParamsSchema = z.object({ collectorId: id });
export const collectorListQuerySchema = pageQuerySchema.extend({
  customerId: id.optional(),
  siteId: id.optional(),
  q: z.string().max(200).optional(),
  sort: sortSchema(["name", "createdAt", "lastContactAt"], "name"),
});
export const collectorUpdateSchema = z.strictObject({ name: z.string().trim().min(1).max(200) });

export const customerParamsSchema = z.object({ customerId: id });

export const collectorPageSchema = pageSchema(collectorSchema);
export const enrolmentTokenPageSchema = pageSchema(enrolmentTokenSchema);

export type Collector = z.infer<typeof collectorSchema>;
export type CollectorListQuery = z.input<typeof collectorListQuerySchema>;
export type EnrolmentTokenListQuery = z.input<typeof tokenListQuerySchema>;
export type CollectorUpdate = z.input<typeof collectorUpdateSchema>;
export type EnrolmentToken = z.infer<typeof enrolmentTokenSchema>;
export type EnrolmentTokenCreate = z.input<typeof enrolmentTokenCreateSchema>;
export type EnrolmentTokenCreated = z.infer<typeof enrolmentTokenCreatedSchema>;
export type LevelSettingsInput = z.input<typeof levelSettingsInputSchema>;
export type LevelSettingsView = z.infer<typeof levelSettingsViewSchema>;
export type LevelSettings = z.infer<typeof levelSettingsSchema>;
export type SettingsLevel = z.infer<typeof settingsLevelSchema>;
export type EffectiveSettings = z.infer<typeof effectiveSettingsSchema>;
export type EffectiveSettingsView = z.infer<typeof effectiveSettingsViewSchema>;
export type KnownDevice = z.infer<typeof knownDeviceSchema>;
