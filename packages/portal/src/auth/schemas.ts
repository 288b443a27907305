import { z } from "zod";
import { pageQuerySchema, sortSchema } from "../tenancy/pagination.ts";
import { activities, roles } from "../tenancy/rights.ts";
import { minPasswordLength } from "./passwords.ts";

/** Any string that looks like an address; unknown ones answer like wrong passwords. */
const emailInput = z.string().trim().min(3).max(320);
const passwordInput = z.string().min(1).max(1024);
/** A password a user chooses: long enough, and not so long that hashing it is a burden. */
export const newPasswordSchema = z.string().min(minPasswordLength).max(1024);
export const totpCodeSchema = z.string().regex(/^\d{6}$/, "a 6-digit code");

/** Whether the runtime knows `name` as an IANA time zone ("Europe/Berlin", "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const accessSchema = z.enum(["none", "read", "write"]);
export const rightsSchema = z.object(
  Object.fromEntries(activities.map((a) => [a, accessSchema])) as Record<
    (typeof activities)[number],
    typeof accessSchema
  >,
);

export const profileSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(roles),
  accountId: z.string(),
  accountName: z.string(),
  accountKind: z.enum(["platform", "dealer", "it"]),
  customerId: z.string().nullable(),
  customerName: z.string().nullable(),
  siteId: z.string().nullable(),
  locale: z.enum(["de", "en"]).nullable(),
  timeZone: z.string().nullable(),
  totpEnabled: z.boolean(),
  csrfToken: z.string(),
  /** What the role may do, per activity, so the web app can hide what is forbidden. */
  rights: rightsSchema,
});

export const loginBodySchema = z.object({ email: emailInput, password: passwordInput });

export const loginResponseSchema = z.object({
  /** Null while the second factor is still owed (mfaRequired). */
  user: profileSchema.nullable(),
  csrfToken: z.string(),
  mfaRequired: z.boolean(),
});

export const totpLoginBodySchema = z.object({ code: totpCodeSchema });

export const profileUpdateSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  locale: z.enum(["de", "en"]).nullable().optional(),
  timeZone: z.string().max(100).refine(isTimeZone, "not an IANA time zone").nullable().optional(),
});

export const passwordChangeSchema = z.object({
  currentPassword: passwordInput,
  newPassword: newPasswordSchema,
});

export const passwordResetRequestSchema = z.object({ email: emailInput });
export const passwordResetConfirmSchema = z.object({
  token: z.string().min(1).max(300),
  newPassword: newPasswordSchema,
});

export const totpSetupSchema = z.object({
  /** Base32, for typing into an authenticator app by hand. */
  secret: z.string(),
  /** otpauth:// URI, for a QR code. */
  uri: z.string(),
});
export const totpEnableSchema = z.object({ code: totpCodeSchema });
export const totpDisableSchema = z
  .object({ password: passwordInput.optional(), code: totpCodeSchema.optional() })
  .refine((body) => body.password !== undefined || body.code !== undefined, "give the password or a code");

/** Roles an API key can have: any but platform-admin. */
export const apiKeyRoles = [
  "account-admin",
  "account-technician",
  "account-billing",
  "customer-admin",
  "customer-user",
] as const;

export const apiKeySchema = z.object({
  apiKeyId: z.string(),
  accountId: z.string(),
  customerId: z.string().nullable(),
  name: z.string(),
  role: z.enum(apiKeyRoles),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const apiKeyCreateSchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(apiKeyRoles),
  /** For a customer role: the customer the key sees (a customer admin's own by default). */
  customerId: z.uuid().optional(),
  /** Platform admins: the account the key belongs to (default: their own). */
  accountId: z.uuid().optional(),
});

export const createdApiKeySchema = apiKeySchema.extend({
  /** `Authorization: Bearer <token>`; shown once, only its hash is kept. */
  token: z.string(),
});

export const apiKeyParamsSchema = z.object({ apiKeyId: z.uuid() });

export const apiKeyListQuerySchema = pageQuerySchema.extend({
  sort: sortSchema(["createdAt", "name"], "-createdAt"),
  /** Platform admins: one account's keys. */
  accountId: z.uuid().optional(),
  /** Revoked keys are listed too unless this is false. */
  includeRevoked: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});
