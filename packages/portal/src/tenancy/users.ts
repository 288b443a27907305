import { z } from "zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import { badRequest, forbidden, notFound } from "../http/errors.ts";
import { deleteWithAudit } from "./delete-audited.ts";
import { selectPage } from "./list-page.ts";
import { findAccount, findCustomer, findSite, findUser, targetAccount } from "./lookups.ts";
import { SqlFilter } from "./pagination.ts";
import { presentUser, type UserRow, userColumns } from "./presenters.ts";
import type { Principal } from "./principal.ts";
import { isCustomerRole, mayGrantRole, type Role, roleFitsAccountKind } from "./rights.ts";
import { routeGuard } from "./route-rights.ts";
import { auditRequest, filterByScope, tenancyTag, type ZodApp } from "./route-support.ts";
import {
  accountTargetQuerySchema,
  userCreatedSchema,
  userCreateSchema,
  userListQuerySchema,
  userPageSchema,
  userParamsSchema,
  userSchema,
  userUpdateSchema,
} from "./schemas.ts";
import type { Scope } from "./scope.ts";
import { usersTable } from "./tables.ts";
import { insertUser, preparePassword } from "./user-store.ts";

const sortColumns = {
  name: { column: "name", type: "text" },
  email: { column: "email", type: "text" },
  createdAt: { column: "created_at", type: "timestamptz" },
} as const;

const userList = { table: usersTable, sortColumns, present: presentUser };

/**
 * Users and their roles. Account admins manage their account's users, customer admins the
 * customer users of their own customer; nobody grants or manages a role above their own, and
 * nobody changes their own role or placement or disables or deletes themselves.
 */
export function userRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/users",
    {
      ...routeGuard(["users", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "List users (filter ?customerId= ?siteId= ?role=, search ?q=)",
        querystring: userListQuerySchema,
        response: { 200: userPageSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const filter = filterByScope(new SqlFilter(), principal.scope, usersTable.scopeColumns)
          .equalsIf("account_id", query.accountId)
          .equalsIf("customer_id", query.customerId)
          .equalsIf("site_id", query.siteId)
          .equalsIf("role", query.role)
          .search(["name", "email"], query.q);
        return selectPage(sql, filter, userList, query);
      });
    },
  );

  app.post(
    "/api/v1/users",
    {
      ...routeGuard(["users", "write"]),
      schema: {
        tags: [tenancyTag],
        summary: "Create a user (platform admins name the account: ?accountId=)",
        querystring: accountTargetQuerySchema,
        body: userCreateSchema,
        response: { 201: userCreatedSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      if (!mayGrantRole(principal.role, body.role)) throw forbidden("you cannot grant a role above your own");
      const password = await preparePassword(body.password);
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const account = await targetAccount(sql, principal.scope, request.query.accountId);
        if (!roleFitsAccountKind(body.role, account.kind))
          throw badRequest(`role ${body.role} does not exist in a ${account.kind} account`);
        const placement = await resolvePlacement(sql, principal.scope, account.account_id, body.role, {
          customerId: body.customerId ?? null,
          siteId: body.siteId ?? null,
        });
        const row = await insertUser(sql, {
          accountId: account.account_id,
          email: body.email,
          name: body.name,
          role: body.role,
          ...placement,
          passwordHash: password.hash,
          locale: body.locale ?? null,
        });
        await auditRequest(sql, request, {
          accountId: row.account_id,
          customerId: row.customer_id ?? undefined,
          action: "user.create",
          targetType: "user",
          targetId: row.user_id,
          details: { email: row.email, role: row.role, customerId: row.customer_id, siteId: row.site_id },
        });
        return row;
      });
      reply.code(201);
      return { user: presentUser(row), generatedPassword: password.generated };
    },
  );

  app.get(
    "/api/v1/users/:userId",
    {
      ...routeGuard(["users", "read"]),
      schema: {
        tags: [tenancyTag],
        summary: "Read a user",
        params: userParamsSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, (sql) =>
        findUser(sql, principal.scope, request.params.userId),
      );
      return presentUser(row);
    },
  );

  app.patch(
    "/api/v1/users/:userId",
    {
      ...routeGuard(["users", "write"]),
      schema: {
        tags: [tenancyTag],
        summary: "Change a user's name, role, customer/site, locale, or disable them",
        params: userParamsSchema,
        body: userUpdateSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const before = await findUser(sql, principal.scope, request.params.userId, true);
        const self = isSelf(principal, before);
        if (!mayGrantRole(principal.role, before.role)) throw forbidden("this user's role is above yours");
        const role = body.role ?? before.role;
        const roleChanged = role !== before.role;
        if (roleChanged && self) throw forbidden("you cannot change your own role");
        if (roleChanged && !mayGrantRole(principal.role, role))
          throw forbidden("you cannot grant a role above your own");
        if (body.disabled === true && self) throw forbidden("you cannot disable yourself");
        if (roleChanged) {
          const account = await findAccount(sql, principal.scope, before.account_id);
          if (!roleFitsAccountKind(role, account.kind))
            throw badRequest(`role ${role} does not exist in a ${account.kind} account`);
        }

        // Where the user belongs: as asked, else kept while it still fits the role.
        const customerId =
          body.customerId !== undefined ? body.customerId : isCustomerRole(role) ? before.customer_id : null;
        const siteId =
          body.siteId !== undefined ? body.siteId : customerId === before.customer_id ? before.site_id : null;
        const placement = await resolvePlacement(sql, principal.scope, before.account_id, role, {
          customerId,
          siteId,
        });
        const moved = placement.customerId !== before.customer_id || placement.siteId !== before.site_id;
        if (moved && self) throw forbidden("you cannot change your own customer or site");

        const disabledChanged =
          body.disabled !== undefined && body.disabled !== (before.disabled_at !== null);
        const row = (
          await sql.query<UserRow>(
            `update users set name = coalesce($3, name), role = $4, customer_id = $5, site_id = $6,
               locale = case when $7 then $8 else locale end,
               disabled_at = case when $9::boolean is null then disabled_at
                                  when $9 then coalesce(disabled_at, now()) else null end
             where account_id = $1 and user_id = $2 returning ${userColumns}`,
            [
              before.account_id,
              before.user_id,
              body.name ?? null,
              role,
              placement.customerId,
              placement.siteId,
              body.locale !== undefined,
              body.locale ?? null,
              body.disabled ?? null,
            ],
          )
        ).rows[0] as UserRow;
        // A disabled user is signed out everywhere at once.
        if (row.disabled_at !== null && disabledChanged)
          await sql.query("delete from sessions where account_id = $1 and user_id = $2", [
            row.account_id,
            row.user_id,
          ]);

        const audit = (action: string, details: Record<string, unknown>) =>
          auditRequest(sql, request, {
            accountId: row.account_id,
            customerId: row.customer_id ?? before.customer_id ?? undefined,
            action,
            targetType: "user",
            targetId: row.user_id,
            details: { email: row.email, ...details },
          });
        if (roleChanged)
          await audit("user.role-change", {
            before: { role: before.role, customerId: before.customer_id, siteId: before.site_id },
            after: { role: row.role, customerId: row.customer_id, siteId: row.site_id },
          });
        if (disabledChanged) await audit(row.disabled_at ? "user.disable" : "user.enable", {});
        const changes = changedFields(before, row, roleChanged);
        if (Object.keys(changes).length > 0) await audit("user.update", { changes });
        return row;
      });
      return presentUser(row);
    },
  );

  app.delete(
    "/api/v1/users/:userId",
    {
      ...routeGuard(["users", "write"]),
      schema: {
        tags: [tenancyTag],
        summary: "Delete a user (their sessions and login go with them)",
        params: userParamsSchema,
        response: { 204: z.null().describe("deleted") },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await ctx.db.tenant(principal.scope, async (sql) => {
        const user = await findUser(sql, principal.scope, request.params.userId, true);
        if (!mayGrantRole(principal.role, user.role)) throw forbidden("this user's role is above yours");
        if (isSelf(principal, user)) throw forbidden("you cannot delete yourself");
        // user_logins and sessions follow by cascade.
        await deleteWithAudit(sql, request, usersTable, user, {
          action: "user.delete",
          details: { email: user.email, role: user.role },
        });
      });
      return reply.code(204).send(null);
    },
  );
}

