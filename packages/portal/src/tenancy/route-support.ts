import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { type AuditEvent, recordAudit } from "../audit/audit.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import { conflict } from "../http/errors.ts";
import type { SqlFilter } from "./pagination.ts";
import type { Scope } from "./scope.ts";

/** The Fastify instance as the domain plugins use it: zod schemas type the handlers. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export const tenancyTag = "tenancy";

/**
 * The first wall: a query's explicit tenant filter. Each named column is tied to the scope's
 * account, customer and site (row-level security is the second wall behind it).
 */
export function filterByScope(
  filter: SqlFilter,
  scope: Scope,
  columns: { account: string; customer?: string; site?: string },
): SqlFilter {
  if (scope.kind === "platform") return filter;
  filter.equalsIf(columns.account, scope.accountId);
  if (scope.kind === "customer") {
    if (columns.customer) filter.equalsIf(columns.customer, scope.customerId);
    if (columns.site) filter.equalsIf(columns.site, scope.siteId);
  }
  return filter;
}

/** PostgreSQL's unique_violation: a duplicate name or e-mail. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "23505";
}

/** Runs `fn`, answering 409 with `message` when it trips a unique constraint. */
export async function uniqueOr409<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(message);
    throw error;
  }
}

/** Records an audit event by the request's principal, from the request's address. */
export function auditRequest(
  sql: Sql,
  request: FastifyRequest,
  event: Omit<AuditEvent, "actor" | "ip">,
): Promise<void> {
  return recordAudit(sql, { ...event, actor: principalOf(request), ip: request.ip });
}
