import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Sql } from "../db/pool.ts";
import { call, seedTenantTree, sessionFor, type TenantTree, type TestSession } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { type Role, roles } from "./rights.ts";
import { type RouteRightEntry, routeAllows } from "./route-rights.ts";

/**
 * THE RIGHTS-MATRIX TEST. Every /api/v1 route (read from the OpenAPI document and the route
 * registry, so new routes are checked the moment they exist) × every role:
 *   (a) anonymous → 401, unless the route is "public";
 *   (b) a role without the declared right (config.right, config.scope) → 403;
 *   (c) another tenant's ids (dealer B's for dealer A's roles, customer A2's for customer A1's
 *       roles, unknown ids for platform admins) → 404;
 *   (d) the role's own ids with a sample request → success.
 * A route without a declared right or without a sample below fails. Routes under /api/v1/auth/
 * are the caller's own session and profile: they are checked more simply.
 */

/** The path, query and body ids a request can name; one set per tenant slot. */
interface Ids {
  accountId: string;
  customerId: string;
  siteId: string;
  userId: string;
  collectorId: string;
  deviceId: string;
  alertId: string;
  apiKeyId: string;
  tokenId: string;
}
type IdName = keyof Ids;

interface SampleContext {
  role: Role;
  ids: Ids;
  /** Unique per request: for names and e-mail addresses that must not collide. */
  n: number;
}

interface Sample {
  query?: (c: SampleContext) => Record<string, string | undefined>;
  body?: (c: SampleContext) => unknown;
  /**
   * Act on a fresh object instead of the shared one (DELETE always does): true makes a fresh
   * object for the route's last path id.
   */
  fresh?: boolean;
  /** The query or body names tenant ids: another tenant's are answered 404 as well. */
  bodyIds?: boolean;
  /** Statuses besides 2xx that count as success for (d). */
  ok?: number[];
}

