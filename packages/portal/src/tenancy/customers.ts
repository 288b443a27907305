import { z } from "zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import { badRequest, conflict } from "../http/errors.ts";
import { deleteWithAudit } from "./delete-audited.ts";
import { nameOrCreatedSort, selectPage } from "./list-page.ts";
import { findCustomer, targetAccount } from "./lookups.ts";
import { SqlFilter } from "./pagination.ts";
import { type CustomerRow, customerColumns, presentCustomer } from "./presenters.ts";
import { routeGuard } from "./route-rights.ts";
import { auditRequest, filterByScope, tenancyTag, uniqueOr409, type ZodApp } from "./route-support.ts";
import {
  accountTargetQuerySchema,
  customerCreateSchema,
  customerListQuerySchema,
  customerPageSchema,
  customerParamsSchema,
  customerSchema,
  customerUpdateSchema,
} from "./schemas.ts";
import { customersTable } from "./tables.ts";

const customerList = { table: customersTable, sortColumns: nameOrCreatedSort, present: presentCustomer };

const duplicateName = "a customer with this name exists in the account";

/** Customers of an account. Account users see all of their account's; customer users their own. */
export function customerRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/customers",
    {
      ...routeGuard(["tenants", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "List customers (search ?q=, sort by name)",
        querystring: customerListQuerySchema,
        response: { 200: customerPageSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const filter = filterByScope(new SqlFilter(), principal.scope, customersTable.scopeColumns)
          .equalsIf("account_id", query.accountId)
          .search(["name", "external_ref"], query.q);
        return selectPage(sql, filter, customerList, query);
      });
    },
  );

  app.post(
    "/api/v1/customers",
    {
      ...routeGuard(["tenants", "write"], "account"),
      schema: {
        tags: [tenancyTag],
        summary: "Create a customer (platform admins name the account: ?accountId=)",
        querystring: accountTargetQuerySchema,
        body: customerCreateSchema,
        response: { 201: customerSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const account = await targetAccount(sql, principal.scope, request.query.accountId);
        if (account.kind === "platform") throw badRequest("the platform account has no customers");
        const row = await uniqueOr409(
          duplicateName,
          async () =>
            (
              await sql.query<CustomerRow>(
                `insert into customers (account_id, name, external_ref) values ($1, $2, $3)
                 returning ${customerColumns}`,
                [account.account_id, body.name, body.externalRef ?? null],
              )
            ).rows[0] as CustomerRow,
        );
        await auditRequest(sql, request, {
          accountId: row.account_id,
          customerId: row.customer_id,
          action: "customer.create",
          targetType: "customer",
          targetId: row.customer_id,
          details: { name: row.name, externalRef: row.external_ref },
        });
        return row;
      });
      reply.code(201);
      return presentCustomer(row);
    },
  );

  app.get(
    "/api/v1/customers/:customerId",
    {
      ...routeGuard(["tenants", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "Read a customer",
        params: customerParamsSchema,
        response: { 200: customerSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, (sql) =>
        findCustomer(sql, principal.scope, request.params.customerId),
      );
      return presentCustomer(row);
    },
  );

  app.patch(
    "/api/v1/customers/:customerId",
    {
      ...routeGuard(["tenants", "write"], "account"),
      schema: {
        tags: [tenancyTag],
        summary: "Change a customer's name or ERP reference",
        params: customerParamsSchema,
        body: customerUpdateSchema,
        response: { 200: customerSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const before = await findCustomer(sql, principal.scope, request.params.customerId, true);
        const row = await uniqueOr409(
          duplicateName,
          async () =>
            (
              await sql.query<CustomerRow>(
                `update customers set name = coalesce($3, name),
                   external_ref = case when $4 then $5 else external_ref end
                 where account_id = $1 and customer_id = $2 returning ${customerColumns}`,
                [
                  before.account_id,
                  before.customer_id,
                  body.name ?? null,
                  body.externalRef !== undefined,
                  body.externalRef ?? null,
                ],
              )
            ).rows[0] as CustomerRow,
        );
        await auditRequest(sql, request, {
          accountId: row.account_id,
          customerId: row.customer_id,
          action: "customer.update",
          targetType: "customer",
          targetId: row.customer_id,
          details: {
            before: { name: before.name, externalRef: before.external_ref },
            after: { name: row.name, externalRef: row.external_ref },
          },
        });
        return row;
      });
      return presentCustomer(row);
    },
  );

  app.delete(
    "/api/v1/customers/:customerId",
    {
      ...routeGuard(["tenants", "write"], "account"),
      schema: {
        tags: [tenancyTag],
        summary: "Delete a customer with its sites and users (refused while it has collectors or devices)",
        params: customerParamsSchema,
        response: { 204: z.null().describe("deleted") },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await ctx.db.tenant(principal.scope, async (sql) => {
        const customer = await findCustomer(sql, principal.scope, request.params.customerId, true);
        await refuseWhileInUse(sql, customer.account_id, "customer_id", customer.customer_id);
        await deleteWithAudit(sql, request, customersTable, customer, {
          action: "customer.delete",
          details: { name: customer.name },
        });
      });
      return reply.code(204).send(null);
    },
  );
}

/**
 * A customer or site that still has active collectors or devices is not deleted: that would drop
 * meter readings billing depends on. Revoke the collectors and retire the devices first. A site
 * is also kept while users are limited to it (deleting it would delete them).
 */
export async function refuseWhileInUse(
  sql: Sql,
  accountId: string,
  column: "customer_id" | "site_id",
  id: string,
): Promise<void> {
  const row = (
    await sql.query<{ collectors: number; devices: number; users: number }>(
      `select (select count(*) from collectors where account_id = $1 and ${column} = $2 and revoked_at is null) as collectors,
              (select count(*) from devices where account_id = $1 and ${column} = $2 and retired_at is null) as devices,
              (select count(*) from users where account_id = $1 and site_id = $2) as users`,
      [accountId, id],
    )
  ).rows[0];
  if (!row) return;
  if (row.collectors > 0 || row.devices > 0)
    throw conflict(
      `still in use by ${row.collectors} collector(s) and ${row.devices} device(s): revoke and retire them first`,
    );
  if (column === "site_id" && row.users > 0)
    throw conflict(`${row.users} user(s) are limited to this site: move or delete them first`);
}
