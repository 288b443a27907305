import { createSession } from "../auth/sessions.ts";
import type { Db } from "../db/pool.ts";
import type { Role } from "../tenancy/rights.ts";

/**
 * A small tenant tree for tests, written straight into the database:
 *   platform (platform-admin)
 *   dealer A: customers A1 (sites A1-north, A1-south) and A2 (site A2-main); a user of every
 *     account role; customer-admin and customer-user of A1
 *   dealer B: customer B1 (site B1-main); an account-admin
 */
export interface TestUser {
  accountId: string;
  userId: string;
  email: string;
  role: Role;
  customerId?: string | undefined;
  siteId?: string | undefined;
}

export interface TenantTree {
  platformId: string;
  a: { accountId: string; a1: string; a2: string; a1North: string; a1South: string; a2Main: string };
  b: { accountId: string; b1: string; b1Main: string };
  users: {
    platformAdmin: TestUser;
    accountAdmin: TestUser;
    technician: TestUser;
    billing: TestUser;
    customerAdmin: TestUser;
    customerUser: TestUser;
    otherAccountAdmin: TestUser;
  };
}

export async function seedTenantTree(db: Db, options: { passwordHash?: string } = {}): Promise<TenantTree> {
  return db.system(async (sql) => {
    const one = async <T>(text: string, params: unknown[]) => (await sql.query(text, params)).rows[0] as T;
    const account = async (kind: string, name: string) =>
      (
        await one<{ account_id: string }>(
          "insert into accounts (kind, name) values ($1, $2) returning account_id",
          [kind, name],
        )
      ).account_id;
    const customer = async (accountId: string, name: string) =>
      (
        await one<{ customer_id: string }>(
          "insert into customers (account_id, name) values ($1, $2) returning customer_id",
          [accountId, name],
        )
      ).customer_id;
    const site = async (accountId: string, customerId: string, name: string) =>
      (
        await one<{ site_id: string }>(
          "insert into sites (account_id, customer_id, name) values ($1, $2, $3) returning site_id",
          [accountId, customerId, name],
        )
      ).site_id;
    const user = async (
      accountId: string,
      email: string,
      role: Role,
      customerId?: string,
      siteId?: string,
    ): Promise<TestUser> => {
      const row = await one<{ user_id: string }>(
        `insert into users (account_id, email, name, role, customer_id, site_id, password_hash)
         values ($1, $2, $3, $4, $5, $6, $7) returning user_id`,
        [
          accountId,
          email,
          email.split("@")[0],
          role,
          customerId ?? null,
          siteId ?? null,
          options.passwordHash ?? null,
        ],
      );
      await sql.query("insert into user_logins (email, account_id, user_id) values ($1, $2, $3)", [
        email,
        accountId,
        row.user_id,
      ]);
      return { accountId, userId: row.user_id, email, role, customerId, siteId };
    };

    // A portal that has started once already has its platform account.
    const existingPlatform = await sql.query<{ account_id: string }>(
      "select account_id from accounts where kind = 'platform'",
    );
    const platformId = existingPlatform.rows[0]?.account_id ?? (await account("platform", "Platform"));
    const aId = await account("dealer", "Dealer A");
    const a1 = await customer(aId, "Customer A1");
    const a2 = await customer(aId, "Customer A2");
    const a1North = await site(aId, a1, "A1 north");
    const a1South = await site(aId, a1, "A1 south");
    const a2Main = await site(aId, a2, "A2 main");
    const bId = await account("dealer", "Dealer B");
    const b1 = await customer(bId, "Customer B1");
    const b1Main = await site(bId, b1, "B1 main");
    return {
      platformId,
      a: { accountId: aId, a1, a2, a1North, a1South, a2Main },
      b: { accountId: bId, b1, b1Main },
      users: {
        platformAdmin: await user(platformId, "ops@platform.test", "platform-admin"),
        accountAdmin: await user(aId, "admin@a.test", "account-admin"),
        technician: await user(aId, "tech@a.test", "account-technician"),
        billing: await user(aId, "billing@a.test", "account-billing"),
        customerAdmin: await user(aId, "admin@a1.test", "customer-admin", a1),
        customerUser: await user(aId, "user@a1.test", "customer-user", a1),
        otherAccountAdmin: await user(bId, "admin@b.test", "account-admin"),
      },
    };
  });
}

export interface TestSession {
  cookie: string;
  csrfToken: string;
  /** Headers for fetch: the cookie and, for writes, the CSRF token. */
  headers: Record<string, string>;
}

/** A session for a user without going through the login form (login has its own tests). */
export async function sessionFor(db: Db, user: TestUser): Promise<TestSession> {
  const session = await createSession(db, user);
  const cookie = `dp_session=${session.cookie}`;
  return { cookie, csrfToken: session.csrfToken, headers: { cookie, "x-csrf-token": session.csrfToken } };
}

/** fetch against the test portal as `session` (JSON in, JSON out). */
export async function call(
  baseUrl: string,
  session: TestSession | undefined,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      ...(session?.headers ?? {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers };
}
