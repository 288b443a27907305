import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type CollectorHealth, createEnrolmentToken, envelopeContentType } from "@device-portal/protocol";
import { createMemoryLogger } from "../log.ts";
import { type FakePortal, startFakePortal } from "../testing/fake-portal.ts";
import { closedPort, startSilentServer, startTestProxy, startWireTap } from "../testing/fake-portal-net.ts";
import { createTestPki, pkiSkipReason, type TestPki } from "../testing/fake-portal-pki.ts";
import { PortalError, type PortalErrorCode } from "./errors.ts";
import { PortalClient, type PortalClientOptions } from "./portal-client.ts";

const skip = pkiSkipReason();
const identity = { hostname: "ice-host", os: "linux", version: "0.1.0" };
const health: CollectorHealth = {
  version: "0.1.0",
  startedAt: new Date().toISOString(),
  queuedScans: 0,
  errors: [],
};
const serial = "SN-SECRET-4711";
const community = "s3cret-community";
const scanId = "7d1e4c2a-9b3f-4e5d-8a6b-1c2d3e4f5a6b";
const xml = `<scan scanId="${scanId}" kind="refresh"><devices><device ip="192.0.2.17" serial="${serial}"/></devices></scan>`;

async function failure(promise: Promise<unknown>, code: PortalErrorCode): Promise<PortalError> {
  const error = await promise.then(
    () => assert.fail(`expected PortalError ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PortalError, `expected PortalError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

describe("PortalClient", { skip }, () => {
  let pki: TestPki;
  let portal: FakePortal;
  const clients: PortalClient[] = [];
  const closers: (() => Promise<void>)[] = [];

  /** A client for `portal` over HTTPS with the test CA, no proxy, quick timeouts; closed after the suite. */
  const client = (options: Partial<PortalClientOptions> = {}) => {
    const c = new PortalClient({
      portalUrl: portal.httpsUrl as string,
      fallbackUrl: null,
      ca: pki.ca.cert,
      proxy: false,
      connectTimeoutMs: 2000,
      timeoutMs: 5000,
      ...options,
    });
    clients.push(c);
    return c;
  };
  /** Another fake portal, closed after the suite. */
  const anotherPortal = async (options: Parameters<typeof startFakePortal>[0]) => {
    const p = await startFakePortal(options);
    closers.push(() => p.close());
    return p;
  };

  before(async () => {
    pki = createTestPki();
    portal = await startFakePortal({
      tls: pki.server,
      http: true,
      settings: { version: 3, communities: [community] },
    });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(closers.map((close) => close()));
    await portal.close();
    pki.remove();
  });

  describe("over HTTPS with a custom CA", () => {
    it("enrols, checks in, uploads a scan and gets its ack", async () => {
      const seen: unknown[] = [];
      const c = client({ onSettings: (s) => seen.push(s) });
      const enrolment = await c.enrol(portal.token, identity);
      assert.equal(enrolment.key.length, 32);
      assert.deepEqual(enrolment.settings, { version: 3, communities: [community] });
      assert.deepEqual(c.enrolment, { collectorId: enrolment.collectorId, keyId: enrolment.keyId });
      assert.deepEqual(portal.enrolments.at(-1)?.identity, identity);

      assert.deepEqual(await c.checkin(health), { version: 3, communities: [community] });
      assert.deepEqual(portal.checkins.at(-1)?.health, health);

      const ack = await c.uploadScan(scanId, xml);
      assert.deepEqual(ack, { scanId, stored: true });
      assert.equal(portal.scans.get(scanId)?.xml, xml);
      assert.equal(portal.scans.get(scanId)?.collectorId, enrolment.collectorId);
      assert.equal(seen.length, 2, "settings from enrolled and from settings");
      assert.ok(portal.requests.slice(-3).every((r) => r.secure && r.status === 200));
      assert.equal(c.usingHttpFallback, false);
    });

    it("acknowledges a duplicate upload with stored=false and keeps one copy", async () => {
      const c = client();
      await c.enrol(portal.token, identity);
      const id = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
      assert.equal((await c.uploadScan(id, `<scan scanId="${id}"/>`)).stored, true);
      assert.equal((await c.uploadScan(id, `<scan scanId="${id}"/>`)).stored, false);
      assert.equal(portal.scans.get(id)?.deliveries, 2);
    });

    it("passes new settings along with the next ack", async () => {
      const seen: unknown[] = [];
      const c = client({ onSettings: (s) => seen.push(s) });
      await c.enrol(portal.token, identity);
      portal.setSettings({ version: 4, communities: [community] });
      const id = "1a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
      const ack = await c.uploadScan(id, `<scan scanId="${id}"/>`);
      assert.deepEqual(ack.settings, { version: 4, communities: [community] });
      assert.deepEqual(seen.at(-1), { version: 4, communities: [community] });
      assert.equal((await c.uploadScan(id, `<scan scanId="${id}"/>`)).settings, undefined, "only once");
    });
  });

  describe("TLS verification", () => {
    for (const [name, cause, text] of [
      ["selfSigned", "self-signed", /self-signed certificate/],
      ["expired", "expired", /certificate expired/],
      ["wrongHost", "hostname-mismatch", /another host name/],
      ["otherCa", "untrusted", /not signed by a trusted CA/],
    ] as const) {
      it(`refuses a certificate (${cause}) with a clear error and no fallback`, async () => {
        const bad = await anotherPortal({ tls: pki[name], http: true });
        const c = client({ portalUrl: bad.httpsUrl, fallbackUrl: bad.httpUrl });
        const error = await failure(c.enrol(bad.token, identity), "tls");
        assert.equal(error.tlsCause, cause);
        assert.match(error.message, text);
        assert.match(error.message, /no plain-HTTP fallback on certificate errors/);
        assert.equal(bad.requests.length, 0, "nothing reached the HTTP port either");
      });
    }

    it("does not trust the test CA unless configured", async () => {
      const c = client({ ca: undefined });
      const error = await failure(c.enrol(portal.token, identity), "tls");
      assert.equal(error.tlsCause, "untrusted");
    });

    it("falls back on a certificate error only when the setting allows it, and says so", async () => {
      const bad = await anotherPortal({ tls: pki.selfSigned, http: true });
      const logger = createMemoryLogger();
      const c = client({
        portalUrl: bad.httpsUrl,
        fallbackUrl: bad.httpUrl,
        allowHttpFallbackOnCertificateError: true,
        logger,
      });
      await c.enrol(bad.token, identity);
      assert.equal(bad.requests.at(-1)?.secure, false);
      assert.ok(
        logger.lines.some((l) => /^warn: HTTPS to the portal failed \(TLS certificate.*self-signed/.test(l)),
      );
    });
  });

  describe("plain-HTTP fallback", () => {
    it("uses HTTP when nothing listens on the HTTPS port; the wire shows only sealed bytes", async () => {
      const tap = await startWireTap(Number(new URL(portal.httpUrl as string).port));
      closers.push(() => tap.close());
      const logger = createMemoryLogger();
      const c = client({
        portalUrl: `https://127.0.0.1:${await closedPort()}/`,
        fallbackUrl: `http://127.0.0.1:${tap.port}/`,
        logger,
      });
      const enrolment = await c.enrol(portal.token, identity);
      await c.checkin(health);
      const ack = await c.uploadScan(scanId.replace("7d1e", "8d1e"), xml.replaceAll("7d1e", "8d1e"));
      assert.equal(ack.stored, true);
      assert.equal(c.usingHttpFallback, true);
      assert.equal(
        logger.lines.filter((l) => l.includes("using plain HTTP")).length,
        1,
        logger.lines.join("\n"),
      );

      const sent = tap.sent();
      const received = tap.received();
      assert.match(sent.toString("latin1"), /^POST \/api\/collector\/v1\/enrol HTTP\/1\.1/);
      assert.match(sent.toString("latin1"), new RegExp(`content-type: ${envelopeContentType}`, "i"));
      for (const secret of [serial, "192.0.2.17", "<scan", "<device", identity.hostname, portal.token])
        assert.ok(!sent.includes(secret), `the request bytes contain ${secret}`);
      for (const secret of [community, enrolment.key.toString("base64"), "communities"])
        assert.ok(!received.includes(secret), `the answer bytes contain ${secret}`);
    });

    it("falls back when the TLS handshake times out, and after a reset", async () => {
      const silent = await startSilentServer();
      closers.push(() => silent.close());
      const c = client({
        portalUrl: `https://127.0.0.1:${silent.port}/`,
        fallbackUrl: portal.httpUrl,
        connectTimeoutMs: 300,
      });
      await c.enrol(portal.token, identity);
      assert.equal(silent.connections, 1);
      assert.equal(portal.requests.at(-1)?.secure, false);

      const resetting = await startSilentServer({ reset: true });
      closers.push(() => resetting.close());
      const d = client({ portalUrl: `https://127.0.0.1:${resetting.port}/`, fallbackUrl: portal.httpUrl });
      await d.enrol(portal.token, identity);
      assert.equal(resetting.connections, 1);
    });

    it("stays on HTTP for httpsRetryAfterMs, then tries HTTPS again", async () => {
      const resetting = await startSilentServer({ reset: true });
      closers.push(() => resetting.close());
      let now = Date.now();
      const c = client({
        portalUrl: `https://127.0.0.1:${resetting.port}/`,
        fallbackUrl: portal.httpUrl,
        httpsRetryAfterMs: 60_000,
        now: () => now,
      });
      await c.enrol(portal.token, identity);
      await c.checkin(health);
      await c.checkin(health);
      assert.equal(resetting.connections, 1, "HTTPS tried once, then HTTP directly");
      now += 61_000;
      await c.checkin(health);
      assert.equal(resetting.connections, 2, "HTTPS tried again after the period");
      assert.equal(c.usingHttpFallback, true);
    });

    it("does not fall back on a slow answer (HTTPS connected): that is a timeout", async () => {
      const c = client({ fallbackUrl: portal.httpUrl, timeoutMs: 300 });
      await c.enrol(portal.token, identity);
      portal.failNext("checkin", { kind: "slow", delayMs: 3000 });
      const error = await failure(c.checkin(health), "timeout");
      assert.match(
        error.message,
        /no answer from https:\/\/127\.0\.0\.1:\d+\/api\/collector\/v1\/checkin within 300 ms/,
      );
      assert.equal(error.fallbackError, undefined);
      assert.equal(c.usingHttpFallback, false);
    });

    it("reports an unreachable portal with both attempts", async () => {
      const c = client({
        portalUrl: `https://127.0.0.1:${await closedPort()}/`,
        fallbackUrl: `http://127.0.0.1:${await closedPort()}/`,
      });
      const error = await failure(c.enrol(portal.token, identity), "unreachable");
      assert.match(error.message, /portal unreachable at https:.*connection refused \(ECONNREFUSED\)/);
      assert.match(error.message, /plain-HTTP fallback failed too: portal unreachable at http:/);
      assert.equal(error.fallbackError?.code, "unreachable");
      assert.equal(error.retryable, true);
    });

    it("reports a connect timeout without fallback configured", async () => {
      const silent = await startSilentServer();
      closers.push(() => silent.close());
      const c = client({ portalUrl: `https://127.0.0.1:${silent.port}/`, connectTimeoutMs: 300 });
      const error = await failure(c.enrol(portal.token, identity), "timeout");
      assert.match(error.message, /timed out connecting to https:\/\/127\.0\.0\.1:\d+ after 300 ms/);
    });
  });

  describe("proxies", () => {
    it("tunnels HTTPS through a CONNECT proxy without authentication", async () => {
      const proxy = await startTestProxy();
      closers.push(() => proxy.close());
      const c = client({ proxy: proxy.url });
      await c.enrol(portal.token, identity);
      await c.uploadScan(scanId, xml);
      assert.deepEqual(proxy.connects, [`127.0.0.1:${new URL(portal.httpsUrl as string).port}`]);
    });

    it("authenticates to the proxy, and reports 407 clearly without the password", async () => {
      const proxy = await startTestProxy({ user: "ice", password: "pr0xy-pass" });
      closers.push(() => proxy.close());
      const good = client({ proxy: proxy.urlWithCredentials });
      await good.enrol(portal.token, identity);
      assert.equal(proxy.connects.length, 1);

      for (const proxyUrl of [proxy.url, proxy.urlWithCredentials.replace("pr0xy-pass", "wrong")]) {
        const c = client({ proxy: proxyUrl, fallbackUrl: portal.httpUrl });
        const error = await failure(c.enrol(portal.token, identity), "proxy-auth");
        assert.equal(error.status, 407);
        assert.match(error.message, /proxy authentication required\/failed \(HTTP 407 from proxy http:/);
        assert.ok(!error.message.includes("wrong") && !error.message.includes("pr0xy-pass"), error.message);
      }
      assert.equal(proxy.refused, 2, "no fallback attempt through the proxy after a 407");
    });

    it("falls back to HTTP through the proxy when its policy refuses CONNECT", async () => {
      const proxy = await startTestProxy({ refuseConnect: 403 });
      closers.push(() => proxy.close());
      const c = client({ proxy: proxy.url, fallbackUrl: portal.httpUrl });
      await c.enrol(portal.token, identity);
      assert.equal(proxy.refused, 1);
      assert.deepEqual(proxy.forwarded, [new URL("api/collector/v1/enrol", portal.httpUrl).href]);

      const strict = client({ proxy: proxy.url });
      const error = await failure(strict.enrol(portal.token, identity), "proxy");
      assert.equal(error.status, 403);
      assert.match(error.message, /proxy refused the connection to the portal \(HTTP 403 from proxy/);
    });

    it("names the proxy when it cannot reach the portal or is itself down", async () => {
      const proxy = await startTestProxy();
      closers.push(() => proxy.close());
      const c = client({ proxy: proxy.url, portalUrl: `https://127.0.0.1:${await closedPort()}/` });
      const error = await failure(c.enrol(portal.token, identity), "proxy");
      assert.match(
        error.message,
        /could not reach the portal \(HTTP 500 from proxy http:\/\/127\.0\.0\.1:\d+\/\)/,
      );

      const down = client({ proxy: `http://u:p@127.0.0.1:${await closedPort()}` });
      const downError = await failure(down.enrol(portal.token, identity), "proxy");
      assert.match(
        downError.message,
        /proxy http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/ unreachable: connection refused/,
      );
    });

    it("follows HTTPS_PROXY and NO_PROXY from the given environment", async () => {
      const proxy = await startTestProxy({ user: "env", password: "pw" });
      closers.push(() => proxy.close());
      const viaProxy = client({
        proxy: undefined,
        env: { HTTPS_PROXY: proxy.urlWithCredentials, NO_PROXY: "example.com" },
      });
      await viaProxy.enrol(portal.token, identity);
      assert.equal(proxy.connects.length, 1);

      for (const noProxy of ["127.0.0.1", "localhost,127.0.0.0/8", "*"]) {
        const direct = client({
          proxy: undefined,
          env: { https_proxy: proxy.urlWithCredentials, no_proxy: noProxy },
        });
        await direct.enrol(portal.token, identity);
      }
      assert.equal(proxy.connects.length, 1, "NO_PROXY bypassed the proxy");
    });

    it("reads the proxy variables of the process environment (child process)", async () => {
      const proxy = await startTestProxy();
      closers.push(() => proxy.close());
      const clientModule = pathToFileURL(new URL("./portal-client.ts", import.meta.url).pathname).href;
      const script = `
        import { PortalClient } from ${JSON.stringify(clientModule)};
        const c = new PortalClient({ portalUrl: process.env.PORTAL_URL, ca: process.env.PORTAL_CA, fallbackUrl: null });
        try {
          const e = await c.enrol(process.env.PORTAL_TOKEN, { hostname: "child", os: "linux", version: "0.1.0" });
          console.log(JSON.stringify({ collectorId: e.collectorId }));
        } catch (error) { console.log(JSON.stringify({ error: String(error) })); }
        await c.close();`;
      const run = async (extra: Record<string, string>) => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ["--input-type=module", "-e", script],
          {
            env: {
              PATH: process.env.PATH,
              PORTAL_URL: portal.httpsUrl,
              PORTAL_CA: pki.ca.cert,
              PORTAL_TOKEN: portal.token,
              ...extra,
            },
          },
        );
        return JSON.parse(stdout.trim().split("\n").at(-1) as string);
      };
      assert.ok((await run({ HTTPS_PROXY: proxy.url })).collectorId);
      assert.equal(proxy.connects.length, 1);
      assert.ok((await run({ HTTPS_PROXY: proxy.url, NO_PROXY: "127.0.0.1" })).collectorId);
      assert.equal(proxy.connects.length, 1, "NO_PROXY honoured");
    });
  });

  describe("portal answers", () => {
    it("enrols again on a 401 and repeats the call once", async () => {
      const logger = createMemoryLogger();
      const c = client({ logger });
      const first = await c.enrol(portal.token, identity);
      portal.failNext("checkin", { kind: "status", status: 401 });
      await c.checkin(health);
      assert.notEqual(c.enrolment?.keyId, first.keyId);
      assert.ok(
        logger.lines.some((l) =>
          l.includes(`portal refused key ${first.keyId} (unknown-key); enrolling again`),
        ),
      );

      // A real 401: the portal forgot the key. Concurrent calls share one re-enrolment.
      const enrolmentsBefore = portal.enrolments.length;
      portal.forgetKeys();
      await Promise.all([c.checkin(health), c.checkin(health), c.uploadScan(scanId, xml)]);
      assert.equal(portal.enrolments.length, enrolmentsBefore + 1);
    });

    it("gives up with `unauthorized` when the token was revoked", async () => {
      const other = await anotherPortal({ tls: pki.server });
      const c = client({ portalUrl: other.httpsUrl });
      await c.enrol(other.token, identity);
      other.revokeToken(other.token);
      const error = await failure(c.checkin(health), "unauthorized");
      assert.match(error.message, /enrolment refused by the portal \(unknown-token\)/);
      await failure(
        client({ portalUrl: other.httpsUrl }).enrol(createEnrolmentToken(), identity),
        "unauthorized",
      );
      await failure(c.enrol("not-a-token", identity), "bad-token");
      await failure(client().checkin(health), "not-enrolled");
    });

    it("corrects a wrong clock from the portal's 401 stale answer", async () => {
      const ahead = await anotherPortal({ tls: pki.server, clockOffsetMs: 3 * 3600_000 });
      const c = client({ portalUrl: ahead.httpsUrl, logger: createMemoryLogger() });
      await c.enrol(ahead.token, identity);
      await c.checkin(health);
      assert.ok(Math.abs(c.clockOffsetMs - 3 * 3600_000) < 60_000, `offset ${c.clockOffsetMs}`);
      assert.deepEqual(
        ahead.requests.map((r) => `${r.call} ${r.status}`),
        ["enrol 401", "enrol 200", "checkin 200"],
      );
    });

    it("refuses a tampered answer and an answer for another message", async () => {
      const c = client();
      await c.enrol(portal.token, identity);
      portal.failNext("checkin", { kind: "tamper" });
      const tampered = await failure(c.checkin(health), "bad-response");
      assert.match(tampered.message, /refused \(tampered: envelope authentication failed/);
      portal.failNext("scans", { kind: "wrong-message-id" });
      const wrong = await failure(c.uploadScan(scanId, xml), "bad-response");
      assert.match(wrong.message, new RegExp(`is for message wrong-.*, not ${scanId}`));
    });

    it("maps 400, 413, 5xx and unexpected statuses", async () => {
      const c = client();
      await c.enrol(portal.token, identity);
      const badId = "2a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
      const rejected = await failure(c.uploadScan(badId, `<scan scanId="${scanId}"/>`), "rejected");
      assert.match(rejected.message, /400 invalid-payload: scanId .* in the file/);
      assert.equal(rejected.retryable, false);

      const unsealable = await failure(c.uploadScan("not a valid id", "<scan/>"), "rejected");
      assert.match(unsealable.message, /cannot send scan not a valid id: cannot seal: messageId/);

      portal.failNext("scans", { kind: "status", status: 413 });
      assert.equal((await failure(c.uploadScan(scanId, xml), "too-large")).retryable, false);
      const small = client({ maxEnvelopeBytes: 1000 });
      await small.enrol(portal.token, identity);
      await failure(
        small.uploadScan(
          scanId,
          "x".repeat(10_000).replace(/x/g, () => String(Math.random())),
        ),
        "too-large",
      );

      portal.failNext("checkin", { kind: "status", status: 503, retryAfterSeconds: 42 });
      const server = await failure(c.checkin(health), "server");
      assert.equal(server.retryAfterMs, 42_000);

      portal.failNext("checkin", { kind: "hang-up" });
      await failure(c.checkin(health), "unreachable");

      const wrongPath = client({ portalUrl: new URL("nothing-here/", portal.httpsUrl).href });
      const notFound = await failure(wrongPath.enrol(portal.token, identity), "bad-response");
      assert.match(notFound.message, /unexpected HTTP 404 .*check the portal URL/);
    });

    it("the fake portal answers a replayed scan envelope with an ack stored=false", async () => {
      const c = client();
      await c.enrol(portal.token, identity);
      const id = "3a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
      await c.uploadScan(id, `<scan scanId="${id}"/>`);
      const upload = portal.requests.find((r) => r.call === "scans" && r.header?.messageId === id);
      assert.ok(upload, "the upload reached the portal");
      const replay = await fetch(new URL("api/collector/v1/scans", portal.httpUrl), {
        method: "POST",
        body: upload.body,
        headers: { "content-type": envelopeContentType },
      });
      const answer = Buffer.from(await replay.arrayBuffer());
      assert.equal(
        replay.status,
        200,
        `replay answered ${replay.status}: ${answer.toString("latin1").slice(0, 300)}`,
      );
      assert.equal(portal.requests.at(-1)?.header?.messageId, id);
      assert.equal(portal.scans.get(id)?.deliveries, 2);
    });
  });
});
