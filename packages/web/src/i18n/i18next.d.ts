import "i18next";
import type audit from "./en/audit.json";
import type auth from "./en/auth.json";
import type collectors from "./en/collectors.json";
import type common from "./en/common.json";
import type dashboard from "./en/dashboard.json";
import type devices from "./en/devices.json";
import type tenants from "./en/tenants.json";

// Keys are checked at compile time against the English catalogues; catalogues.test.ts keeps German in step.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "common";
    resources: {
      common: typeof common;
      auth: typeof auth;
      dashboard: typeof dashboard;
      devices: typeof devices;
      collectors: typeof collectors;
      tenants: typeof tenants;
      audit: typeof audit;
    };
  }
}
