/**
 * Network helpers for tests of the collector's upload path, all on 127.0.0.1 and free ports:
 *
 * - `startTestProxy({ user?, password? })`: a real HTTP proxy (npm `proxy`: CONNECT tunnels and
 *   plain forwarding) that counts what went through it and, with credentials, answers 407 to
 *   requests without the right `Proxy-Authorization`;
 * - `startWireTap(targetPort)`: a TCP relay that keeps every byte in both directions, to assert
 *   what an observer of the network would see;
 * - `closedPort()`: a port on which nothing listens (connection refused);
 * - `startSilentServer({ reset? })`: accepts TCP connections and never says a word (a TLS
 *   handshake that times out, like a firewall that swallows the ClientHello), or with `reset`
 *   resets each connection at once (a middlebox that kills TLS); counts the connections.
 * - `startTestProxy({ refuseConnect: 403 })`: a proxy whose policy refuses every CONNECT tunnel
 *   with that status but forwards plain HTTP (a common corporate set-up).
 */
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { createProxy } from "proxy";

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function tracked(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

export interface TestProxy {
  /** `http://127.0.0.1:PORT` without credentials. */
  url: string;
  /** With the credentials when it has some: `http://user:password@127.0.0.1:PORT`. */
  urlWithCredentials: string;
  port: number;
  /** CONNECT targets ("127.0.0.1:4443") that were let through. */
  connects: string[];
  /** Forwarded plain-HTTP request URLs that were let through. */
  forwarded: string[];
  /** Requests answered 407 (or refused by `refuseConnect`). */
  refused: number;
  close(): Promise<void>;
}

export interface TestProxyOptions {
  user?: string;
  password?: string;
  /** Answer every CONNECT with this status (after authentication) instead of tunnelling. */
  refuseConnect?: number;
}

export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const server = createProxy(http.createServer());
  const sockets = tracked(server);
  const refuse = options.refuseConnect;
  if (refuse !== undefined) {
    server.removeAllListeners("connect");
    server.on("connect", (_req: http.IncomingMessage, socket: net.Socket) => {
      result.refused++;
      socket.end(`HTTP/1.1 ${refuse} ${http.STATUS_CODES[refuse] ?? "Refused"}\r\nContent-Length: 0\r\n\r\n`);
    });
  }
  const expected =
    options.user === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.user}:${options.password ?? ""}`).toString("base64")}`;
  const result: TestProxy = {
    url: "",
    urlWithCredentials: "",
    port: 0,
    connects: [],
    forwarded: [],
    refused: 0,
    close: () => closeServer(server, sockets),
  };
  server.authenticate = (req) => {
    const ok = expected === undefined || req.headers["proxy-authorization"] === expected;
    if (!ok) result.refused++;
    else if (req.method === "CONNECT") result.connects.push(req.url ?? "");
    else result.forwarded.push(req.url ?? "");
    return ok;
  };
  result.port = await listen(server);
  result.url = `http://127.0.0.1:${result.port}`;
  result.urlWithCredentials =
    options.user === undefined
      ? result.url
      : `http://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? "")}@127.0.0.1:${result.port}`;
  return result;
}

export interface WireTap {
  port: number;
  /** Every byte from clients to the target, in order. */
  sent(): Buffer;
  /** Every byte from the target back to clients, in order. */
  received(): Buffer;
  close(): Promise<void>;
}

export async function startWireTap(targetPort: number): Promise<WireTap> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const server = net.createServer((client) => {
    const target = net.connect(targetPort, "127.0.0.1");
    client.on("data", (chunk: Buffer) => {
      up.push(chunk);
      target.write(chunk);
    });
    target.on("data", (chunk: Buffer) => {
      down.push(chunk);
      client.write(chunk);
    });
    client.on("end", () => target.end());
    target.on("end", () => client.end());
    client.on("error", () => target.destroy());
    target.on("error", () => client.destroy());
    client.on("close", () => target.destroy());
    target.on("close", () => client.destroy());
  });
  const sockets = tracked(server);
  const port = await listen(server);
  return {
    port,
    sent: () => Buffer.concat(up),
    received: () => Buffer.concat(down),
    close: () => closeServer(server, sockets),
  };
}

/** A port on 127.0.0.1 on which nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startSilentServer(options: { reset?: boolean } = {}): Promise<SilentServer> {
  const server = net.createServer((socket) => {
    result.connections++;
    if (options.reset) socket.resetAndDestroy();
  });
  const sockets = tracked(server);
  const result: SilentServer = { port: 0, connections: 0, close: () => closeServer(server, sockets) };
  result.port = await listen(server);
  return result;
}
