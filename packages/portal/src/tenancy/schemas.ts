import { z } from "zod";
import { minPasswordLength } from "../auth/passwords.ts";
import { pageQuerySchema, pageSchema, sortSchema } from "./pagination.ts";
import { roles } from "./rights.ts";

/** API shapes of the tenancy domain: accounts, customers, sites, users (docs/rights.md). */

export const idSchema = z.uuid();
const timestamp = z.iso.datetime({ offset: true });
const name = z.string().trim().min(1).max(200);

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
const timeZone = z.string().max(100).refine(isTimeZone, { message: "unknown time zone" });
export const emailSchema = z.string().trim().max(254).toLowerCase().pipe(z.email());
const password = z.string().min(minPasswordLength).max(200);
export const localeSchema = z.enum(["de", "en"]);
export const roleSchema = z.enum(roles);

// ---- accounts

export const accountKindSchema = z.enum(["platform", "dealer", "it"]);
export const accountSchema = z.object({
  id: idSchema,
  kind: accountKindSchema,
  name: z.string(),
  createdAt: timestamp,
});
export const accountParamsSchema = z.object({ accountId: idSchema });
export const accountListQuerySchema = pageQuerySchema.extend({
  q: z.string().max(200).optional(),
  kind: accountKindSchema.optional(),
  sort: sortSchema(["name", "createdAt"], "name"),
});
export const accountCreateSchema = z.object({
  kind: z.enum(["dealer", "it"]),
  name,
  /** The account's first admin; without a password one is generated and answered once. */
  admin: z.object({
    email: emailSchema,
    name,
    password: password.optional(),
    locale: localeSchema.optional(),
  }),
});
export const accountUpdateSchema = z.object({ name: name.optional() });

// ---- customers

export const customerSchema = z.object({
  id: idSchema,
  accountId: idSchema,
  name: z.string(),
  externalRef: z.string().nullable(),
  createdAt: timestamp,
});
export const customerParamsSchema = z.object({ customerId: idSchema });
export const customerListQuerySchema = pageQuerySchema.extend({
  q: z.string().max(200).optional(),
  /** Platform admins: one account's customers. */
  accountId: idSchema.optional(),
  sort: sortSchema(["name", "createdAt"], "name"),
});
/** Platform admins name the account to create in; everyone else creates in their own. */
export const accountTargetQuerySchema = z.object({ accountId: idSchema.optional() });
export const customerCreateSchema = z.object({
  name,
  externalRef: z.string().trim().max(100).nullable().optional(),
});
export const customerUpdateSchema = customerCreateSchema.partial();

// ---- sites

export const siteSchema = z.object({
  id: idSchema,
  accountId: idSchema,
  customerId: idSchema,
  name: z.string(),
  address: z.string().nullable(),
  timeZone: z.string(),
  createdAt: timestamp,
});
export const siteParamsSchema = z.object({ siteId: idSchema });
export const siteListQuerySchema = pageQuerySchema.extend({
  q: z.string().max(200).optional(),
  customerId: idSchema.optional(),
  accountId: idSchema.optional(),
  sort: sortSchema(["name", "createdAt"], "name"),
});
export const siteCreateSchema = z.object({
  customerId: idSchema,
  name,
  address: z.string().trim().max(500).nullable().optional(),
  timeZone,
});
export const siteUpdateSchema = siteCreateSchema.omit({ customerId: true }).partial();

// ---- users

export const userSchema = z.object({
  id: idSchema,
  accountId: idSchema,
  /** Set for customer users (customer-admin, customer-user): they see this customer only. */
  customerId: idSchema.nullable(),
  /** Set for a customer user limited to one site. */
  siteId: idSchema.nullable(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  locale: localeSchema.nullable(),
  timeZone: z.string().nullable(),
  totpEnabled: z.boolean(),
  disabled: z.boolean(),
  createdAt: timestamp,
});
export const userParamsSchema = z.object({ userId: idSchema });
export const userListQuerySchema = pageQuerySchema.extend({
  q: z.string().max(200).optional(),
  accountId: idSchema.optional(),
  customerId: idSchema.optional(),
  siteId: idSchema.optional(),
  role: roleSchema.optional(),
  sort: sortSchema(["name", "email", "createdAt"], "name"),
});
export const userCreateSchema = z.object({
  email: emailSchema,
  name,
  role: roleSchema,
  customerId: idSchema.nullable().optional(),
  siteId: idSchema.nullable().optional(),
  /** Without one a password is generated and answered once. */
  password: password.optional(),
  locale: localeSchema.optional(),
});
export const userUpdateSchema = z.object({
  name: name.optional(),
  role: roleSchema.optional(),
  customerId: idSchema.nullable().optional(),
  siteId: idSchema.nullable().optional(),
  disabled: z.boolean().optional(),
  locale: localeSchema.nullable().optional(),
});
export const userCreatedSchema = z.object({
  user: userSchema,
  /** Only when no password was given: shown this once, never stored in clear. */
  generatedPassword: z.string().nullable(),
});
export const accountCreatedSchema = z.object({
  account: accountSchema,
  admin: userSchema,
  generatedPassword: z.string().nullable(),
});

export const accountPageSchema = pageSchema(accountSchema);
export const customerPageSchema = pageSchema(customerSchema);
export const sitePageSchema = pageSchema(siteSchema);
export const userPageSchema = pageSchema(userSchema);

export type Account = z.infer<typeof accountSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type Site = z.infer<typeof siteSchema>;
export type User = z.infer<typeof userSchema>;
export type UserCreated = z.infer<typeof userCreatedSchema>;
export type AccountCreated = z.infer<typeof accountCreatedSchema>;
export type AccountCreate = z.input<typeof accountCreateSchema>;
export type AccountUpdate = z.input<typeof accountUpdateSchema>;
export type CustomerCreate = z.input<typeof customerCreateSchema>;
export type CustomerUpdate = z.input<typeof customerUpdateSchema>;
export type SiteCreate = z.input<typeof siteCreateSchema>;
export type SiteUpdate = z.input<typeof siteUpdateSchema>;
export type UserCreate = z.input<typeof userCreateSchema>;
export type UserUpdate = z.input<typeof userUpdateSchema>;
export type AccountListQuery = z.input<typeof accountListQuerySchema>;
export type CustomerListQuery = z.input<typeof customerListQuerySchema>;
export type SiteListQuery = z.input<typeof siteListQuerySchema>;
export type UserListQuery = z.input<typeof userListQuerySchema>;
/** One page of a list: `nextCursor` goes into `?cursor=` for the next one (null: the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
