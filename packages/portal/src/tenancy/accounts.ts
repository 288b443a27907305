import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import { nameOrCreatedSort, selectPage } from "./list-page.ts";
import { findAccount } from "./lookups.ts";
import { SqlFilter } from "./pagination.ts";
import { type AccountRow, accountColumns, presentAccount, presentUser } from "./presenters.ts";
import { routeGuard } from "./route-rights.ts";
import { auditRequest, filterByScope, tenancyTag, type ZodApp } from "./route-support.ts";
import {
  accountCreatedSchema,
  accountCreateSchema,
  accountListQuerySchema,
  accountPageSchema,
  accountParamsSchema,
  accountSchema,
  accountUpdateSchema,
} from "./schemas.ts";
import { accountsTable } from "./tables.ts";
import { insertUser, preparePassword } from "./user-store.ts";

const accountList = { table: accountsTable, sortColumns: nameOrCreatedSort, present: presentAccount };

/** Accounts (dealers, IT departments): created by platform admins; each account reads its own. */
export function accountRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/accounts",
    {
      ...routeGuard(["tenants", "read"], "platform"),
      schema: {
        tags: [tenancyTag],
        summary: "List accounts (platform admins)",
        querystring: accountListQuerySchema,
        response: { 200: accountPageSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const filter = filterByScope(new SqlFilter(), principal.scope, accountsTable.scopeColumns)
          .equalsIf("kind", query.kind)
          .search(["name"], query.q);
        return selectPage(sql, filter, accountList, query);
      });
    },
  );

  app.post(
    "/api/v1/accounts",
    {
      ...routeGuard(["tenants", "write"], "platform"),
      schema: {
        tags: [tenancyTag],
        summary: "Create an account with its first admin (platform admins)",
        body: accountCreateSchema,
        response: { 201: accountCreatedSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const password = await preparePassword(body.admin.password);
      const created = await ctx.db.tenant(principal.scope, async (sql) => {
        const account = (
          await sql.query<AccountRow>(
            `insert into accounts (kind, name) values ($1, $2) returning ${accountColumns}`,
            [body.kind, body.name],
          )
        ).rows[0] as AccountRow;
        const admin = await insertUser(sql, {
          accountId: account.account_id,
          email: body.admin.email,
          name: body.admin.name,
          role: "account-admin",
          customerId: null,
          siteId: null,
          passwordHash: password.hash,
          locale: body.admin.locale ?? null,
        });
        await auditRequest(sql, request, {
          accountId: account.account_id,
          action: "account.create",
          targetType: "account",
          targetId: account.account_id,
          details: { kind: account.kind, name: account.name },
        });
        await auditRequest(sql, request, {
          accountId: account.account_id,
          action: "user.create",
          targetType: "user",
          targetId: admin.user_id,
          details: { email: admin.email, role: admin.role },
        });
        return { account, admin };
      });
      reply.code(201);
      return {
        account: presentAccount(created.account),
        admin: presentUser(created.admin),
        generatedPassword: password.generated,
      };
    },
  );

  app.get(
    "/api/v1/accounts/:accountId",
    {
      ...routeGuard(["tenants", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "Read an account (its own users; platform admins any)",
        params: accountParamsSchema,
        response: { 200: accountSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, (sql) =>
        findAccount(sql, principal.scope, request.params.accountId),
      );
      return presentAccount(row);
    },
  );

  app.patch(
    "/api/v1/accounts/:accountId",
    {
      ...routeGuard(["tenants", "write"], "account"),
      schema: {
        tags: [tenancyTag],
        summary: "Rename an account",
        params: accountParamsSchema,
        body: accountUpdateSchema,
        response: { 200: accountSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const before = await findAccount(sql, principal.scope, request.params.accountId, true);
        const row = (
          await sql.query<AccountRow>(
            `update accounts set name = coalesce($2, name) where account_id = $1 returning ${accountColumns}`,
            [before.account_id, body.name ?? null],
          )
        ).rows[0] as AccountRow;
        await auditRequest(sql, request, {
          accountId: row.account_id,
          action: "account.update",
          targetType: "account",
          targetId: row.account_id,
          details: { before: { name: before.name }, after: { name: row.name } },
        });
        return presentAccount(row);
      });
    },
  );
}
