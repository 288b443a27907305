import { z } from "zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import { forbidden } from "../http/errors.ts";
import { refuseWhileInUse } from "./customers.ts";
import { deleteWithAudit } from "./delete-audited.ts";
import { nameOrCreatedSort, selectPage } from "./list-page.ts";
import { findCustomer, findSite } from "./lookups.ts";
import { SqlFilter } from "./pagination.ts";
import { presentSite, type SiteRow, siteColumns } from "./presenters.ts";
import { routeGuard } from "./route-rights.ts";
import { auditRequest, filterByScope, tenancyTag, uniqueOr409, type ZodApp } from "./route-support.ts";
import {
  siteCreateSchema,
  siteListQuerySchema,
  sitePageSchema,
  siteParamsSchema,
  siteSchema,
  siteUpdateSchema,
} from "./schemas.ts";
import { sitesTable } from "./tables.ts";

const siteList = { table: sitesTable, sortColumns: nameOrCreatedSort, present: presentSite };

const duplicateName = "a site with this name exists for the customer";

/** Sites (locations) of customers; customer admins manage their own customer's sites. */
export function siteRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/sites",
    {
      ...routeGuard(["tenants", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "List sites (filter ?customerId=, search ?q=)",
        querystring: siteListQuerySchema,
        response: { 200: sitePageSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const filter = filterByScope(new SqlFilter(), principal.scope, sitesTable.scopeColumns)
          .equalsIf("account_id", query.accountId)
          .equalsIf("customer_id", query.customerId)
          .search(["name", "address"], query.q);
        return selectPage(sql, filter, siteList, query);
      });
    },
  );

  app.post(
    "/api/v1/sites",
    {
      ...routeGuard(["tenants", "write"]),
      schema: {
        tags: [tenancyTag],
        summary: "Create a site for a customer",
        body: siteCreateSchema,
        response: { 201: siteSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      if (principal.scope.kind === "customer" && principal.scope.siteId)
        throw forbidden("your access is limited to one site");
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const customer = await findCustomer(sql, principal.scope, body.customerId);
        const row = await uniqueOr409(
          duplicateName,
          async () =>
            (
              await sql.query<SiteRow>(
                `insert into sites (account_id, customer_id, name, address, time_zone) values ($1, $2, $3, $4, $5)
                 returning ${siteColumns}`,
                [customer.account_id, customer.customer_id, body.name, body.address ?? null, body.timeZone],
              )
            ).rows[0] as SiteRow,
        );
        await auditRequest(sql, request, {
          accountId: row.account_id,
          customerId: row.customer_id,
          action: "site.create",
          targetType: "site",
          targetId: row.site_id,
          details: { name: row.name, timeZone: row.time_zone },
        });
        return row;
      });
      reply.code(201);
      return presentSite(row);
    },
  );

  app.get(
    "/api/v1/sites/:siteId",
    {
      ...routeGuard(["tenants", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "Read a site",
        params: siteParamsSchema,
        response: { 200: siteSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, (sql) =>
        findSite(sql, principal.scope, request.params.siteId),
      );
      return presentSite(row);
    },
  );

  app.patch(
    "/api/v1/sites/:siteId",
    {
      ...routeGuard(["tenants", "write"]),
      schema: {
        tags: [tenancyTag],
        summary: "Change a site's name, address or time zone",
        params: siteParamsSchema,
        body: siteUpdateSchema,
        response: { 200: siteSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const before = await findSite(sql, principal.scope, request.params.siteId, true);
        const row = await uniqueOr409(
          duplicateName,
          async () =>
            (
              await sql.query<SiteRow>(
                `update sites set name = coalesce($3, name), time_zone = coalesce($4, time_zone),
                   address = case when $5 then $6 else address end
                 where account_id = $1 and site_id = $2 returning ${siteColumns}`,
                [
                  before.account_id,
                  before.site_id,
                  body.name ?? null,
                  body.timeZone ?? null,
                  body.address !== undefined,
                  body.address ?? null,
                ],
              )
            ).rows[0] as SiteRow,
        );
        await auditRequest(sql, request, {
          accountId: row.account_id,
          customerId: row.customer_id,
          action: "site.update",
          targetType: "site",
          targetId: row.site_id,
          details: {
            before: { name: before.name, address: before.address, timeZone: before.time_zone },
            after: { name: row.name, address: row.address, timeZone: row.time_zone },
          },
        });
        return row;
      });
      return presentSite(row);
    },
  );

  app.delete(
    "/api/v1/sites/:siteId",
    {
      ...routeGuard(["tenants", "write"]),
      schema: {
        tags: [tenancyTag],
        summary: "Delete a site (refused while it has collectors or devices)",
        params: siteParamsSchema,
        response: { 204: z.null().describe("deleted") },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await ctx.db.tenant(principal.scope, async (sql) => {
        const site = await findSite(sql, principal.scope, request.params.siteId, true);
        await refuseWhileInUse(sql, site.account_id, "site_id", site.site_id);
        await deleteWithAudit(sql, request, sitesTable, site, {
          action: "site.delete",
          details: { name: site.name },
        });
      });
      return reply.code(204).send(null);
    },
  );
}
