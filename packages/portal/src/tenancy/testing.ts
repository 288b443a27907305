import { call, seedTenantTree, sessionFor, type TenantTree, type TestSession } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";

/** A test portal with the tenant tree and a session for each of its users (tenancy tests). */
export interface TenancyFixture {
  portal: TestPortal;
  tree: TenantTree;
  as: Record<keyof TenantTree["users"], TestSession>;
  /** Calls the portal as one of the tree's users, or anonymously (undefined). */
  api(
    who: keyof TenantTree["users"] | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): ReturnType<typeof call>;
  /** Audit rows of an account, newest last. */
  audit(accountId: string): Promise<AuditRow[]>;
  close(): Promise<void>;
}

export interface AuditRow {
  action: string;
  customer_id: string | null;
  actor_user_id: string | null;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}

export async function startTenancyFixture(): Promise<TenancyFixture> {
  const portal = await startTestPortal();
  const tree = await seedTenantTree(portal.ctx.db);
  const as = {} as Record<keyof TenantTree["users"], TestSession>;
  for (const [key, user] of Object.entries(tree.users))
    as[key as keyof TenantTree["users"]] = await sessionFor(portal.ctx.db, user);
  return {
    portal,
    tree,
    as,
    api: (who, method, path, body) => call(portal.url, who ? as[who] : undefined, method, path, body),
    audit: (accountId) =>
      portal.ctx.db.system(
        async (sql) =>
          (
            await sql.query<AuditRow>(
              `select action, customer_id, actor_user_id, target_type, target_id, details
               from audit_log where account_id = $1 order by audit_id`,
              [accountId],
            )
          ).rows,
      ),
    close: () => portal.close(),
  };
}