function isSelf(principal: Principal, user: UserRow): boolean {
  return principal.userId === user.user_id && principal.accountId === user.account_id;
}

/** Name, locale and (without a role change, which records it itself) customer and site. */
function changedFields(before: UserRow, after: UserRow, roleChanged: boolean): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (before.name !== after.name) changes.name = { before: before.name, after: after.name };
  if (before.locale !== after.locale) changes.locale = { before: before.locale, after: after.locale };
  if (!roleChanged && (before.customer_id !== after.customer_id || before.site_id !== after.site_id))
    changes.placement = {
      before: { customerId: before.customer_id, siteId: before.site_id },
      after: { customerId: after.customer_id, siteId: after.site_id },
    };
  return changes;
}

/**
 * The customer and site a user of `role` belongs to. Account roles belong to none; customer
 * roles to a customer of the same account within the caller's scope (a customer admin's own by
 * default), optionally one of its sites. Anything outside the caller's scope: not found.
 */
async function resolvePlacement(
  sql: Sql,
  scope: Scope,
  accountId: string,
  role: Role,
  asked: { customerId: string | null; siteId: string | null },
): Promise<{ customerId: string | null; siteId: string | null }> {
  if (!isCustomerRole(role)) {
    if (asked.customerId || asked.siteId) throw badRequest(`role ${role} belongs to no customer or site`);
    return { customerId: null, siteId: null };
  }
  let { customerId, siteId } = asked;
  if (scope.kind === "customer") {
    customerId ??= scope.customerId;
    if (scope.siteId) {
      siteId ??= scope.siteId;
      if (siteId !== scope.siteId) throw notFound("site");
    }
  }
  if (!customerId) throw badRequest(`role ${role} needs a customerId`);
  const customer = await findCustomer(sql, scope, customerId);
  if (customer.account_id !== accountId) throw notFound("customer");
  if (siteId) {
    const site = await findSite(sql, scope, siteId);
    if (site.customer_id !== customer.customer_id || site.account_id !== accountId) throw notFound("site");
  }
  return { customerId: customer.customer_id, siteId };
}
