/**
 * Types of the REST API for the web app (packages/web), inferred from the routes' zod schemas.
 * Each domain adds its own exports here.
 */
import type { z } from "zod";
import type { auditEntrySchema, auditListQuerySchema } from "./audit/schemas.ts";
import type {
  apiKeyCreateSchema,
  apiKeySchema,
  createdApiKeySchema,
  loginResponseSchema,
  profileSchema,
  profileUpdateSchema,
  totpSetupSchema,
} from "./auth/schemas.ts";

// Auth
export type UserProfile = z.infer<typeof profileSchema>;
export type LoginResponse = z.infer<typeof loginResponseSchema>;
export type ProfileUpdate = z.input<typeof profileUpdateSchema>;
export type TotpSetup = z.infer<typeof totpSetupSchema>;
export type ApiKey = z.infer<typeof apiKeySchema>;
export type ApiKeyCreate = z.input<typeof apiKeyCreateSchema>;
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

// Audit
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type AuditQuery = z.input<typeof auditListQuerySchema>;

// Collectors
export type {
  Collector,
  CollectorListQuery,
  CollectorUpdate,
  EffectiveSettings,
  EffectiveSettingsView,
  EnrolmentToken,
  EnrolmentTokenCreate,
  EnrolmentTokenCreated,
  EnrolmentTokenListQuery,
  KnownDevice,
  LevelSettings,
  LevelSettingsInput,
  LevelSettingsView,
  SettingsLevel,
} from "./collectors/schemas.ts";
// Fleet: devices, meter readings, page volumes, dashboard
export type {
  DashboardSummary,
  Device,
  DeviceAlert,
  DeviceDetail,
  DeviceListQuery,
  DevicePage,
  DeviceStatus,
  DeviceUpdate,
  DeviceVolumes,
  MeterReading,
  MeterReadingPage,
  MonthlyVolume,
} from "./fleet/schemas.ts";
// Service: alerts
export type { Alert, AlertListQuery, AlertPage } from "./service/schemas.ts";
// Supplies
export type {
  DeviceSupplies,
  LowSuppliesQuery,
  LowSupply,
  LowSupplyPage,
  Supply,
  SupplyChange,
  SupplyReading,
  SupplyWithHistory,
} from "./supplies/schemas.ts";
// Tenancy: accounts, customers, sites, users, roles and rights
export type { Access, Activity, Role } from "./tenancy/rights.ts";
export type {
  Account,
  AccountCreate,
  AccountCreated,
  AccountListQuery,
  AccountUpdate,
  Customer,
  CustomerCreate,
  CustomerListQuery,
  CustomerUpdate,
  Page,
  Site,
  SiteCreate,
  SiteListQuery,
  SiteUpdate,
  User,
  UserCreate,
  UserCreated,
  UserListQuery,
  UserUpdate,
} from "./tenancy/schemas.ts";
