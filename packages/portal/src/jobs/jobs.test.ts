import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSession } from "../auth/sessions.ts";
import { insertAlert, insertDevice } from "../testing/fleet-data.ts";
import { seedTenantTree, type TenantTree } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { jobQueues, type RunningJobs, startJobs } from "./jobs.ts";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("background jobs on pg-boss", () => {
  let portal: TestPortal;
  let tree: TenantTree;
  let jobs: RunningJobs;
  const ids: Record<string, string> = {};

  before(async () => {
    portal = await startTestPortal();
    tree = await seedTenantTree(portal.ctx.db);
    const db = portal.ctx.db;
    const a1 = { accountId: tree.a.accountId, customerId: tree.a.a1, siteId: tree.a.a1North };
    const a2 = { accountId: tree.a.accountId, customerId: tree.a.a2, siteId: tree.a.a2Main };
    const b1 = { accountId: tree.b.accountId, customerId: tree.b.b1, siteId: tree.b.b1Main };
    ids.staleA = await insertDevice(db, { ...a1, serial: "STALE-A", lastSeenAt: minutesAgo(240) });
    ids.staleB = await insertDevice(db, { ...b1, serial: "STALE-B", lastSeenAt: minutesAgo(600) });
    ids.fresh = await insertDevice(db, { ...a1, serial: "FRESH", lastSeenAt: minutesAgo(20) });
    // Under the 180-minute default, but its site refreshes every 10 minutes: stale after 30.
    ids.fastSite = await insertDevice(db, { ...a2, serial: "FAST-SITE", lastSeenAt: minutesAgo(45) });
    ids.slowButFine = await insertDevice(db, { ...a1, serial: "SLOW-OK", lastSeenAt: minutesAgo(150) });
    ids.retired = await insertDevice(db, {
      ...b1,
      serial: "RETIRED",
      lastSeenAt: minutesAgo(900),
      retiredAt: minutesAgo(800),
    });
    ids.alreadyMarked = await insertDevice(db, {
      ...a1,
      serial: "MARKED",
      lastSeenAt: minutesAgo(1000),
      notReportingSince: minutesAgo(1000),
    });
    ids.markedAlert = await insertAlert(
      db,
      { accountId: a1.accountId, deviceId: ids.alreadyMarked },
      { kind: "not-reporting", source: "portal", openedAt: minutesAgo(700) },
    );
    await db.system((sql) =>
      sql.query(
        `insert into collector_settings (account_id, level, scope_id, customer_id, settings)
         values ($1, 'site', $2, $3, '{"refreshIntervalMinutes": 10}')`,
        [tree.a.accountId, tree.a.a2Main, tree.a.a2],
      ),
    );
    jobs = await startJobs(portal.ctx, { pollingIntervalSeconds: 0.5, log: () => {} });
  });
  after(async () => {
    await jobs?.stop();
    await portal.close();
  });

  const device = (id: string | undefined) =>
    portal.ctx.db.system(
      async (sql) =>
        (
          await sql.query<{ not_reporting_since: Date | null; last_seen_at: Date; status_summary: string }>(
            "select not_reporting_since, last_seen_at, status_summary from devices where device_id = $1",
            [id],
          )
        ).rows[0],
    );
  const openAlerts = (kind: string) =>
    portal.ctx.db.system(
      async (sql) =>
        (
          await sql.query<{ device_id: string; account_id: string; source: string; severity: string }>(
            "select device_id, account_id, source, severity from alerts where kind = $1 and closed_at is null",
            [kind],
          )
        ).rows,
    );

  it("runs the stale-device check through the queue and marks only stale devices, in every account", async () => {
    const jobId = await jobs.runStaleDeviceCheck();
    const output = (await jobs.waitFor(jobQueues.staleDevices, jobId)) as {
      marked: number;
      alertsOpened: number;
    };
    assert.deepEqual(output, { marked: 3, alertsOpened: 3 });

    const alerts = await openAlerts("not-reporting");
    assert.deepEqual(
      alerts.map((a) => a.device_id).sort(),
      [ids.staleA, ids.staleB, ids.fastSite, ids.alreadyMarked].sort(),
    );
    const staleB = alerts.find((a) => a.device_id === ids.staleB);
    assert.equal(staleB?.account_id, tree.b.accountId);
    assert.equal(staleB?.source, "portal");

    for (const id of [ids.staleA, ids.staleB, ids.fastSite]) {
      const row = await device(id);
      assert.equal(row?.not_reporting_since?.getTime(), row?.last_seen_at.getTime());
      assert.equal(row?.status_summary, "offline");
    }
    for (const id of [ids.fresh, ids.slowButFine, ids.retired])
      assert.equal((await device(id))?.not_reporting_since, null);
  });

  it("changes nothing on a second run: marked devices keep their one alert", async () => {
    const jobId = await jobs.runStaleDeviceCheck();
    assert.deepEqual(await jobs.waitFor(jobQueues.staleDevices, jobId), { marked: 0, alertsOpened: 0 });
    assert.equal((await openAlerts("not-reporting")).length, 4);
  });

  it("registers the cron schedules and reports the queue depth", async () => {
    const schedules = (await jobs.boss.getSchedules()).map((s) => `${s.name} ${s.cron}`).sort();
    assert.deepEqual(schedules, ["cleanup 17 * * * *", "stale-devices */5 * * * *"]);
    await jobs.updateQueueDepth();
    const metrics = await portal.ctx.metrics.registry.metrics();
    assert.match(metrics, /portal_job_queue_depth\{queue="stale-devices"\} \d+/);
    assert.match(metrics, /portal_job_queue_depth\{queue="cleanup"\} \d+/);
  });

  it("shares the queue with a second portal process on the same database", async () => {
    const second = await startJobs(portal.ctx, { pollingIntervalSeconds: 0.5, log: () => {} });
    try {
      const jobId = await second.runStaleDeviceCheck();
      assert.deepEqual(await jobs.waitFor(jobQueues.staleDevices, jobId), { marked: 0, alertsOpened: 0 });
      assert.equal((await second.boss.getSchedules()).length, 2);
    } finally {
      await second.stop();
    }
  });

  it("cleans up expired sessions, replay records and password resets, keeping live ones", async () => {
    const db = portal.ctx.db;
    const user = tree.users.accountAdmin;
    const live = await createSession(db, user);
    const expired = await createSession(db, user);
    await db.system(async (sql) => {
      await sql.query("update sessions set expires_at = now() - interval '1 minute' where session_id = $1", [
        expired.sessionId,
      ]);
      await sql.query(
        `insert into seen_messages (account_id, key_id, message_id, expires_at)
         values ($1, 'k', 'old', now() - interval '1 minute'), ($1, 'k', 'new', now() + interval '10 minutes')`,
        [user.accountId],
      );
      await sql.query(
        `insert into password_resets (account_id, user_id, secret_hash, expires_at)
         values ($1, $2, '\\x00', now() - interval '1 minute'), ($1, $2, '\\x01', now() + interval '1 hour')`,
        [user.accountId, user.userId],
      );
    });
    const jobId = await jobs.runCleanup();
    const output = (await jobs.waitFor(jobQueues.cleanup, jobId)) as Record<string, number>;
    assert.equal(output.seenMessages, 1);
    assert.equal(output.passwordResets, 1);
    assert.ok((output.sessions ?? 0) >= 1);
    const left = await db.system(async (sql) => ({
      sessions: (await sql.query("select session_id from sessions")).rows.map((r) => r.session_id),
      seen: (await sql.query("select message_id from seen_messages")).rows.map((r) => r.message_id),
      resets: (await sql.query("select count(*)::int as n from password_resets")).rows[0]?.n,
    }));
    assert.ok(left.sessions.includes(live.sessionId));
    assert.ok(!left.sessions.includes(expired.sessionId));
    assert.deepEqual(left.seen, ["new"]);
    assert.equal(left.resets, 1);
  });
});
