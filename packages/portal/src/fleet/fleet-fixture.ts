import { randomUUID } from "node:crypto";
import { startTenancyFixture, type TenancyFixture } from "../tenancy/testing.ts";
import { insertAlert, insertDevice, insertSupply } from "../testing/fleet-data.ts";
import { call, sessionFor, type TestSession } from "../testing/tenants.ts";

/**
 * The tenant tree with a small fleet whose every row is known (tests of fleet, supplies, service):
 *   A1 north: d1 HP ok, d2 Kyocera warning (low toner, open alert), d3 nothing known
 *   A1 south: d4 HP error (jammed, open alert, cyan reported low), d5 Ricoh not reporting, duplicate
 *             serial; d6 retired
 *   A2 main:  d7 Canon (a closed alert)
 *   B1 main:  d8 HP of the other dealer
 * plus a customer user limited to site A1 north (`siteUser`).
 */
export interface FleetFixture extends TenancyFixture {
  d: Record<"d1" | "d2" | "d3" | "d4" | "d5" | "d6" | "d7" | "d8", string>;
  siteUser: TestSession;
  asSiteUser(method: string, path: string, body?: unknown): ReturnType<typeof call>;
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

export async function startFleetFixture(): Promise<FleetFixture> {
  const f = await startTenancyFixture();
  const db = f.portal.ctx.db;
  const { a, b } = f.tree;
  const north = { accountId: a.accountId, customerId: a.a1, siteId: a.a1North };
  const south = { accountId: a.accountId, customerId: a.a1, siteId: a.a1South };
  const a2 = { accountId: a.accountId, customerId: a.a2, siteId: a.a2Main };
  const b1 = { accountId: b.accountId, customerId: b.b1, siteId: b.b1Main };
  const d = {
    d1: await insertDevice(db, {
      ...north,
      vendor: "HP",
      model: "LaserJet M507",
      serial: "HP-001",
      mac: "02:00:00:00:00:01",
      ip: "10.0.0.11",
      name: "reception",
      location: "Floor 1",
      firmware: "2.1",
      counters: { total: 5000, mono: 5000 },
      counterUnit: "impressions",
      deviceState: "running",
      printerState: "idle",
      lastSeenAt: minutesAgo(10),
    }),
    d2: await insertDevice(db, {
      ...north,
      vendor: "Kyocera",
      model: "ECOSYS P3155dn",
      serial: "KY-002",
      ip: "10.0.0.2",
      name: "accounting",
      assetTag: "INV-77",
      counters: { total: 12000 },
      deviceState: "warning",
      errors: ["lowToner"],
      lastSeenAt: minutesAgo(20),
    }),
    d3: await insertDevice(db, { ...north, name: "mystery", lastSeenAt: minutesAgo(30) }),
    d4: await insertDevice(db, {
      ...south,
      vendor: "HP",
      model: "Color LaserJet",
      serial: "HP-004",
      ip: "10.0.1.5",
      counters: { mono: 500, color: 300 },
      deviceState: "down",
      errors: ["jammed"],
      lastSeenAt: minutesAgo(40),
    }),
    d5: await insertDevice(db, {
      ...south,
      vendor: "Ricoh",
      serial: "RI-005",
      ip: "10.0.2.1",
      counters: { total: 3000 },
      duplicateSerial: true,
      lastSeenAt: minutesAgo(300),
      notReportingSince: minutesAgo(300),
    }),
    d6: await insertDevice(db, { ...south, vendor: "HP", serial: "HP-OLD", retiredAt: minutesAgo(60) }),
    d7: await insertDevice(db, {
      ...a2,
      vendor: "Canon",
      serial: "CA-007",
      ip: "10.1.0.7",
      counters: { total: 7000 },
      lastSeenAt: minutesAgo(50),
    }),
    d8: await insertDevice(db, {
      ...b1,
      vendor: "HP",
      serial: "HP-B-008",
      ip: "10.0.0.8",
      lastSeenAt: minutesAgo(5),
    }),
  };
  const dev = (deviceId: string, at: { accountId: string; customerId: string }) => ({ ...at, deviceId });
  await insertSupply(db, dev(d.d1, north), { key: "1.1", color: "black", levelPercent: 80 });
  await insertSupply(db, dev(d.d2, north), { key: "1.1", color: "black", levelPercent: 15, state: "low" });
  await insertSupply(db, dev(d.d2, north), { key: "1.2", type: "drum", levelPercent: 60 });
  await insertSupply(db, dev(d.d4, south), { key: "1.2", color: "cyan", levelPercent: null, state: "low" });
  await insertSupply(db, dev(d.d7, a2), { key: "1.1", color: "black", levelPercent: 50 });
  await insertAlert(
    db,
    { accountId: a.accountId, deviceId: d.d2 },
    { kind: "lowToner", severity: "warning" },
  );
  await insertAlert(db, { accountId: a.accountId, deviceId: d.d4 }, { kind: "jammed", severity: "critical" });
  await insertAlert(
    db,
    { accountId: a.accountId, deviceId: d.d7 },
    { kind: "doorOpen", closedAt: minutesAgo(5) },
  );

  const siteUserId = randomUUID();
  const email = "north@a1.test";
  await db.system(async (sql) => {
    await sql.query(
      `insert into users (account_id, user_id, customer_id, site_id, email, role)
       values ($1, $2, $3, $4, $5, 'customer-user')`,
      [a.accountId, siteUserId, a.a1, a.a1North, email],
    );
    await sql.query("insert into user_logins (email, account_id, user_id) values ($1, $2, $3)", [
      email,
      a.accountId,
      siteUserId,
    ]);
  });
  const siteUser = await sessionFor(db, {
    accountId: a.accountId,
    userId: siteUserId,
    email,
    role: "customer-user",
    customerId: a.a1,
    siteId: a.a1North,
  });
  return {
    ...f,
    d,
    siteUser,
    asSiteUser: (method, path, body) => call(f.portal.url, siteUser, method, path, body),
  };
}
