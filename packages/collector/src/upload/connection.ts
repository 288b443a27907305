/**
 * The connection a portal request goes over, opened step by step with Node's own `net` and `tls`
 * (no HTTP client library): TCP to the portal, or to the proxy; for HTTPS through a proxy a
 * CONNECT tunnel (with Basic `Proxy-Authorization` from the proxy URL's credentials); then TLS
 * with the portal, verified against the given CAs and the portal's host name. One deadline
 * covers all the steps (docs/collector-protocol.md, "Transport": 10 s to connect, TCP, proxy
 * CONNECT and TLS together). Plain HTTP through a proxy needs no tunnel: the connection is the
 * one to the proxy, and the transport sends the request with the absolute URI.
 *
 * A failure is a `RequestFailure` that says in which phase it happened: the transport's error
 * classification (errors.ts) needs that to tell "HTTPS could not connect" (plain-HTTP fallback)
 * from "the proxy refused", "the certificate is wrong" or "connected, then no answer".
 *
 * Node's built-in agent proxy support (`proxyEnv`, NODE_USE_ENV_PROXY) is deliberately not used:
 * it reads NO_PROXY without CIDRs, spaces or subdomain matching, ignores proxy URLs without a
 * scheme, has one socket timeout for the tunnel and the answer, and does not say which step
 * failed. The transport's agents get no `proxyEnv`, so NODE_USE_ENV_PROXY does not route these
 * requests either (in Node 24.21 only the global agents read it); proxy.ts decides.
 */
import net from "node:net";
import tls from "node:tls";

/** The step a request failed in, from the first TCP connection to the end of the answer. */
export type RequestPhase =
  /** TCP connection to the proxy. */
  | "proxy-connect"
  /** TLS with an `https://` proxy. */
  | "proxy-tls"
  /** The proxy's answer to CONNECT. */
  | "tunnel"
  /** TCP connection to the portal. */
  | "connect"
  /** TLS handshake and certificate verification with the portal. */
  | "tls"
  /** Connected: sending the request and reading the answer. */
  | "request";

export interface RequestFailureDetails {
  /** The phase's time limit ran out. */
  timedOut?: boolean | undefined;
  /** The connection was closed on purpose (`Transport#close`). */
  aborted?: boolean | undefined;
  /** The proxy's status line code when it answered CONNECT with something else than 2xx. */
  proxyStatus?: number | undefined;
  cause?: unknown;
}

/** Why a request failed, and in which phase (the message never carries proxy credentials). */
export class RequestFailure extends Error {
  override name = "RequestFailure";
  readonly phase: RequestPhase;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly proxyStatus: number | undefined;

  constructor(phase: RequestPhase, message: string, details: RequestFailureDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.phase = phase;
    this.timedOut = details.timedOut ?? false;
    this.aborted = details.aborted ?? false;
    this.proxyStatus = details.proxyStatus;
  }
}

export interface OpenOptions {
  /** The portal URL (`https:` or `http:`). */
  target: URL;
  /** The proxy to go through (credentials allowed), if any. */
  proxy?: URL | undefined;
  /**
   * Trusted CAs for the portal's certificate (and an `https://` proxy's), made once by the caller
   * with `tls.createSecureContext({ ca })`; undefined: Node's default CAs.
   */
  secureContext?: tls.SecureContext | undefined;
  /** For TCP + CONNECT + TLS together. */
  timeoutMs: number;
  /** Aborts (and destroys the socket being opened). */
  signal?: AbortSignal | undefined;
}

/** Largest proxy answer head to CONNECT that is read. */
const maxConnectAnswerBytes = 16 * 1024;

/** `host` without IPv6 brackets, and the port (the scheme's default when absent). */
export function endpoint(url: URL): { host: string; port: number } {
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port) || (url.protocol === "https:" ? 443 : 80),
  };
}

/** `Basic …` for the user name and password of a proxy URL, or undefined when it has none. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return `Basic ${Buffer.from(`${decode(proxy.username)}:${decode(proxy.password)}`).toString("base64")}`;
}

/**
 * Opens the connection for a request to `target`: direct or through `proxy`, with TLS for
 * `https:`. Rejects with a RequestFailure naming the phase.
 */
