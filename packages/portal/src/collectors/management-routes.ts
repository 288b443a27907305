import { createEnrolmentToken, deriveEnrolmentKey } from "@device-portal/protocol";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import type { DomainPlugin } from "../domains.ts";
import { notFound } from "../http/errors.ts";
import { findSite } from "../tenancy/lookups.ts";
import { keyset, pageOf, SqlFilter } from "../tenancy/pagination.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { auditRequest, filterByScope, type ZodApp } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import {
  type CollectorRow,
  collectorColumns,
  collectorFrom,
  findCollector,
  presentCollector,
  presentToken,
  revokeCollectorAccess,
  type TokenRow,
  tokenColumns,
  tokenState,
} from "./collector-store.ts";
import {
  collectorListQuerySchema,
  collectorPageSchema,
  collectorParamsSchema,
  collectorSchema,
  collectorUpdateSchema,
  enrolmentTokenCreatedSchema,
  enrolmentTokenCreateSchema,
  enrolmentTokenPageSchema,
  enrolmentTokenSchema,
  siteParamsSchema,
  tokenListQuerySchema,
  tokenParamsSchema,
} from "./schemas.ts";

export const collectorsTag = "collectors";

const dayMs = 86_400_000;

/**
 * Token ids are not UUIDs, which the shared keyset cursor expects as its tie-breaker: a UUID made
 * from the key id (md5, stable) stands in.
 */
const tokenOrder = "md5(e.key_id)::uuid";

/** The command lines that start a collector with `token` against this portal. */
export function installCommands(publicUrl: string, token: string) {
  return {
    installCommand: `npx ice run --portal ${publicUrl} --token ${token}`,
    bundleCommand: `node ice.mjs run --portal ${publicUrl} --token ${token}`,
  };
}

async function findToken(sql: Sql, scope: Scope, tokenId: string, lock = false): Promise<TokenRow> {
  const filter = filterByScope(new SqlFilter(), scope, {
    account: "t.account_id",
    customer: "t.customer_id",
    site: "t.site_id",
  });
  filter.and(`t.key_id = ${filter.param(tokenId)}`);
  const row = (
    await sql.query<TokenRow>(
      `select ${tokenColumns} from enrolment_tokens t ${filter.where}${lock ? " for update" : ""}`,
      filter.params,
    )
  ).rows[0];
  if (!row) throw notFound("enrolment token");
  return row;
}

/** Enrolment tokens and collectors: enrol, list with health, rename, revoke. */
export const collectorsRoutes: DomainPlugin = async (fastify, { ctx }) => {
  const app = fastify as unknown as ZodApp;
  tokenRoutes(app, ctx);
  collectorRoutes(app, ctx);
};

