import type { AppOptions } from "../app.ts";
import type { ContextOptions } from "../context.ts";
import { seedTenantTree, type TenantTree, type TestSession } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { hashPassword } from "./passwords.ts";

/** Every user of the test tree has this password. */
export const testPassword = "correct horse battery staple";

export interface AuthFixture {
  portal: TestPortal;
  tree: TenantTree;
  close(): Promise<void>;
}

/** A test portal whose tenant tree users can sign in with testPassword. */
export async function startAuthFixture(
  options: { app?: AppOptions; ctx?: Partial<ContextOptions> } = {},
): Promise<AuthFixture> {
  const portal = await startTestPortal(options);
  const tree = await seedTenantTree(portal.ctx.db, { passwordHash: await hashPassword(testPassword) });
  return { portal, tree, close: () => portal.close() };
}

export interface LoginAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  body: any;
  /** The dp_session Set-Cookie header as sent. */
  setCookie: string | undefined;
  /** Cookie and CSRF headers for further calls, when a session was set. */
  session: TestSession | undefined;
}

/** Headers for calls with a cookie value and CSRF token. */
export function sessionHeaders(cookieValue: string, csrfToken: string): TestSession {
  const cookie = `dp_session=${cookieValue}`;
  return { cookie, csrfToken, headers: { cookie, "x-csrf-token": csrfToken } };
}

/** POSTs JSON to an auth route and reads the session cookie it sets. */
export async function postForSession(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<LoginAnswer> {
  const response = await fetch(new URL(path, baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith("dp_session="));
  const value = setCookie?.split(";")[0]?.slice("dp_session=".length);
  return {
    status: response.status,
    body: parsed,
    setCookie,
    session: value && parsed?.csrfToken ? sessionHeaders(value, parsed.csrfToken) : undefined,
  };
}

export function login(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  return postForSession(baseUrl, "/api/v1/auth/login", { email, password }, headers);
}

export interface AuditRecord {
  action: string;
  customer_id: string | null;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  actor_email: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}

/** Audit rows of an account, oldest first (straight from the table). */
export async function auditOf(portal: TestPortal, accountId: string): Promise<AuditRecord[]> {
  return portal.ctx.db.system(
    async (sql) =>
      (
        await sql.query<AuditRecord>(
          `select action, customer_id, actor_user_id, actor_api_key_id, actor_email, target_id, details
           from audit_log where account_id = $1 order by audit_id`,
          [accountId],
        )
      ).rows,
  );
}
