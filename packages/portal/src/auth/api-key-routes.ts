import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { z } from "zod";
import type { PortalContext } from "../app.ts";
import { badRequest, forbidden, notFound } from "../http/errors.ts";
import { keyset, pageOf, pageSchema, SqlFilter } from "../tenancy/pagination.ts";
import type { Principal } from "../tenancy/principal.ts";
import { isCustomerRole } from "../tenancy/rights.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { auditRequest } from "../tenancy/route-support.ts";
import { scopeCustomerId } from "../tenancy/scope.ts";
import { listAccountOf } from "./account-filter.ts";
import { apiKeyToken, newApiKeySecret, roleWithin } from "./api-keys.ts";
import { principalOf } from "./authenticate.ts";
import {
  apiKeyCreateSchema,
  apiKeyListQuerySchema,
  apiKeyParamsSchema,
  apiKeySchema,
  createdApiKeySchema,
} from "./schemas.ts";

export type ApiKey = z.infer<typeof apiKeySchema>;

interface ApiKeyRow {
  api_key_id: string;
  account_id: string;
  customer_id: string | null;
  name: string;
  role: ApiKey["role"];
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const apiKeyColumns =
  "k.api_key_id, k.account_id, k.customer_id, k.name, k.role, k.created_by, k.created_at, k.last_used_at, k.revoked_at";

function presentApiKey(row: ApiKeyRow): ApiKey {
  return {
    apiKeyId: row.api_key_id,
    accountId: row.account_id,
    customerId: row.customer_id,
    name: row.name,
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

const sortColumns = {
  createdAt: { column: "k.created_at", type: "timestamptz" },
  name: { column: "k.name", type: "text" },
} as const;

/**
 * Where a new key belongs and whom it sees, checked against its creator: a key never has more
 * rights than its creator's role, and never a wider scope (a customer admin's keys see its customer).
 */
function placeNewKey(
  me: Principal,
  body: z.infer<typeof apiKeyCreateSchema>,
): { accountId: string; customerId: string | undefined } {
  let accountId = me.accountId;
  if (body.accountId !== undefined && body.accountId !== me.accountId) {
    if (me.scope.kind !== "platform") throw notFound("account");
    accountId = body.accountId;
  }
  if (!roleWithin(body.role, me.role)) throw forbidden("a key cannot have more rights than your own role");
  if (me.scope.kind === "customer") {
    if (me.scope.siteId)
      throw forbidden("users limited to one site cannot create keys (a key sees the customer)");
    if (!isCustomerRole(body.role)) throw forbidden("your keys can only have customer roles");
    if (body.customerId !== undefined && body.customerId !== me.scope.customerId) throw notFound("customer");
    return { accountId, customerId: me.scope.customerId };
  }
  if (isCustomerRole(body.role)) {
    if (!body.customerId) throw badRequest("a key with a customer role needs customerId");
    return { accountId, customerId: body.customerId };
  }
  if (body.customerId)
    throw badRequest("a key with an account role sees the whole account: leave customerId out");
  return { accountId, customerId: undefined };
}

/** API keys for scripts and integrations: list, create (secret shown once), revoke. */
export function apiKeyRoutes(ctx: PortalContext): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.get(
      "/api/v1/api-keys",
      {
        schema: {
          tags: ["api-keys"],
          summary: "API keys in the caller's scope, newest first",
          querystring: apiKeyListQuerySchema,
          response: { 200: pageSchema(apiKeySchema) },
        },
        ...routeGuard(["users", "read"]),
      },
      async (request) => {
        const me = principalOf(request);
        const query = request.query;
        const filter = new SqlFilter()
          .equalsIf("k.account_id", listAccountOf(me.scope, query.accountId))
          .equalsIf("k.customer_id", scopeCustomerId(me.scope));
        if (!query.includeRevoked) filter.and("k.revoked_at is null");
        const page = keyset(filter, {
          sort: query.sort,
          columns: sortColumns,
          idColumn: "k.api_key_id",
          cursor: query.cursor,
          limit: query.limit,
        });
        const rows = await ctx.db.tenant(
          me.scope,
          async (sql) =>
            (
              await sql.query<ApiKeyRow & { sort_key: string }>(
                `select ${apiKeyColumns}, ${page.sortKey} as sort_key from api_keys k
                 ${filter.where} ${page.orderBy} limit ${page.limit}`,
                filter.params,
              )
            ).rows,
        );
        const result = pageOf(rows, query.limit, query.sort, (row) => row.api_key_id);
        return { items: result.rows.map(presentApiKey), nextCursor: result.nextCursor };
      },
    );

    app.post(
      "/api/v1/api-keys",
      {
        schema: {
          tags: ["api-keys"],
          summary: "Create an API key; the answer holds its token, which is never shown again",
          body: apiKeyCreateSchema,
          response: { 201: createdApiKeySchema },
        },
        ...routeGuard(["users", "write"]),
      },
      async (request, reply) => {
        const me = principalOf(request);
        const place = placeNewKey(me, request.body);
        const { secret, secretHash } = newApiKeySecret();
        const row = await ctx.db.tenant(me.scope, async (sql) => {
          const account = await sql.query("select 1 from accounts where account_id = $1", [place.accountId]);
          if (!account.rowCount) throw notFound("account");
          if (place.customerId) {
            const customer = await sql.query(
              "select 1 from customers where account_id = $1 and customer_id = $2",
              [place.accountId, place.customerId],
            );
            if (!customer.rowCount) throw notFound("customer");
          }
          const created = (
            await sql.query<ApiKeyRow>(
              `insert into api_keys as k (account_id, customer_id, name, role, secret_hash, created_by)
               values ($1, $2, $3, $4, $5, $6) returning ${apiKeyColumns}`,
              [
                place.accountId,
                place.customerId ?? null,
                request.body.name,
                request.body.role,
                secretHash,
                me.userId ?? null,
              ],
            )
          ).rows[0] as ApiKeyRow;
          await auditRequest(sql, request, {
            accountId: place.accountId,
            customerId: place.customerId,
            action: "api-key.create",
            targetType: "api-key",
            targetId: created.api_key_id,
            details: { name: created.name, role: created.role },
          });
          return created;
        });
        reply.status(201);
        return { ...presentApiKey(row), token: apiKeyToken(row.account_id, row.api_key_id, secret) };
      },
    );

    app.delete(
      "/api/v1/api-keys/:apiKeyId",
      {
        schema: {
          tags: ["api-keys"],
          summary: "Revoke an API key: from now on it is refused",
          params: apiKeyParamsSchema,
        },
        ...routeGuard(["users", "write"]),
      },
      async (request, reply) => {
        const me = principalOf(request);
        await ctx.db.tenant(me.scope, async (sql) => {
          const filter = new SqlFilter()
            .equalsIf("k.api_key_id", request.params.apiKeyId)
            .equalsIf("k.account_id", listAccountOf(me.scope, undefined))
            .equalsIf("k.customer_id", scopeCustomerId(me.scope));
          const key = (
            await sql.query<ApiKeyRow>(
              `select ${apiKeyColumns} from api_keys k ${filter.where} for update`,
              filter.params,
            )
          ).rows[0];
          if (!key) throw notFound("API key");
          if (key.revoked_at) return;
          await sql.query(
            "update api_keys set revoked_at = now() where account_id = $1 and api_key_id = $2",
            [key.account_id, key.api_key_id],
          );
          await auditRequest(sql, request, {
            accountId: key.account_id,
            customerId: key.customer_id ?? undefined,
            action: "api-key.revoke",
            targetType: "api-key",
            targetId: key.api_key_id,
            details: { name: key.name },
          });
        });
        return reply.status(204).send();
      },
    );
  };
}