function tokenRoutes(app: ZodApp, ctx: PortalContext): void {
  app.post(
    "/api/v1/sites/:siteId/enrolment-tokens",
    {
      ...routeGuard(["collectors", "write"]),
      schema: {
        tags: [collectorsTag],
        summary: "Create an enrolment token for a site (answered once, with the install command)",
        params: siteParamsSchema,
        body: enrolmentTokenCreateSchema,
        response: { 201: enrolmentTokenCreatedSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const token = createEnrolmentToken();
      const { keyId, key } = deriveEnrolmentKey(token);
      const expiresAt = new Date(Date.now() + (request.body?.expiresInDays ?? 7) * dayMs);
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const site = await findSite(sql, principal.scope, request.params.siteId);
        await sql.query(
          `insert into enrolment_tokens (account_id, key_id, customer_id, site_id, key_enc, created_by, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [
            site.account_id,
            keyId,
            site.customer_id,
            site.site_id,
            ctx.secrets.seal(key),
            principal.userId ?? null,
            expiresAt,
          ],
        );
        await sql.query(
          "insert into collector_keys (key_id, kind, account_id) values ($1, 'enrolment', $2)",
          [keyId, site.account_id],
        );
        await auditRequest(sql, request, {
          accountId: site.account_id,
          customerId: site.customer_id,
          action: "collector.enrolment-token-create",
          targetType: "enrolment-token",
          targetId: keyId,
          details: { siteId: site.site_id, expiresAt: expiresAt.toISOString() },
        });
        return findToken(sql, principal.scope, keyId);
      });
      reply.code(201);
      return { ...presentToken(row), token, ...installCommands(ctx.publicUrl, token) };
    },
  );

  app.get(
    "/api/v1/enrolment-tokens",
    {
      ...routeGuard(["collectors", "read"]),
      schema: {
        tags: [collectorsTag],
        summary:
          "List enrolment tokens (filter ?customerId=, ?siteId=, ?state=); never the tokens themselves",
        querystring: tokenListQuerySchema,
        response: { 200: enrolmentTokenPageSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const filter = filterByScope(new SqlFilter(), principal.scope, {
          account: "t.account_id",
          customer: "t.customer_id",
          site: "t.site_id",
        })
          .equalsIf("t.customer_id", query.customerId)
          .equalsIf("t.site_id", query.siteId);
        if (query.state) filter.and(`${tokenState("t")} = ${filter.param(query.state)}`);
        const page = keyset(filter, {
          sort: query.sort,
          columns: {
            createdAt: { column: "t.created_at", type: "timestamptz" },
            expiresAt: { column: "t.expires_at", type: "timestamptz" },
          },
          idColumn: "t.token_order",
          cursor: query.cursor,
          limit: query.limit,
        });
        const rows = (
          await sql.query<TokenRow & { sort_key: string; token_order: string }>(
            `select ${tokenColumns}, ${page.sortKey} as sort_key, t.token_order
             from (select e.*, ${tokenOrder} as token_order from enrolment_tokens e) t
             ${filter.where} ${page.orderBy} limit ${page.limit}`,
            filter.params,
          )
        ).rows;
        const result = pageOf(rows, query.limit, query.sort, (r) => r.token_order);
        return { items: result.rows.map(presentToken), nextCursor: result.nextCursor };
      });
    },
  );

  app.delete(
    "/api/v1/enrolment-tokens/:tokenId",
    {
      ...routeGuard(["collectors", "write"]),
      schema: {
        tags: [collectorsTag],
        summary: "Revoke an enrolment token: it cannot enrol again, and its collector is revoked too",
        params: tokenParamsSchema,
        response: { 200: enrolmentTokenSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const token = await findToken(sql, principal.scope, request.params.tokenId, true);
        await sql.query(
          "update enrolment_tokens set revoked_at = coalesce(revoked_at, now()) where account_id = $1 and key_id = $2",
          [token.account_id, token.key_id],
        );
        await sql.query("delete from collector_keys where key_id = $1 and account_id = $2", [
          token.key_id,
          token.account_id,
        ]);
        if (token.collector_id) await revokeCollectorAccess(sql, token.account_id, token.collector_id);
        await auditRequest(sql, request, {
          accountId: token.account_id,
          customerId: token.customer_id,
          action: "collector.enrolment-token-revoke",
          targetType: "enrolment-token",
          targetId: token.key_id,
          details: { siteId: token.site_id, collectorId: token.collector_id },
        });
        return findToken(sql, principal.scope, token.key_id);
      });
      return presentToken(row);
    },
  );
}

function collectorRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/collectors",
    {
      ...routeGuard(["collectors", "read"]),
      schema: {
        tags: [collectorsTag],
        summary: "List collectors with their health (filter ?customerId=, ?siteId=, search ?q=)",
        querystring: collectorListQuerySchema,
        response: { 200: collectorPageSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      return ctx.db.tenant(principal.scope, async (sql) => {
        const filter = filterByScope(new SqlFilter(), principal.scope, {
          account: "c.account_id",
          customer: "c.customer_id",
          site: "c.site_id",
        })
          .equalsIf("c.customer_id", query.customerId)
          .equalsIf("c.site_id", query.siteId)
          .search(["c.name", "c.hostname"], query.q);
        const page = keyset(filter, {
          sort: query.sort,
          columns: {
            name: { column: "c.name", type: "text" },
            createdAt: { column: "c.created_at", type: "timestamptz" },
            // Never-seen collectors sort as seen at the epoch, so the keyset stays total.
            lastContactAt: {
              column: "coalesce(c.last_contact_at, 'epoch'::timestamptz)",
              type: "timestamptz",
            },
          },
          idColumn: "c.collector_id",
          cursor: query.cursor,
          limit: query.limit,
        });
        const rows = (
          await sql.query<CollectorRow & { sort_key: string }>(
            `select ${collectorColumns}, ${page.sortKey} as sort_key from ${collectorFrom} ${filter.where}
             ${page.orderBy} limit ${page.limit}`,
            filter.params,
          )
        ).rows;
        const result = pageOf(rows, query.limit, query.sort, (r) => r.collector_id);
        return { items: result.rows.map(presentCollector), nextCursor: result.nextCursor };
      });
    },
  );

  app.get(
    "/api/v1/collectors/:collectorId",
    {
      ...routeGuard(["collectors", "read"]),
      schema: {
        tags: [collectorsTag],
        summary: "Read a collector and its health",
        params: collectorParamsSchema,
        response: { 200: collectorSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, (sql) =>
        findCollector(sql, principal.scope, request.params.collectorId),
      );
      return presentCollector(row);
    },
  );

  app.patch(
    "/api/v1/collectors/:collectorId",
    {
      ...routeGuard(["collectors", "write"]),
      schema: {
        tags: [collectorsTag],
        summary: "Rename a collector",
        params: collectorParamsSchema,
        body: collectorUpdateSchema,
        response: { 200: collectorSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const before = await findCollector(sql, principal.scope, request.params.collectorId, true);
        await sql.query("update collectors set name = $3 where account_id = $1 and collector_id = $2", [
          before.account_id,
          before.collector_id,
          request.body.name,
        ]);
        await auditRequest(sql, request, {
          accountId: before.account_id,
          customerId: before.customer_id,
          action: "collector.rename",
          targetType: "collector",
          targetId: before.collector_id,
          details: { before: before.name, after: request.body.name },
        });
        return findCollector(sql, principal.scope, before.collector_id);
      });
      return presentCollector(row);
    },
  );

  app.post(
    "/api/v1/collectors/:collectorId/revoke",
    {
      ...routeGuard(["collectors", "write"]),
      schema: {
        tags: [collectorsTag],
        summary: "Revoke a collector: its key stops working and its enrolment token with it",
        params: collectorParamsSchema,
        response: { 200: collectorSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await ctx.db.tenant(principal.scope, async (sql) => {
        const before = await findCollector(sql, principal.scope, request.params.collectorId, true);
        await revokeCollectorAccess(sql, before.account_id, before.collector_id);
        await auditRequest(sql, request, {
          accountId: before.account_id,
          customerId: before.customer_id,
          action: "collector.revoke",
          targetType: "collector",
          targetId: before.collector_id,
          details: { siteId: before.site_id, name: before.name },
        });
        return findCollector(sql, principal.scope, before.collector_id);
      });
      return presentCollector(row);
    },
  );
}
