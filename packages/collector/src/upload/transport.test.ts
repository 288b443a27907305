/**
 * The transport on its own (node:http + connection.ts, no HTTP client library): what the portal
 * client tests do not reach: plain HTTP through a proxy (absolute URI, Basic credentials, 407),
 * tunnel failures and timeouts, a TLS proxy, connection reuse, hang-ups after connecting, answer
 * limits, close(), and NODE_USE_ENV_PROXY not overriding the collector's own proxy choice.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import type http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createProxy } from "proxy";
import { createMemoryLogger } from "../log.ts";
import { type FakePortal, startFakePortal } from "../testing/fake-portal.ts";
import { closedPort, startSilentServer, startTestProxy } from "../testing/fake-portal-net.ts";
import { createTestPki, pkiSkipReason, type TestPki } from "../testing/fake-portal-pki.ts";
import { openConnection, proxyAuthorization, RequestFailure } from "./connection.ts";
import { PortalError, type PortalErrorCode } from "./errors.ts";
import { Transport, type TransportOptions } from "./transport.ts";

const skip = pkiSkipReason();
const path = "api/collector/v1/checkin";
const junk = Buffer.from("not an envelope");

async function failure(promise: Promise<unknown>, code: PortalErrorCode): Promise<PortalError> {
  const error = await promise.then(
    () => assert.fail(`expected PortalError ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PortalError, `expected PortalError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

/** A TCP server running `onConnection` for each client; counts connections; closed after the suite. */
async function tcpServer(onConnection: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    result.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const result = {
    port: (server.address() as AddressInfo).port,
    connections: 0,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return result;
}

describe("proxyAuthorization", () => {
  it("decodes the URL's user name and password into Basic credentials", () => {
    const header = proxyAuthorization(new URL("http://d%40main%5Cice:p%3Ass%25w@proxy:3128"));
    assert.equal(
      Buffer.from((header as string).replace(/^Basic /, ""), "base64").toString(),
      "d@main\\ice:p:ss%w",
    );
    assert.equal(proxyAuthorization(new URL("http://proxy:3128")), undefined);
  });
});

describe("Transport", { skip }, () => {
  let pki: TestPki;
  let portal: FakePortal;
  const transports: Transport[] = [];
  const closers: (() => Promise<void>)[] = [];

  const transport = (options: Partial<TransportOptions> = {}) => {
    const t = new Transport({
      portalUrl: portal.httpsUrl as string,
      fallbackUrl: null,
      ca: pki.ca.cert,
      proxy: false,
      connectTimeoutMs: 2000,
      timeoutMs: 5000,
      ...options,
    });
    transports.push(t);
    return t;
  };
  const proxy = async (options: Parameters<typeof startTestProxy>[0] = {}) => {
    const p = await startTestProxy(options);
    closers.push(() => p.close());
    return p;
  };

  before(async () => {
    pki = createTestPki();
    portal = await startFakePortal({ tls: pki.server, http: true });
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(closers.map((close) => close()));
    await portal.close();
    pki.remove();
  });

  describe("plain HTTP through a proxy", () => {
    it("sends the absolute URI with the proxy credentials (percent-decoded), no tunnel", async () => {
      const p = await proxy({ user: "d@main", password: "p:ss%w" });
      const t = transport({ portalUrl: portal.httpUrl, proxy: p.urlWithCredentials });
      const answer = await t.post(path, junk);
      assert.equal(answer.status, 400, "the portal's answer to a non-envelope");
      assert.equal(answer.secure, false);
      assert.equal(answer.proxy, `http://***:***@127.0.0.1:${p.port}/`);
      assert.deepEqual(p.forwarded, [new URL(path, portal.httpUrl).href]);
      assert.deepEqual(p.connects, []);
      assert.equal(portal.requests.at(-1)?.secure, false);
    });

    it("reports the proxy's 407 as proxy-auth, never as the portal's answer, without the password", async () => {
      const p = await proxy({ user: "ice", password: "pr0xy-pass" });
      const t = transport({
        portalUrl: portal.httpUrl,
        proxy: p.urlWithCredentials.replace("pr0xy-pass", "wr0ng"),
      });
      const error = await failure(t.post(path, junk), "proxy-auth");
      assert.equal(error.status, 407);
      assert.match(error.message, /HTTP 407 from proxy http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\//);
      assert.ok(!/wr0ng|pr0xy-pass/.test(`${error.message} ${String(error.cause ?? "")}`));
    });

    it("falls back through the HTTP proxy when the HTTPS proxy refuses CONNECT", async () => {
      const refusing = await proxy({ refuseConnect: 502 });
      const forwarding = await proxy();
      const logger = createMemoryLogger();
      const t = transport({
        fallbackUrl: portal.httpUrl,
        proxy: undefined,
        env: { HTTPS_PROXY: refusing.url, HTTP_PROXY: forwarding.url },
        logger,
      });
      const answer = await t.post(path, junk);
      assert.equal(answer.secure, false);
      assert.equal(refusing.refused, 1);
      assert.equal(forwarding.forwarded.length, 1);
      assert.ok(logger.lines.some((l) => /proxy could not reach the portal \(HTTP 502 from proxy/.test(l)));
    });
  });

  describe("tunnels", () => {
    it("keeps the tunnel for the next request (one CONNECT, one TLS handshake)", async () => {
      const p = await proxy();
      const t = transport({ proxy: p.url });
      for (let i = 0; i < 3; i++) assert.equal((await t.post(path, junk)).status, 400);
      assert.equal(p.connects.length, 1);
    });

    it("times out a proxy that never answers CONNECT, and then tries plain HTTP", async () => {
      const mute = await tcpServer(() => {});
      closers.push(() => mute.close());
      const t = transport({ proxy: `http://127.0.0.1:${mute.port}`, connectTimeoutMs: 300 });
      const error = await failure(t.post(path, junk), "timeout");
      assert.match(
        error.message,
        /^timed out connecting to https:\/\/127\.0\.0\.1:\d+ after 300 ms \(proxy http:\/\/127\.0\.0\.1:\d+\/ did not answer CONNECT\)$/,
      );
      const withFallback = transport({
        proxy: `http://127.0.0.1:${mute.port}`,
        connectTimeoutMs: 300,
        timeoutMs: 300,
        fallbackUrl: `http://127.0.0.1:${await closedPort()}/`,
      });
      const both = await failure(withFallback.post(path, junk), "timeout");
      // The fallback goes through the same (explicit) proxy, which does not answer at all.
      assert.match(both.message, /plain-HTTP fallback failed too: no answer from http:.* within 300 ms$/);
      assert.equal(both.fallbackError?.code, "timeout");
    });

    it("names a proxy that hangs up on CONNECT, or does not speak HTTP", async () => {
      const hangUp = await tcpServer((socket) => socket.once("data", () => socket.destroy()));
      const garbage = await tcpServer((socket) =>
        socket.once("data", () => socket.end("SSH-2.0-OpenSSH\r\n\r\n")),
      );
      closers.push(
        () => hangUp.close(),
        () => garbage.close(),
      );
      const closed = await failure(
        transport({ proxy: `http://127.0.0.1:${hangUp.port}` }).post(path, junk),
        "proxy",
      );
      assert.match(
        closed.message,
        /^proxy http:\/\/127\.0\.0\.1:\d+\/ did not open a tunnel to https:\/\/127\.0\.0\.1:\d+: /,
      );
      const notHttp = await failure(
        transport({ proxy: `http://127.0.0.1:${garbage.port}` }).post(path, junk),
        "proxy",
      );
      assert.match(notHttp.message, /did not open a tunnel .*invalid answer to CONNECT/);
    });

    it("goes through an https:// proxy (TLS to the proxy, then TLS to the portal inside)", async () => {
      const server = createProxy(https.createServer({ key: pki.server.key, cert: pki.server.cert }));
      const connects: string[] = [];
      server.on("connect", (req: http.IncomingMessage) => connects.push(req.url ?? ""));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      closers.push(() => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(() => resolve()));
      });
      const port = (server.address() as AddressInfo).port;
      const t = transport({ proxy: `https://127.0.0.1:${port}` });
      assert.equal((await t.post(path, junk)).status, 400);
      assert.equal(connects.length, 1);

      const untrusted = transport({ proxy: `https://127.0.0.1:${port}`, ca: pki.otherCa.cert });
      const error = await failure(untrusted.post(path, junk), "proxy");
      assert.match(
        error.message,
        /^TLS with proxy https:\/\/127\.0\.0\.1:\d+\/ failed: certificate not signed by a trusted CA/,
      );
    });
  });

  describe("once connected", () => {
    it("does not fall back when the portal hangs up after the request (it is reachable)", async () => {
      const t = transport({ fallbackUrl: portal.httpUrl });
      const before = portal.requests.length;
      portal.failNext("checkin", { kind: "hang-up" });
      const error = await failure(t.post(path, junk), "unreachable");
      assert.match(error.message, /^connection to https:\/\/127\.0\.0\.1:\d+ lost before the answer/);
      assert.equal(error.fallbackError, undefined);
      assert.equal(portal.requests.length, before + 1, "no second request over HTTP");
      assert.equal(t.usingFallback, false);
    });

    it("falls back when the HTTPS port does not speak TLS (handshake failure)", async () => {
      const t = transport({
        portalUrl: `https://127.0.0.1:${new URL(portal.httpUrl as string).port}/`,
        fallbackUrl: portal.httpUrl,
      });
      const answer = await t.post(path, junk);
      assert.equal(answer.secure, false);
      assert.equal(t.usingFallback, true);
    });

    it("refuses an answer over maxResponseBytes, and one that stops short", async () => {
      const big = await tcpServer((socket) =>
        socket.once("data", () =>
          socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${"x".repeat(5000)}`),
        ),
      );
      const short = await tcpServer((socket) =>
        socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nxyz")),
      );
      closers.push(
        () => big.close(),
        () => short.close(),
      );
      const tooBig = await failure(
        transport({ portalUrl: `http://127.0.0.1:${big.port}/`, maxResponseBytes: 1000 }).post(path, junk),
        "bad-response",
      );
      assert.match(tooBig.message, /is over 1000 bytes/);
      const cut = await failure(
        transport({ portalUrl: `http://127.0.0.1:${short.port}/` }).post(path, junk),
        "unreachable",
      );
      assert.match(cut.message, /lost before the answer/);
    });

    it("times out an answer that stalls in the middle of its body", async () => {
      const stall = await tcpServer((socket) =>
        socket.once("data", () => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nxyz")),
      );
      closers.push(() => stall.close());
      const error = await failure(
        transport({ portalUrl: `http://127.0.0.1:${stall.port}/`, timeoutMs: 300 }).post(path, junk),
        "timeout",
      );
      assert.match(
        error.message,
        /^no answer from http:\/\/127\.0\.0\.1:\d+\/api\/collector\/v1\/checkin within 300 ms$/,
      );
    });

    it("close() ends a request under way and refuses later ones", async () => {
      const t = transport({ timeoutMs: 10_000 });
      portal.failNext("checkin", { kind: "slow", delayMs: 2000 });
      const pending = t.post(path, junk);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await t.close();
      const error = await failure(pending, "unreachable");
      assert.ok(Date.now() - started < 1000, "did not wait for the answer");
      assert.match(error.message, /abandoned: the connection was closed/);
      await failure(t.post(path, junk), "unreachable");
    });
  });

  it("opens connections with timeouts and phases (connection.ts)", async () => {
    const silent = await startSilentServer();
    closers.push(() => silent.close());
    const error = await openConnection({
      target: new URL(`https://127.0.0.1:${silent.port}/`),
      timeoutMs: 200,
    }).then(
      () => assert.fail("expected a timeout"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RequestFailure);
    assert.equal(error.phase, "tls");
    assert.equal(error.timedOut, true);

    const refused = await openConnection({
      target: new URL(`https://127.0.0.1:${await closedPort()}/`),
      proxy: new URL(`http://127.0.0.1:${await closedPort()}`),
      timeoutMs: 2000,
    }).then(
      () => assert.fail("expected a refusal"),
      (e: unknown) => e,
    );
    assert.ok(refused instanceof RequestFailure);
    assert.equal(refused.phase, "proxy-connect");
    assert.equal((refused.cause as { code?: string }).code, "ECONNREFUSED");
  });

  it("ignores NODE_USE_ENV_PROXY: the collector's own proxy choice applies (child process)", async () => {
    const p = await proxy();
    const transportModule = pathToFileURL(new URL("./transport.ts", import.meta.url).pathname).href;
    const script = `
      import { Transport } from ${JSON.stringify(transportModule)};
      const t = new Transport({ portalUrl: process.env.PORTAL_URL, ca: process.env.PORTAL_CA, fallbackUrl: null,
        proxy: process.env.ICE_PROXY === "none" ? false : undefined });
      try { console.log(JSON.stringify({ status: (await t.post("x", Buffer.from("x"))).status })); }
      catch (error) { console.log(JSON.stringify({ error: String(error) })); }
      await t.close();`;
    const run = async (extra: Record<string, string>) => {
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
        env: {
          PATH: process.env.PATH,
          PORTAL_URL: portal.httpsUrl,
          PORTAL_CA: pki.ca.cert,
          NODE_USE_ENV_PROXY: "1",
          HTTPS_PROXY: p.url,
          ...extra,
        },
      });
      return JSON.parse(stdout.trim().split("\n").at(-1) as string);
    };
    assert.equal((await run({ ICE_PROXY: "none" })).status, 404);
    assert.equal((await run({ NO_PROXY: "10.0.0.0/8 127.0.0.0/8" })).status, 404, "CIDR in NO_PROXY");
    assert.equal(p.connects.length, 0);
    assert.equal((await run({})).status, 404);
    assert.equal(p.connects.length, 1);
  });
});
