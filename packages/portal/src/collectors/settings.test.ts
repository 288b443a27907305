import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PortalClient } from "../../../collector/src/upload/portal-client.ts";
import { call, seedTenantTree, sessionFor, type TenantTree, type TestSession } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { collectorClient, createToken, health, identity } from "./test-support.ts";

describe("collector settings: levels, inheritance, secrets", () => {
  let portal: TestPortal;
  let tree: TenantTree;
  const s: Record<string, TestSession> = {};
  let ice: PortalClient;
  let collectorId: string;
  let otherCollectorId: string;
  const clients: PortalClient[] = [];

  const put = (who: string, path: string, body: unknown) => call(portal.url, s[who], "PUT", path, body);
  const get = (who: string, path: string) => call(portal.url, s[who], "GET", path);
  const storedText = async () =>
    portal.ctx.db.system(async (sql) =>
      JSON.stringify((await sql.query("select settings from collector_settings")).rows),
    );

  before(async () => {
    portal = await startTestPortal();
    tree = await seedTenantTree(portal.ctx.db);
    for (const [name, user] of Object.entries(tree.users)) s[name] = await sessionFor(portal.ctx.db, user);
    const { token } = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a1North);
    ice = collectorClient(portal.url);
    clients.push(ice);
    collectorId = (await ice.enrol(token, identity)).collectorId;
    const other = collectorClient(portal.url);
    clients.push(other);
    const otherToken = await createToken(portal.url, s.accountAdmin as TestSession, tree.a.a2Main);
    otherCollectorId = (await other.enrol(otherToken.token, identity)).collectorId;
  });
  after(async () => {
    for (const c of clients) await c.close();
    await portal.close();
  });

  it("delivers the defaults when nothing is set", async () => {
    const settings = await ice.checkin(health());
    assert.deepEqual(settings, {
      targets: [],
      exclusions: [],
      communities: ["public"],
      v3Users: [],
      ping: { enabled: true, timeoutMs: 1000, retries: 1 },
      snmp: { discoveryTimeoutMs: 1000, timeoutMs: 1000, retries: 1 },
      concurrency: 512,
      packetsPerSecond: 2000,
      maxAddresses: 65536,
      discoveryIntervalMinutes: 720,
      refreshIntervalMinutes: 20,
      knownDevices: [],
    });
    const level = await get("accountAdmin", "/api/v1/settings/account");
    assert.equal(level.status, 200);
    assert.deepEqual(level.body, {
      level: "account",
      scopeId: tree.a.accountId,
      settings: {},
      updatedAt: null,
      updatedBy: null,
    });
  });

  it("merges account → customer → site → collector, shows where each field comes from", async () => {
    const account = await put("accountAdmin", "/api/v1/settings/account", {
      targets: ["10.0.0.0/16"],
      communities: ["acct-secret-community"],
      ping: { timeoutMs: 500 },
      refreshIntervalMinutes: 30,
    });
    assert.equal(account.status, 200, JSON.stringify(account.body));
    assert.deepEqual(account.body.settings.communities, ["••••1"]);
    assert.equal(account.body.updatedBy, tree.users.accountAdmin.userId);

    assert.equal(
      (await put("accountAdmin", `/api/v1/settings/customers/${tree.a.a1}`, { targets: ["10.1.0.0/16"] }))
        .status,
      200,
    );
    assert.equal(
      (
        await put("technician", `/api/v1/settings/sites/${tree.a.a1North}`, {
          targets: ["10.1.2.0/24", "10.1.3.10-10.1.3.60", "10.1.4.5"],
          exclusions: ["10.1.2.1"],
          ping: { retries: 3 },
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await put("customerAdmin", `/api/v1/settings/collectors/${collectorId}`, {
          concurrency: 64,
          refreshIntervalMinutes: 60,
        })
      ).status,
      200,
    );

    const effective = await get("accountAdmin", `/api/v1/collectors/${collectorId}/effective-settings`);
    assert.equal(effective.status, 200);
    const e = effective.body.settings;
    assert.deepEqual(e.targets, ["10.1.2.0/24", "10.1.3.10-10.1.3.60", "10.1.4.5"]);
    assert.deepEqual(e.exclusions, ["10.1.2.1"]);
    assert.deepEqual(e.communities, ["••••"]);
    assert.deepEqual(e.ping, { enabled: true, timeoutMs: 500, retries: 3 });
    assert.equal(e.concurrency, 64);
    assert.equal(e.refreshIntervalMinutes, 60);
    assert.equal(e.discoveryIntervalMinutes, 720);
    assert.equal(effective.body.sources.targets, "site");
    assert.equal(effective.body.sources.communities, "account");
    assert.equal(effective.body.sources.concurrency, "collector");
    assert.equal(effective.body.sources.maxAddresses, "default");
    assert.equal(effective.body.delivered, false);
    assert.ok(!JSON.stringify(effective.body).includes("acct-secret-community"));

    // The collector gets them in clear, inside the envelope.
    const delivered = await ice.checkin(health());
    assert.deepEqual(delivered.communities, ["acct-secret-community"]);
    assert.deepEqual(delivered.targets, e.targets);
    assert.equal(delivered.refreshIntervalMinutes, 60);
    const after = await get("accountAdmin", `/api/v1/collectors/${collectorId}/effective-settings`);
    assert.equal(after.body.delivered, true);

    // Another customer's collector inherits the account, not A1's levels.
    const other = await get("accountAdmin", `/api/v1/collectors/${otherCollectorId}/effective-settings`);
    assert.deepEqual(other.body.settings.targets, ["10.0.0.0/16"]);
    assert.equal(other.body.settings.refreshIntervalMinutes, 30);
    assert.equal(other.body.settings.concurrency, 512);

    // The collector's health uses its own refresh interval.
    const collector = await get("accountAdmin", `/api/v1/collectors/${collectorId}`);
    assert.equal(collector.body.refreshIntervalMinutes, 60);
  });

  it("seals communities and SNMPv3 keys at rest and never answers them in clear", async () => {
    const response = await put("accountAdmin", `/api/v1/settings/customers/${tree.a.a1}`, {
      targets: ["10.1.0.0/16"],
      communities: ["cust-community-1", "cust-community-2"],
      v3Users: [
        {
          name: "monitor",
          authProtocol: "sha256",
          authKey: "auth-secret-123",
          privProtocol: "aes",
          privKey: "priv-secret-456",
        },
        { name: "viewer" },
      ],
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body.settings.communities, ["••••1", "••••2"]);
    assert.deepEqual(response.body.settings.v3Users, [
      { name: "monitor", authProtocol: "sha256", privProtocol: "aes", hasAuthKey: true, hasPrivKey: true },
      { name: "viewer", hasAuthKey: false, hasPrivKey: false },
    ]);
    const stored = await storedText();
    for (const secret of [
      "cust-community-1",
      "cust-community-2",
      "auth-secret-123",
      "priv-secret-456",
      "acct-secret-community",
    ])
      assert.ok(!stored.includes(secret), `${secret} is not in the database in clear`);
    const read = await get("customerAdmin", `/api/v1/settings/customers/${tree.a.a1}`);
    assert.ok(!JSON.stringify(read.body).includes("secret"));
    assert.ok(!JSON.stringify(read.body).includes("cust-community"));

    const delivered = await ice.checkin(health());
    assert.deepEqual(delivered.communities, ["cust-community-1", "cust-community-2"]);
    assert.deepEqual(delivered.v3Users, [
      {
        name: "monitor",
        authProtocol: "sha256",
        authKey: "auth-secret-123",
        privProtocol: "aes",
        privKey: "priv-secret-456",
      },
      { name: "viewer" },
    ]);
  });

  it("keeps a stored secret when its mask comes back, by position for communities and by name for users", async () => {
    const path = `/api/v1/settings/customers/${tree.a.a1}`;
    const response = await put("accountAdmin", path, {
      targets: ["10.1.0.0/16"],
      // The second stored community, then a new one; the first is dropped.
      communities: ["••••2", "cust-community-3"],
      v3Users: [
        { name: "viewer", authProtocol: "sha", authKey: "viewer-key-789" },
        { name: "monitor", authProtocol: "sha256", authKey: "••••", privProtocol: "aes", privKey: "••••" },
      ],
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    let delivered = await ice.checkin(health());
    assert.deepEqual(delivered.communities, ["cust-community-2", "cust-community-3"]);
    assert.deepEqual(delivered.v3Users, [
      { name: "viewer", authProtocol: "sha", authKey: "viewer-key-789" },
      {
        name: "monitor",
        authProtocol: "sha256",
        authKey: "auth-secret-123",
        privProtocol: "aes",
        privKey: "priv-secret-456",
      },
    ]);

    // A mask at the same position keeps that community; a user left without keys drops them (null).
    await put("accountAdmin", path, {
      targets: ["10.1.0.0/16"],
      communities: ["••••", "••••"],
      v3Users: [{ name: "monitor", authProtocol: "sha256", authKey: "••••", privKey: null }],
    });
    delivered = await ice.checkin(health());
    assert.deepEqual(delivered.communities, ["cust-community-2", "cust-community-3"]);
    assert.deepEqual(delivered.v3Users, [
      { name: "monitor", authProtocol: "sha256", authKey: "auth-secret-123" },
    ]);

    // A mask that names nothing stored is refused, and nothing changes.
    for (const body of [
      { communities: ["••••7"] },
      { communities: ["••••", "••••", "••••"] },
      { v3Users: [{ name: "newcomer", authKey: "••••" }] },
    ]) {
      const refused = await put("accountAdmin", path, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
    }
    delivered = await ice.checkin(health());
    assert.deepEqual(delivered.communities, ["cust-community-2", "cust-community-3"]);
  });

  it("validates every field", async () => {
    const path = `/api/v1/settings/sites/${tree.a.a1South}`;
    const bad: unknown[] = [
      { targets: ["10.0.0.0/33"] },
      { targets: ["10.0.0.0/7"] },
      { targets: ["10.0.0.300"] },
      { targets: ["10.0.0.9-10.0.0.1"] },
      { targets: ["printer.example.com"] },
      { targets: ["2001:db8::/64"] },
      { exclusions: ["nonsense"] },
      { communities: [""] },
      { communities: ["tab\tinside"] },
      { v3Users: [{ name: "u", authKey: "short" }] },
      { v3Users: [{ name: "u", authProtocol: "rot13", authKey: "long enough key" }] },
      { v3Users: [{ name: "u", privKey: "privacy-key-only" }] },
      { v3Users: [{ name: "twice" }, { name: "twice" }] },
      { ping: { timeoutMs: 0 } },
      { ping: { retries: 9 } },
      { snmp: { timeoutMs: 60_000 } },
      { snmp: { community: "public" } },
      { concurrency: 0 },
      { packetsPerSecond: 1.5 },
      { maxAddresses: -1 },
      { refreshIntervalMinutes: 10 },
      { refreshIntervalMinutes: 61 },
      { discoveryIntervalMinutes: 5 },
      { knownDevices: [] },
      { somethingElse: true },
    ];
    for (const body of bad) {
      const response = await put("accountAdmin", path, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error, "bad-request");
    }
    const level = await get("accountAdmin", path);
    assert.equal(level.body.updatedAt, null, "nothing was stored");
  });

  it("audits every change with the level and the field names, never the values", async () => {
    const rows = await portal.ctx.db.system(
      async (sql) =>
        (
          await sql.query<{
            details: { level: string; fields: string[] };
            target_id: string;
            actor_user_id: string;
          }>(
            "select details, target_id, actor_user_id from audit_log where action = 'collector.settings' order by audit_id",
          )
        ).rows,
    );
    assert.deepEqual(rows[0], {
      details: { level: "account", fields: ["communities", "ping", "refreshIntervalMinutes", "targets"] },
      target_id: tree.a.accountId,
      actor_user_id: tree.users.accountAdmin.userId,
    });
    assert.ok(rows.some((r) => r.details.level === "collector" && r.target_id === collectorId));
    assert.ok(
      rows.some((r) => r.details.level === "customer" && r.details.fields.includes("v3Users")),
      "a change of users is audited",
    );
    const text = JSON.stringify(rows);
    for (const secret of ["cust-community", "auth-secret", "priv-secret", "viewer-key", "acct-secret"])
      assert.ok(!text.includes(secret));
  });

  it("lets each role reach only its own levels; another tenant's ids answer 404", async () => {
    // A customer admin reads what the account sets (masked) but cannot change it.
    const account = await get("customerAdmin", "/api/v1/settings/account");
    assert.equal(account.status, 200);
    assert.deepEqual(account.body.settings.communities, ["••••1"]);
    assert.equal((await put("customerAdmin", "/api/v1/settings/account", { concurrency: 10 })).status, 403);
    assert.equal(
      (await put("customerAdmin", `/api/v1/settings/sites/${tree.a.a1South}`, { concurrency: 10 })).status,
      200,
    );
    const effective = await get("customerAdmin", `/api/v1/collectors/${collectorId}/effective-settings`);
    assert.equal(effective.status, 200);
    assert.equal(effective.body.sources.communities, "customer");

    const a2 = [
      `/api/v1/settings/customers/${tree.a.a2}`,
      `/api/v1/settings/sites/${tree.a.a2Main}`,
      `/api/v1/settings/collectors/${otherCollectorId}`,
    ];
    for (const path of a2) {
      assert.equal((await get("customerAdmin", path)).status, 404, path);
      assert.equal((await put("customerAdmin", path, {})).status, 404, path);
    }
    for (const path of [
      ...a2,
      `/api/v1/settings/customers/${tree.a.a1}`,
      `/api/v1/settings/collectors/${collectorId}`,
    ]) {
      assert.equal((await get("otherAccountAdmin", path)).status, 404, path);
      assert.equal((await put("otherAccountAdmin", path, { concurrency: 1 })).status, 404, path);
    }
    // Dealer B's account level is its own, empty.
    const b = await get("otherAccountAdmin", "/api/v1/settings/account");
    assert.equal(b.body.scopeId, tree.b.accountId);
    assert.deepEqual(b.body.settings, {});
    assert.equal(
      (await get("otherAccountAdmin", `/api/v1/settings/account?accountId=${tree.a.accountId}`)).status,
      404,
    );

    // Rights: read needs collectors:read, write collectors:write.
    assert.equal((await get("customerUser", "/api/v1/settings/account")).status, 403);
    assert.equal((await get("billing", `/api/v1/settings/customers/${tree.a.a1}`)).status, 403);
    assert.equal((await put("customerUser", `/api/v1/settings/sites/${tree.a.a1North}`, {})).status, 403);

    // A customer admin limited to one site: that site's level only.
    const siteAdmin = await portal.ctx.db.system(async (sql) => {
      const row = await sql.query<{ user_id: string }>(
        `insert into users (account_id, customer_id, site_id, email, role)
         values ($1, $2, $3, 'north@a1.test', 'customer-admin') returning user_id`,
        [tree.a.accountId, tree.a.a1, tree.a.a1North],
      );
      return row.rows[0]?.user_id as string;
    });
    s.siteAdmin = await sessionFor(portal.ctx.db, {
      accountId: tree.a.accountId,
      userId: siteAdmin,
      email: "north@a1.test",
      role: "customer-admin",
      customerId: tree.a.a1,
      siteId: tree.a.a1North,
    });
    assert.equal((await put("siteAdmin", `/api/v1/settings/customers/${tree.a.a1}`, {})).status, 403);
    assert.equal((await put("siteAdmin", `/api/v1/settings/sites/${tree.a.a1South}`, {})).status, 404);
    assert.equal((await get("siteAdmin", `/api/v1/settings/sites/${tree.a.a1South}`)).status, 404);
    const own = await put("siteAdmin", `/api/v1/settings/sites/${tree.a.a1North}`, {
      targets: ["10.1.2.0/24"],
      exclusions: ["10.1.2.1"],
      ping: { retries: 3 },
    });
    assert.equal(own.status, 200);

    // Platform admins name the account.
    assert.equal((await get("platformAdmin", "/api/v1/settings/account")).status, 400);
    const platform = await get("platformAdmin", `/api/v1/settings/account?accountId=${tree.a.accountId}`);
    assert.equal(platform.status, 200);
    assert.deepEqual(platform.body.settings.targets, ["10.0.0.0/16"]);
  });
});
