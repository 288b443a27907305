import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import type { DomainPlugin } from "../domains.ts";
import { forbidden } from "../http/errors.ts";
import { findCustomer, findSite, targetAccount } from "../tenancy/lookups.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { auditRequest, type ZodApp } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import { findCollector } from "./collector-store.ts";
import { collectorsTag } from "./management-routes.ts";
import {
  accountSettingsQuerySchema,
  collectorParamsSchema,
  customerParamsSchema,
  effectiveSettingsSchema,
  type LevelSettingsInput,
  levelSettingsInputSchema,
  levelSettingsSchema,
  type SettingsLevel,
  siteParamsSchema,
} from "./schemas.ts";
import { changedFields, sealLevel, viewEffective, viewLevel } from "./settings-model.ts";
import { effectiveSettings, readLevel, writeLevel } from "./settings-store.ts";

/** One level's row: which account it belongs to, its scope id and the customer it concerns. */
interface LevelTarget {
  level: SettingsLevel;
  accountId: string;
  scopeId: string;
  customerId: string | null;
}

type Resolve = (sql: Sql, scope: Scope, request: FastifyRequest) => Promise<LevelTarget>;

const resolvers: Record<SettingsLevel, Resolve> = {
  async account(sql, scope, request) {
    const { accountId } = request.query as { accountId?: string };
    const account = await targetAccount(sql, scope, accountId);
    return { level: "account", accountId: account.account_id, scopeId: account.account_id, customerId: null };
  },
  async customer(sql, scope, request) {
    const { customerId } = request.params as { customerId: string };
    const customer = await findCustomer(sql, scope, customerId);
    return {
      level: "customer",
      accountId: customer.account_id,
      scopeId: customer.customer_id,
      customerId: customer.customer_id,
    };
  },
  async site(sql, scope, request) {
    const { siteId } = request.params as { siteId: string };
    const site = await findSite(sql, scope, siteId);
    return { level: "site", accountId: site.account_id, scopeId: site.site_id, customerId: site.customer_id };
  },
  async collector(sql, scope, request) {
    const { collectorId } = request.params as { collectorId: string };
    const collector = await findCollector(sql, scope, collectorId);
    return {
      level: "collector",
      accountId: collector.account_id,
      scopeId: collector.collector_id,
      customerId: collector.customer_id,
    };
  },
};

/**
 * A customer's users may read what their collectors inherit, but change only their own levels: the
 * account's level is refused by the route's scope, and a user limited to one site may not change
 * the whole customer's.
 */
function assertMayWrite(scope: Scope, level: SettingsLevel): void {
  if (scope.kind === "customer" && level === "customer" && scope.siteId)
    throw forbidden("your access is limited to one site");
}

const levelPaths: { level: SettingsLevel; path: string; params?: z.ZodType; what: string }[] = [
  {
    level: "account",
    path: "/api/v1/settings/account",
    what: "the account (?accountId= for platform admins)",
  },
  {
    level: "customer",
    path: "/api/v1/settings/customers/:customerId",
    params: customerParamsSchema,
    what: "a customer",
  },
  {
    level: "site",
    path: "/api/v1/settings/sites/:siteId",
    params: siteParamsSchema,
    what: "a site",
  },
  {
    level: "collector",
    path: "/api/v1/settings/collectors/:collectorId",
    params: collectorParamsSchema,
    what: "one collector",
  },
];

/** Collector settings per level (account → customer → site → collector) and their merged result. */
export const collectorSettingsRoutes: DomainPlugin = async (fastify, { ctx }) => {
  const app = fastify as unknown as ZodApp;
  for (const { level, path, params, what } of levelPaths) levelRoutes(app, ctx, level, path, params, what);

  app.get(
    "/api/v1/collectors/:collectorId/effective-settings",
    {
      ...routeGuard(["collectors", "read"]),
      schema: {
        tags: [collectorsTag],
        summary: "The settings a collector gets: every level merged over the defaults (secrets masked)",
        params: collectorParamsSchema,
        response: { 200: effectiveSettingsSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return ctx.db.tenant(principal.scope, async (sql) => {
        const collector = await findCollector(sql, principal.scope, request.params.collectorId);
        const effective = await effectiveSettings(sql, ctx.secrets, {
          accountId: collector.account_id,
          customerId: collector.customer_id,
          siteId: collector.site_id,
          collectorId: collector.collector_id,
        });
        return {
          collectorId: collector.collector_id,
          settings: viewEffective(effective.settings),
          sources: effective.sources,
          delivered: effective.digest === collector.delivered_settings_digest,
        };
      });
    },
  );
};

function levelRoutes(
  app: ZodApp,
  ctx: PortalContext,
  level: SettingsLevel,
  path: string,
  params: z.ZodType | undefined,
  what: string,
): void {
  const paramsOrQuery = params ? { params } : { querystring: accountSettingsQuerySchema };
  const resolve = resolvers[level];

  app.get(
    path,
    {
      ...routeGuard(["collectors", "read"]),
      schema: {
        tags: [collectorsTag],
        summary: `Read the collector settings set for ${what} (secrets masked)`,
        ...paramsOrQuery,
        response: { 200: levelSettingsSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return ctx.db.tenant(principal.scope, async (sql) => {
        const target = await resolve(sql, principal.scope, request);
        const row = await readLevel(sql, target.accountId, level, target.scopeId);
        return {
          level,
          scopeId: target.scopeId,
          settings: viewLevel(row?.settings ?? {}),
          updatedAt: row?.updatedAt.toISOString() ?? null,
          updatedBy: row?.updatedBy ?? null,
        };
      });
    },
  );

  app.put(
    path,
    {
      // The account's own level is the account staff's: customer users get 403 (config.scope).
      ...routeGuard(["collectors", "write"], level === "account" ? "account" : undefined),
      schema: {
        tags: [collectorsTag],
        summary: `Replace the collector settings of ${what}; fields left out are inherited, masked secrets kept`,
        ...paramsOrQuery,
        body: levelSettingsInputSchema,
        response: { 200: levelSettingsSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      assertMayWrite(principal.scope, level);
      return ctx.db.tenant(principal.scope, async (sql) => {
        const target = await resolve(sql, principal.scope, request);
        const before = (await readLevel(sql, target.accountId, level, target.scopeId))?.settings ?? {};
        const settings = sealLevel(request.body as LevelSettingsInput, before, ctx.secrets);
        const updatedAt = await writeLevel(sql, {
          accountId: target.accountId,
          level,
          scopeId: target.scopeId,
          customerId: target.customerId,
          settings,
          updatedBy: principal.userId ?? null,
        });
        await auditRequest(sql, request, {
          accountId: target.accountId,
          customerId: target.customerId ?? undefined,
          action: "collector.settings",
          targetType: `${level}-settings`,
          targetId: target.scopeId,
          // Field names only: values may be secrets.
          details: { level, fields: changedFields(before, settings) },
        });
        return {
          level,
          scopeId: target.scopeId,
          settings: viewLevel(settings),
          updatedAt: updatedAt.toISOString(),
          updatedBy: principal.userId ?? null,
        };
      });
    },
  );
}
