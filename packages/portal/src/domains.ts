import type { FastifyPluginAsync } from "fastify";
import type { PortalContext } from "./app.ts";
import { auditRoutes } from "./audit/routes.ts";
import { authRoutes } from "./auth/routes.ts";
import { collectorsRoutes } from "./collectors/management-routes.ts";
import { collectorProtocolRoutes } from "./collectors/protocol-routes.ts";
import { collectorSettingsRoutes } from "./collectors/settings-routes.ts";
import { fleetRoutes } from "./fleet/routes.ts";
import { serviceRoutes } from "./service/routes.ts";
import { suppliesRoutes } from "./supplies/routes.ts";
import { tenancyRoutes } from "./tenancy/routes.ts";

/**
 * Every domain of the portal is one Fastify plugin that registers its own routes
 * (`export const xRoutes: DomainPlugin`). app.ts registers them in this order.
 */
export type DomainPlugin = FastifyPluginAsync<{ ctx: PortalContext }>;

export const domainPlugins: DomainPlugin[] = [
  authRoutes,
  auditRoutes,
  tenancyRoutes,
  collectorsRoutes,
  collectorSettingsRoutes,
  collectorProtocolRoutes,
  fleetRoutes,
  suppliesRoutes,
  serviceRoutes,
];