export function openConnection(options: OpenOptions): Promise<net.Socket> {
  const { target, proxy, secureContext, timeoutMs, signal } = options;
  const secure = target.protocol === "https:";
  let phase: RequestPhase = proxy ? "proxy-connect" : "connect";
  /** Every socket made so far (TCP, TLS over it…): all destroyed on a failure. */
  const sockets: net.Socket[] = [];

  return new Promise<net.Socket>((resolve, reject) => {
    let done = false;
    const finish = (error: RequestFailure | undefined, result?: net.Socket) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) {
        for (const socket of sockets) socket.destroy();
        reject(error);
      } else resolve(result as net.Socket);
    };
    const fail = (cause: unknown) =>
      finish(new RequestFailure(phase, `${phase} failed: ${messageOf(cause)}`, { cause }));
    const timer = setTimeout(
      () => finish(new RequestFailure(phase, `${phase} timed out after ${timeoutMs} ms`, { timedOut: true })),
      timeoutMs,
    );
    const onAbort = () => finish(new RequestFailure(phase, "connection closed", { aborted: true }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });

    /** Runs one step; its socket is the one destroyed on a failure or timeout meanwhile. */
    const step = <T extends net.Socket>(
      next: RequestPhase,
      make: () => T,
      ready: "connect" | "secureConnect",
      then: (socket: T) => void,
    ) => {
      if (done) return;
      phase = next;
      let socket: T;
      try {
        socket = make();
      } catch (error) {
        return fail(error);
      }
      sockets.push(socket);
      const onError = (error: Error) => fail(error);
      socket.once("error", onError);
      socket.once(ready, () => {
        socket.removeListener("error", onError);
        if (done) return void socket.destroy();
        then(socket);
      });
    };

    const portal = endpoint(target);
    const portalTls = (socket: net.Socket | undefined) =>
      step(
        "tls",
        () =>
          tls.connect({
            ...(socket ? { socket } : { host: portal.host, port: portal.port }),
            // The name checked against the certificate; SNI only for names (RFC 6066: no IPs).
            host: portal.host,
            ...(net.isIP(portal.host) ? {} : { servername: portal.host }),
            ...(secureContext ? { secureContext } : {}),
            ALPNProtocols: ["http/1.1"],
          }),
        "secureConnect",
        (tlsSocket) => finish(undefined, tlsSocket),
      );

    if (!proxy) {
      if (secure) portalTls(undefined);
      else
        step(
          "connect",
          () => net.connect({ host: portal.host, port: portal.port }),
          "connect",
          (socket) => finish(undefined, socket),
        );
      return;
    }

    const proxyAt = endpoint(proxy);
    const throughProxy = (socket: net.Socket) => {
      // Plain HTTP needs no tunnel: the request goes to the proxy with the absolute URI.
      if (!secure) return finish(undefined, socket);
      phase = "tunnel";
      connectTunnel(socket, target, proxy, (error) => {
        if (done) return;
        if (error) return finish(error);
        // From here on the TLS socket over it reports errors; this keeps a late one on the raw
        // socket from becoming an uncaught exception.
        socket.on("error", () => {});
        portalTls(socket);
      });
    };
    step(
      "proxy-connect",
      () => net.connect({ host: proxyAt.host, port: proxyAt.port }),
      "connect",
      (socket) => {
        if (proxy.protocol !== "https:") return throughProxy(socket);
        step(
          "proxy-tls",
          () =>
            tls.connect({
              socket,
              host: proxyAt.host,
              ...(net.isIP(proxyAt.host) ? {} : { servername: proxyAt.host }),
              ...(secureContext ? { secureContext } : {}),
            }),
          "secureConnect",
          throughProxy,
        );
      },
    );
  });
}

/**
 * Sends `CONNECT host:port` on `socket` (connected to the proxy) and waits for the answer head.
 * Calls back with no error once the proxy answered 2xx (the socket is then the tunnel), or with
 * a RequestFailure ("tunnel", with `proxyStatus` when the proxy answered something else).
 */
function connectTunnel(
  socket: net.Socket,
  target: URL,
  proxy: URL,
  callback: (error: RequestFailure | undefined) => void,
): void {
  const { port } = endpoint(target);
  const authority = `${target.hostname}:${port}`; // hostname keeps IPv6 brackets, as CONNECT wants
  const auth = proxyAuthorization(proxy);
  const lines = [
    `CONNECT ${authority} HTTP/1.1`,
    `Host: ${authority}`,
    ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
    "Proxy-Connection: keep-alive",
  ];
  let head = Buffer.alloc(0);
  const done = (error: RequestFailure | undefined) => {
    socket.removeListener("data", onData);
    socket.removeListener("error", onError);
    socket.removeListener("end", onEnd);
    socket.pause();
    callback(error);
  };
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) {
      if (head.length > maxConnectAnswerBytes)
        done(
          new RequestFailure(
            "tunnel",
            `answer to CONNECT ${authority} is over ${maxConnectAnswerBytes} bytes`,
          ),
        );
      return;
    }
    const statusLine = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)?.[1];
    if (!status)
      return done(
        new RequestFailure(
          "tunnel",
          `invalid answer to CONNECT ${authority}: ${JSON.stringify(statusLine.slice(0, 80))}`,
        ),
      );
    const code = Number(status);
    if (code < 200 || code > 299)
      return done(
        new RequestFailure("tunnel", `proxy answered CONNECT ${authority} with HTTP ${code}`, {
          proxyStatus: code,
        }),
      );
    // A proxy sends nothing after its 2xx until the client speaks (the TLS ClientHello).
    done(undefined);
  };
  const onError = (error: Error) =>
    done(
      new RequestFailure("tunnel", `connection to the proxy failed during CONNECT: ${error.message}`, {
        cause: error,
      }),
    );
  const onEnd = () =>
    done(
      new RequestFailure("tunnel", `proxy closed the connection before answering CONNECT ${authority}`, {
        cause: Object.assign(new Error("connection closed by the proxy"), { code: "ECONNRESET" }),
      }),
    );
  socket.on("data", onData);
  socket.once("error", onError);
  socket.once("end", onEnd);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
