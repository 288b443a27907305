import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { PortalError } from "../../../collector/src/upload/errors.ts";
import type { PortalClient } from "../../../collector/src/upload/portal-client.ts";
import { call, seedTenantTree, sessionFor, type TenantTree, type TestSession } from "../testing/tenants.ts";
import { startTestPortal, type TestPortal } from "../testing/test-portal.ts";
import { collectorClient, createToken, health, identity, scanOf } from "./test-support.ts";

describe("scan upload", () => {
  let portal: TestPortal;
  let tree: TenantTree;
  let admin: TestSession;
  let ice: PortalClient;
  let collectorId: string;
  const clients: PortalClient[] = [];
  const rows = <T>(text: string, params: unknown[] = []) =>
    portal.ctx.db.system(async (sql) => (await sql.query(text, params)).rows as T[]);
  const metric = async (line: RegExp) => {
    const text = await portal.ctx.metrics.registry.metrics();
    return Number(line.exec(text)?.[1] ?? 0);
  };

  before(async () => {
    portal = await startTestPortal();
    tree = await seedTenantTree(portal.ctx.db);
    admin = await sessionFor(portal.ctx.db, tree.users.accountAdmin);
    const { token } = await createToken(portal.url, admin, tree.a.a1North);
    ice = collectorClient(portal.url);
    clients.push(ice);
    collectorId = (await ice.enrol(token, identity)).collectorId;
  });
  after(async () => {
    for (const c of clients) await c.close();
    await portal.close();
  });

  it("stores a scan through the ingest and acknowledges it, with the known devices it now has", async () => {
    const { scanId, xml } = scanOf(collectorId, ["10.1.2.10", "10.1.2.11"], { credential: 1 });
    const ack = await ice.uploadScan(scanId, xml);
    assert.equal(ack.scanId, scanId);
    assert.equal(ack.stored, true);
    // The settings changed since enrolment: the site's devices are now known, with their credential.
    assert.deepEqual(ack.settings?.knownDevices, [
      { ip: "10.1.2.10", credential: 1 },
      { ip: "10.1.2.11", credential: 1 },
    ]);

    const [scan] = await rows<{
      collector_id: string;
      site_id: string;
      customer_id: string;
      xml_gz: Buffer | null;
    }>("select collector_id, site_id, customer_id, xml_gz from scans where scan_id = $1", [scanId]);
    assert.equal(scan?.collector_id, collectorId);
    assert.equal(scan?.site_id, tree.a.a1North);
    assert.equal(scan?.customer_id, tree.a.a1);
    if (scan?.xml_gz) assert.equal(gunzipSync(scan.xml_gz).toString("utf8"), xml);
    const devices = await rows<{ ip: string; collector_id: string }>(
      "select host(ip) as ip, collector_id from devices where site_id = $1 order by ip",
      [tree.a.a1North],
    );
    assert.deepEqual(devices, [
      { ip: "10.1.2.10", collector_id: collectorId },
      { ip: "10.1.2.11", collector_id: collectorId },
    ]);

    const collector = await call(portal.url, admin, "GET", `/api/v1/collectors/${collectorId}`);
    assert.equal(collector.body.lastScanDevices, 2);
    assert.ok(collector.body.lastScanAt);
    assert.ok(collector.body.lastDiscoveryAt);
    assert.equal(collector.body.online, true);
    assert.equal(await metric(/portal_ingest_scans_total\{outcome="stored"\} (\d+)/), 1);
    assert.equal(await metric(/portal_ingest_device_readings_total (\d+)/), 2);
    assert.equal(await metric(/portal_ingest_duration_seconds_count (\d+)/), 1);
  });

  it("stores the same scan once when it arrives twice (a retry or a replay): stored false", async () => {
    const { scanId, xml } = scanOf(collectorId, ["10.1.2.12"], { credential: 1 });
    assert.equal((await ice.uploadScan(scanId, xml)).stored, true);
    const again = await ice.uploadScan(scanId, xml);
    assert.equal(again.scanId, scanId);
    assert.equal(again.stored, false);
    const count = await rows<{ n: number }>("select count(*)::int as n from scans where scan_id = $1", [
      scanId,
    ]);
    assert.equal(count[0]?.n, 1);
    assert.equal(await metric(/portal_ingest_scans_total\{outcome="duplicate"\} (\d+)/), 1);
  });

  it("sends the settings with an ack only when they changed since the collector last got them", async () => {
    await ice.checkin(health());
    const refresh = scanOf(collectorId, ["10.1.2.10", "10.1.2.11", "10.1.2.12"], {
      kind: "refresh",
      credential: 1,
    });
    // Same devices with the same credentials, same levels: nothing new to send.
    const first = await ice.uploadScan(refresh.scanId, refresh.xml);
    assert.equal(first.stored, true);
    assert.equal(first.settings, undefined);

    const changed = await call(portal.url, admin, "PUT", `/api/v1/settings/sites/${tree.a.a1North}`, {
      targets: ["10.1.2.0/24"],
      refreshIntervalMinutes: 40,
    });
    assert.equal(changed.status, 200);
    const next = scanOf(collectorId, ["10.1.2.10", "10.1.2.11", "10.1.2.12"], {
      kind: "refresh",
      credential: 1,
    });
    const ack = await ice.uploadScan(next.scanId, next.xml);
    assert.deepEqual(ack.settings?.targets, ["10.1.2.0/24"]);
    assert.equal(ack.settings?.refreshIntervalMinutes, 40);
    const after = scanOf(collectorId, ["10.1.2.10", "10.1.2.11", "10.1.2.12"], {
      kind: "refresh",
      credential: 1,
    });
    assert.equal((await ice.uploadScan(after.scanId, after.xml)).settings, undefined, "delivered once");
    const collector = await call(portal.url, admin, "GET", `/api/v1/collectors/${collectorId}`);
    assert.ok(collector.body.lastRefreshAt);
  });

  it("refuses the scans of a revoked collector", async () => {
    const { token } = await createToken(portal.url, admin, tree.a.a1South);
    const doomed = collectorClient(portal.url);
    clients.push(doomed);
    const { collectorId: doomedId } = await doomed.enrol(token, identity);
    assert.equal(
      (await call(portal.url, admin, "POST", `/api/v1/collectors/${doomedId}/revoke`)).status,
      200,
    );
    const { scanId, xml } = scanOf(doomedId, ["10.9.9.9"]);
    await assert.rejects(
      doomed.uploadScan(scanId, xml),
      (e: unknown) => e instanceof PortalError && e.code === "unauthorized",
    );
    assert.deepEqual(await rows("select 1 from scans where scan_id = $1", [scanId]), []);
  });

  it("rejects a scan that fails its schema with 400, and counts it", async () => {
    const { scanId, xml } = scanOf(collectorId, ["10.1.2.20"]);
    const broken = xml.replace('kind="discovery"', 'kind="everything"');
    await assert.rejects(
      ice.uploadScan(scanId, broken),
      (e: unknown) => e instanceof PortalError && e.code === "rejected",
    );
    assert.ok((await metric(/portal_ingest_scans_total\{outcome="rejected"\} (\d+)/)) >= 1);
    assert.deepEqual(await rows("select 1 from scans where scan_id = $1", [scanId]), []);
  });
});