const samples: Record<string, Sample> = {
  // tenancy
  "GET /api/v1/accounts": {},
  "POST /api/v1/accounts": {
    body: (c) => ({
      kind: "dealer",
      name: `Matrix ${c.n}`,
      admin: { email: `matrix-admin-${c.n}@m.test`, name: "A" },
    }),
  },
  "GET /api/v1/accounts/:accountId": {},
  "PATCH /api/v1/accounts/:accountId": { body: () => ({ name: "Dealer A" }) },
  "GET /api/v1/customers": {},
  "POST /api/v1/customers": {
    query: (c) => ({ accountId: c.ids.accountId }),
    body: (c) => ({ name: `Matrix customer ${c.n}` }),
    bodyIds: true,
  },
  "GET /api/v1/customers/:customerId": {},
  "PATCH /api/v1/customers/:customerId": { body: (c) => ({ externalRef: `M-${c.n}` }) },
  "DELETE /api/v1/customers/:customerId": {},
  "GET /api/v1/sites": {},
  "POST /api/v1/sites": {
    body: (c) => ({ customerId: c.ids.customerId, name: `Matrix site ${c.n}`, timeZone: "Europe/Berlin" }),
    bodyIds: true,
  },
  "GET /api/v1/sites/:siteId": {},
  "PATCH /api/v1/sites/:siteId": { body: (c) => ({ address: `Street ${c.n}` }) },
  "DELETE /api/v1/sites/:siteId": {},
  "GET /api/v1/users": {},
  "POST /api/v1/users": {
    query: (c) => ({ accountId: c.ids.accountId }),
    body: (c) => ({
      email: `matrix-${c.n}@m.test`,
      name: "M",
      role: "customer-user",
      customerId: c.ids.customerId,
    }),
    bodyIds: true,
  },
  "GET /api/v1/users/:userId": {},
  "PATCH /api/v1/users/:userId": { body: (c) => ({ name: `Matrix ${c.n}` }) },
  "DELETE /api/v1/users/:userId": {},

  // auth: the caller's own session and profile (only the anonymous check uses these)
  "PATCH /api/v1/auth/me": { body: () => ({ name: "Me" }) },
  "POST /api/v1/auth/logout": {},
  "POST /api/v1/auth/password": {
    body: () => ({ currentPassword: "whatever", newPassword: "a new long password" }),
  },
  "POST /api/v1/auth/totp/setup": {},
  "POST /api/v1/auth/totp/enable": { body: () => ({ code: "123456" }) },
  "POST /api/v1/auth/totp/disable": { body: () => ({ password: "whatever" }) },

  // api keys
  "GET /api/v1/api-keys": {},
  "POST /api/v1/api-keys": {
    body: (c) => ({
      name: `Matrix ${c.n}`,
      role: "customer-user",
      customerId: c.ids.customerId,
      accountId: c.ids.accountId,
    }),
    bodyIds: true,
  },
  "DELETE /api/v1/api-keys/:apiKeyId": {},

  // audit
  "GET /api/v1/audit": {},

  // collectors and enrolment
  "GET /api/v1/collectors": {},
  "GET /api/v1/collectors/:collectorId": {},
  "GET /api/v1/collectors/:collectorId/effective-settings": {},
  "PATCH /api/v1/collectors/:collectorId": { body: (c) => ({ name: `Matrix ${c.n}` }) },
  "POST /api/v1/collectors/:collectorId/revoke": { fresh: true },
  "GET /api/v1/enrolment-tokens": {},
  "POST /api/v1/sites/:siteId/enrolment-tokens": { body: () => ({}) },
  "DELETE /api/v1/enrolment-tokens/:tokenId": {},
  "GET /api/v1/settings/account": { query: (c) => ({ accountId: c.ids.accountId }), bodyIds: true },
  "PUT /api/v1/settings/account": {
    query: (c) => ({ accountId: c.ids.accountId }),
    body: () => ({}),
    bodyIds: true,
  },
  "GET /api/v1/settings/customers/:customerId": {},
  "PUT /api/v1/settings/customers/:customerId": { body: () => ({}) },
  "GET /api/v1/settings/sites/:siteId": {},
  "PUT /api/v1/settings/sites/:siteId": { body: () => ({}) },
  "GET /api/v1/settings/collectors/:collectorId": {},
  "PUT /api/v1/settings/collectors/:collectorId": { body: () => ({}) },

  // fleet
  "GET /api/v1/dashboard": {},
  "GET /api/v1/devices": {},
  "GET /api/v1/devices/export.csv": {},
  "GET /api/v1/devices/:deviceId": {},
  "PATCH /api/v1/devices/:deviceId": { body: (c) => ({ assetTag: `M-${c.n}` }) },
  "GET /api/v1/devices/:deviceId/readings": {},
  "GET /api/v1/devices/:deviceId/volumes": {},

  // supplies
  "GET /api/v1/devices/:deviceId/supplies": {},
  "GET /api/v1/supplies/low": {},

  // service
  "GET /api/v1/alerts": {},
  "GET /api/v1/alerts/:alertId": {},
  "POST /api/v1/alerts/:alertId/close": { fresh: true },
};

/** Simple checks only: who may call them is "signed-in" or "public", and anonymous gets 401. */
const authPrefix = "/api/v1/auth/";

