import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { DomainPlugin } from "../domains.ts";
import { accountRoutes } from "./accounts.ts";
import { customerRoutes } from "./customers.ts";
import type { ZodApp } from "./route-support.ts";
import { siteRoutes } from "./sites.ts";
import { userRoutes } from "./users.ts";

/** The tenancy domain: accounts, customers, sites and users (docs/rights.md). */
export const tenancyRoutes: DomainPlugin = async (app, { ctx }) => {
  const zodApp: ZodApp = app.withTypeProvider<ZodTypeProvider>();
  accountRoutes(zodApp, ctx);
  customerRoutes(zodApp, ctx);
  siteRoutes(zodApp, ctx);
  userRoutes(zodApp, ctx);
};
