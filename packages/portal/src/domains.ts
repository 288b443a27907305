import type { FastifyPluginAsync } from "fastify";
import type { PortalContext } from "./app.ts";

/**
 * Every domain of the portal is one Fastify plugin that registers its own routes
 * (`export const xRoutes: DomainPlugin`). app.ts registers them in this order.
 */
export type DomainPlugin = FastifyPluginAsync<{ ctx: PortalContext }>;

export const domainPlugins: DomainPlugin[] = [];