describe("rights matrix: every /api/v1 route × every role", () => {
  let portal: TestPortal;
  let tree: TenantTree;
  const sessions = new Map<Role, TestSession>();
  /** Who calls: a signed-in user of each role, and an API key of each role a key can have. */
  const callers: { label: string; role: Role; session: TestSession }[] = [];
  let slots: { a1: Ids; a2: Ids; b1: Ids };
  let counter = 0;

  before(async () => {
    portal = await startTestPortal();
    tree = await seedTenantTree(portal.ctx.db);
    const userOfRole: Record<Role, keyof TenantTree["users"]> = {
      "platform-admin": "platformAdmin",
      "account-admin": "accountAdmin",
      "account-technician": "technician",
      "account-billing": "billing",
      "customer-admin": "customerAdmin",
      "customer-user": "customerUser",
    };
    for (const role of roles) {
      const session = await sessionFor(portal.ctx.db, tree.users[userOfRole[role]]);
      sessions.set(role, session);
      callers.push({ label: role, role, session });
    }
    for (const role of roles.filter((r) => r !== "platform-admin")) {
      const key = await call(portal.url, sessions.get("account-admin"), "POST", "/api/v1/api-keys", {
        name: `matrix ${role}`,
        role,
        ...(role.startsWith("customer-") ? { customerId: tree.a.a1 } : {}),
      });
      assert.equal(key.status, 201, `API key for ${role}: ${JSON.stringify(key.body)}`);
      const headers = { authorization: `Bearer ${key.body.token}` };
      callers.push({ label: `${role} API key`, role, session: { cookie: "", csrfToken: "", headers } });
    }
    slots = await portal.ctx.db.system(async (sql) => ({
      a1: await seedSlot(sql, "a1", tree.a.accountId, tree.a.a1, tree.a.a1North),
      a2: await seedSlot(sql, "a2", tree.a.accountId, tree.a.a2, tree.a.a2Main),
      b1: await seedSlot(sql, "b1", tree.b.accountId, tree.b.b1, tree.b.b1Main),
    }));
  });
  after(() => portal.close());

  /** Every role acts in dealer A / customer A1. */
  const ownIds = (): Ids => slots.a1;
  /** What must look nonexistent to the role. */
  function foreignIds(role: Role): Ids {
    if (role === "platform-admin") return unknownIds();
    if (role.startsWith("customer-")) return { ...slots.a2, accountId: tree.b.accountId };
    return slots.b1;
  }

  /** The /api/v1 routes: the OpenAPI document's and the registry's (which also has hidden ones). */
  async function apiRoutes(): Promise<RouteRightEntry[]> {
    const document = (await (await fetch(`${portal.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const registry = portal.app.routeRights.filter((r) => r.url.startsWith("/api/v1/"));
    const key = (method: string, url: string) => `${method.toUpperCase()} ${url}`;
    const byKey = new Map(registry.map((r) => [key(r.method, r.url), r]));
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith("/api/v1/")) continue;
      const url = path.replace(/\{(\w+)\}/g, ":$1");
      for (const method of Object.keys(operations)) {
        if (method === "head" || method === "parameters") continue;
        assert.ok(
          byKey.has(key(method, url)),
          `${key(method, url)} is in the OpenAPI document but not registered`,
        );
      }
    }
    return [...byKey.values()].sort((x, y) => key(x.method, x.url).localeCompare(key(y.method, y.url)));
  }

  async function request(
    session: TestSession | undefined,
    route: RouteRightEntry,
    role: Role,
    ids: Ids,
  ): Promise<{ status: number; body: unknown }> {
    const sample = samples[`${route.method} ${route.url}`] ?? {};
    counter += 1;
    const context: SampleContext = { role, ids, n: counter };
    const path = route.url.replace(/:(\w+)/g, (_, name: string) => {
      const id = ids[name as IdName];
      if (id === undefined)
        throw new Error(`unknown path id :${name}: add it to Ids in rights-matrix.test.ts`);
      return id;
    });
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(sample.query?.(context) ?? {})) if (v !== undefined) query.set(k, v);
    const qs = query.size ? `?${query}` : "";
    return call(portal.url, session, route.method, `${path}${qs}`, sample.body?.(context));
  }

  /** The ids for (d): the shared own objects, or a fresh one for DELETE and `fresh` samples. */
  async function ownIdsFor(route: RouteRightEntry, sample: Sample): Promise<Ids> {
    const ids = ownIds();
    if (route.method !== "DELETE" && !sample.fresh) return ids;
    const last = [...route.url.matchAll(/:(\w+)/g)].at(-1)?.[1] as IdName | undefined;
    if (!last) return ids;
    const fresh = await portal.ctx.db.system((sql) => freshObject(sql, last, ids));
    return { ...ids, [last]: fresh };
  }

  const describeResponse = (r: { status: number; body: unknown }) =>
    `${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;

  it("registers every route of the OpenAPI document and has no sample for a route that is gone", async () => {
    const routes = await apiRoutes();
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    for (const sample of Object.keys(samples))
      assert.ok(keys.includes(sample), `the sample for ${sample} matches no route: renamed or removed?`);
  });

  it("checks each route for each role", async (t) => {
    const routes = await apiRoutes();
    // Reads first, then writes, deletes last: a write never takes away what a later check needs.
    const order = (r: RouteRightEntry) => (r.method === "GET" ? 0 : r.method === "DELETE" ? 2 : 1);
    routes.sort((x, y) => order(x) - order(y));
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      await t.test(name, async () => {
        const right = route.right;
        assert.ok(right, `${name} declares no right: put config.right on it (docs/rights.md)`);

        if (route.url.startsWith(authPrefix)) {
          assert.ok(
            right === "public" || right === "signed-in",
            `${name}: auth routes are "public" or "signed-in"`,
          );
          if (right === "signed-in" && (route.method === "GET" || samples[name])) {
            const anonymous = await request(undefined, route, "customer-user", ownIds());
            assert.equal(anonymous.status, 401, `${name} anonymous: ${describeResponse(anonymous)}`);
          }
          if (right === "signed-in" && route.method === "GET")
            for (const role of roles) {
              const response = await request(sessions.get(role), route, role, ownIds());
              assert.ok(response.status < 300, `${name} as ${role}: ${describeResponse(response)}`);
            }
          return;
        }

        const sample = samples[name];
        assert.ok(sample, `${name} has no sample request in rights-matrix.test.ts: add one`);

        if (right === "public") {
          const response = await request(undefined, route, "customer-user", await ownIdsFor(route, sample));
          assert.ok(isSuccess(response.status, sample), `${name} anonymous: ${describeResponse(response)}`);
          return;
        }

        const anonymous = await request(undefined, route, "customer-user", ownIds());
        assert.equal(anonymous.status, 401, `${name} anonymous: ${describeResponse(anonymous)}`);

        const hasIds = route.url.includes(":") || sample.bodyIds === true;
        for (const { label, role, session } of callers) {
          if (!routeAllows(role, right, route.scope)) {
            const refused = await request(session, route, role, ownIds());
            assert.equal(refused.status, 403, `${name} as ${label} (no right): ${describeResponse(refused)}`);
            continue;
          }
          if (hasIds) {
            const foreign = await request(session, route, role, foreignIds(role));
            assert.equal(
              foreign.status,
              404,
              `${name} as ${label} with another tenant's ids: ${describeResponse(foreign)}`,
            );
          }
          const own = await request(session, route, role, await ownIdsFor(route, sample));
          assert.ok(
            isSuccess(own.status, sample),
            `${name} as ${label} on its own objects: ${describeResponse(own)}`,
          );
        }
      });
    }
  });
});

function isSuccess(status: number, sample: Sample): boolean {
  return (status >= 200 && status < 300) || (sample.ok ?? []).includes(status);
}

const tokenId = () => `enr_${randomBytes(16).toString("base64url").slice(0, 22)}`;

function unknownIds(): Ids {
  return {
    accountId: randomUUID(),
    customerId: randomUUID(),
    siteId: randomUUID(),
    userId: randomUUID(),
    collectorId: randomUUID(),
    deviceId: randomUUID(),
    alertId: randomUUID(),
    apiKeyId: randomUUID(),
    tokenId: tokenId(),
  };
}

async function one<T>(sql: Sql, text: string, params: unknown[]): Promise<T> {
  return (await sql.query(text, params)).rows[0] as T;
}

/** One object of each kind at a customer's site, written straight into the tables. */
async function seedSlot(
  sql: Sql,
  slot: string,
  accountId: string,
  customerId: string,
  siteId: string,
): Promise<Ids> {
  const ids = { accountId, customerId, siteId } as Ids;
  ids.userId = await insertUser(sql, ids, `target@${slot}.matrix.test`);
  ids.collectorId = await insertCollector(sql, ids);
  ids.deviceId = await insertDevice(sql, ids);
  ids.alertId = await insertAlert(sql, ids);
  ids.apiKeyId = await insertApiKey(sql, ids);
  ids.tokenId = await insertToken(sql, ids);
  return ids;
}

let freshCount = 0;

/** A throwaway object of the kind `name` ids, beside the shared ones (for DELETE and fresh samples). */
async function freshObject(sql: Sql, name: IdName, ids: Ids): Promise<string> {
  freshCount += 1;
  switch (name) {
    case "accountId":
      return (
        await one<{ account_id: string }>(
          sql,
          "insert into accounts (kind, name) values ('dealer', $1) returning account_id",
          [`Fresh ${freshCount}`],
        )
      ).account_id;
    case "customerId":
      return (
        await one<{ customer_id: string }>(
          sql,
          "insert into customers (account_id, name) values ($1, $2) returning customer_id",
          [ids.accountId, `Fresh customer ${freshCount}`],
        )
      ).customer_id;
    case "siteId":
      return (
        await one<{ site_id: string }>(
          sql,
          "insert into sites (account_id, customer_id, name) values ($1, $2, $3) returning site_id",
          [ids.accountId, ids.customerId, `Fresh site ${freshCount}`],
        )
      ).site_id;
    case "userId":
      return insertUser(sql, ids, `fresh-${freshCount}@matrix.test`);
    case "collectorId":
      return insertCollector(sql, ids);
    case "deviceId":
      return insertDevice(sql, ids);
    case "alertId":
      return insertAlert(sql, ids);
    case "apiKeyId":
      return insertApiKey(sql, ids);
    case "tokenId":
      return insertToken(sql, ids);
  }
}

async function insertUser(
  sql: Sql,
  ids: Pick<Ids, "accountId" | "customerId">,
  email: string,
): Promise<string> {
  const { user_id } = await one<{ user_id: string }>(
    sql,
    `insert into users (account_id, email, name, role, customer_id) values ($1, $2, 'Target', 'customer-user', $3)
     returning user_id`,
    [ids.accountId, email, ids.customerId],
  );
  await sql.query("insert into user_logins (email, account_id, user_id) values ($1, $2, $3)", [
    email,
    ids.accountId,
    user_id,
  ]);
  return user_id;
}

async function insertCollector(sql: Sql, ids: Ids): Promise<string> {
  return (
    await one<{ collector_id: string }>(
      sql,
      `insert into collectors (account_id, customer_id, site_id, name) values ($1, $2, $3, 'matrix')
       returning collector_id`,
      [ids.accountId, ids.customerId, ids.siteId],
    )
  ).collector_id;
}

async function insertDevice(sql: Sql, ids: Ids): Promise<string> {
  return (
    await one<{ device_id: string }>(
      sql,
      `insert into devices (account_id, customer_id, site_id, collector_id, vendor, model, serial, serial_key,
                            ip, first_seen_at, last_seen_at)
       values ($1, $2, $3, $4, 'HP', 'LaserJet', $5, $5, '10.0.0.1', now(), now()) returning device_id`,
      [
        ids.accountId,
        ids.customerId,
        ids.siteId,
        ids.collectorId ?? null,
        `SN${randomBytes(4).toString("hex")}`,
      ],
    )
  ).device_id;
}

async function insertAlert(sql: Sql, ids: Ids): Promise<string> {
  // One open alert per device and kind: each gets its own kind.
  return (
    await one<{ alert_id: string }>(
      sql,
      `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, opened_at)
       values ($1, $2, $3, $4, $5, 'warning', 'device', now()) returning alert_id`,
      [
        ids.accountId,
        ids.deviceId,
        ids.customerId,
        ids.siteId,
        `device-alert:${randomBytes(4).toString("hex")}`,
      ],
    )
  ).alert_id;
}

async function insertApiKey(sql: Sql, ids: Ids): Promise<string> {
  return (
    await one<{ api_key_id: string }>(
      sql,
      `insert into api_keys (account_id, customer_id, name, role, secret_hash)
       values ($1, $2, 'matrix', 'customer-user', $3) returning api_key_id`,
      [ids.accountId, ids.customerId, randomBytes(32)],
    )
  ).api_key_id;
}

async function insertToken(sql: Sql, ids: Ids): Promise<string> {
  const keyId = tokenId();
  await sql.query(
    `insert into enrolment_tokens (account_id, key_id, customer_id, site_id, key_enc, expires_at)
     values ($1, $2, $3, $4, $5, now() + interval '7 days')`,
    [ids.accountId, keyId, ids.customerId, ids.siteId, randomBytes(48)],
  );
  return keyId;
}
