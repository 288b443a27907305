import http, { type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createSecureContext, getCACertificates, rootCertificates, type SecureContext } from "node:tls";
import { type Logger, silentLogger } from "../log.ts";
import { openConnection, proxyAuthorization, RequestFailure } from "./connection.ts";
import { classifyRequestError, PortalError, redactUrl } from "./errors.ts";
import { chooseProxy, type ProxyChoice } from "./proxy.ts";

/**
 * How the collector reaches the portal: outbound HTTPS POSTs of envelope bytes, with certificate
 * verification, proxies, timeouts, and the plain-HTTP fallback of docs/collector-protocol.md
 * ("Transport"). It knows nothing of envelopes: the portal client seals and opens them.
 *
 * Built on node:http alone: each route (the portal URL, the plain-HTTP fallback) has a keep-alive
 * `http.Agent` whose connections are opened by connection.ts (TCP, proxy CONNECT tunnel, TLS with
 * the configured CAs, under the connect timeout). Idle connections are kept 4 s at most (or less
 * when the server announces a shorter Keep-Alive), below the usual server limits, so a request
 * seldom meets a connection the server is closing; a request is never repeated by the transport
 * (the caller retries: scans are idempotent by scan id, a check-in is a new message).
 */

export interface TransportOptions {
  /** `https://portal.example/` (an `http://` URL means plain HTTP only, by choice). */
  portalUrl: string;
  /**
   * Where to try plain HTTP when HTTPS cannot connect. Default: the portal URL with `http:` and
   * port 80. `null`: no fallback.
   */
  fallbackUrl?: string | null | undefined;
  /** Extra CA certificate(s), PEM, trusted besides the default ones (a private portal CA). */
  ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
  /** Also fall back to HTTP when the portal's certificate fails verification. Default false. */
  allowHttpFallbackOnCertificateError?: boolean | undefined;
  /** A proxy URL (`http://user:pass@proxy:3128`), false for none; default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxy?: string | false | undefined;
  /** Environment for the proxy variables; default `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
  /** TCP connect + TLS handshake (and proxy CONNECT). Default 10 s. */
  connectTimeoutMs?: number | undefined;
  /** Waiting for the answer once connected. Default 60 s. */
  timeoutMs?: number | undefined;
  /** After a successful fallback, keep using HTTP this long before trying HTTPS again. Default 15 min. */
  httpsRetryAfterMs?: number | undefined;
  /** Largest answer body read. Default 8 MiB + 64 KiB. */
  maxResponseBytes?: number | undefined;
  userAgent?: string | undefined;
  logger?: Logger | undefined;
  now?: (() => number) | undefined;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL that answered. */
  url: string;
  /** Whether the answer came over HTTPS or over the plain-HTTP fallback. */
  secure: boolean;
  /** The proxy it went through (redacted), if any. */
  proxy: string | undefined;
}

interface Route {
  base: URL;
  proxy: ProxyChoice | undefined;
  /** Plain HTTP through a proxy: requests name the absolute URI and carry this (if any). */
  forward: { proxyAuthorization: string | undefined } | undefined;
  agent: http.Agent;
}

type Attempt =
  | { ok: true; response: TransportResponse }
  | { ok: false; error: PortalError; connectFailure: boolean; certificate: boolean };

const contentType = "application/vnd.device-portal.envelope";

export class Transport {
  readonly portalUrl: URL;
  readonly fallbackUrl: URL | undefined;
  readonly #primary: Route;
  readonly #fallback: Route | undefined;
  /** The default CAs plus the configured one(s); undefined without a configured CA (Node's defaults). */
  readonly #secureContext: SecureContext | undefined;
  /** Aborts the connections being opened, on `close()`. */
  readonly #closing = new AbortController();
  readonly #allowCertificateFallback: boolean;
  readonly #connectTimeoutMs: number;
  readonly #timeoutMs: number;
  readonly #httpsRetryAfterMs: number;
  readonly #maxResponseBytes: number;
  readonly #userAgent: string;
  readonly #logger: Logger;
  readonly #now: () => number;
  #fallbackUntil = 0;

  constructor(options: TransportOptions) {
    this.portalUrl = withSlash(new URL(options.portalUrl));
    if (this.portalUrl.protocol !== "https:" && this.portalUrl.protocol !== "http:")
      throw new TypeError(`portal URL must be https:// (or http://), got ${this.portalUrl.protocol}`);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#httpsRetryAfterMs = options.httpsRetryAfterMs ?? 15 * 60_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024 + 64 * 1024;
    this.#allowCertificateFallback = options.allowHttpFallbackOnCertificateError ?? false;
    this.#userAgent = options.userAgent ?? "device-portal-ice";
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;

    const ca = trustedCas(options.ca);
    this.#secureContext = ca ? createSecureContext({ ca }) : undefined;
    this.#primary = this.#route(this.portalUrl, options);
    if (this.portalUrl.protocol === "https:" && options.fallbackUrl !== null) {
      const fallback = options.fallbackUrl
        ? withSlash(new URL(options.fallbackUrl))
        : defaultFallback(this.portalUrl);
      if (fallback.protocol !== "http:")
        throw new TypeError(`fallback URL must be http://, got ${fallback.protocol}`);
      this.fallbackUrl = fallback;
      this.#fallback = this.#route(fallback, options);
    }
  }

  /** True while requests go over the plain-HTTP fallback (until `httpsRetryAfterMs` has passed). */
  get usingFallback(): boolean {
    return this.#fallback !== undefined && this.#now() < this.#fallbackUntil;
  }

  /** POSTs envelope bytes to `path` (relative to the portal URL). Rejects with a PortalError. */
  async post(path: string, body: Buffer): Promise<TransportResponse> {
    const fallback = this.#fallback;
    if (fallback && this.usingFallback) {
      const attempt = await this.#attempt(fallback, path, body);
      if (attempt.ok) return attempt.response;
      this.#fallbackUntil = 0; // the next request tries HTTPS first again
      throw attempt.error;
    }

    const first = await this.#attempt(this.#primary, path, body);
    if (first.ok) {
      if (this.#fallbackUntil !== 0) this.#logger.info(`HTTPS to ${this.portalUrl.origin} works again`);
      this.#fallbackUntil = 0;
      return first.response;
    }
    const eligible = first.connectFailure || (first.certificate && this.#allowCertificateFallback);
    if (!fallback || !eligible) {
      if (fallback && first.certificate)
        throw first.error.rephrase(
          `${first.error.message} (no plain-HTTP fallback on certificate errors unless allowed by the settings)`,
        );
      throw first.error;
    }

    const second = await this.#attempt(fallback, path, body);
    if (second.ok) {
      this.#fallbackUntil = this.#now() + this.#httpsRetryAfterMs;
      this.#logger.warn(
        `HTTPS to the portal failed (${first.error.message}); using plain HTTP ${fallback.base.origin} for ` +
          `${Math.round(this.#httpsRetryAfterMs / 60_000)} min (messages stay encrypted and authenticated)`,
      );
      return second.response;
    }
    throw first.error.rephrase(
      `${first.error.message}; plain-HTTP fallback failed too: ${second.error.message}`,
      {
        fallbackError: second.error,
      },
    );
  }

  /** Closes every connection: requests under way fail, later ones are refused. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#primary.agent.destroy();
    this.#fallback?.agent.destroy();
  }

  #route(base: URL, options: TransportOptions): Route {
    const proxy = chooseProxy(base, { proxy: options.proxy, env: options.env });
    if (proxy)
      this.#logger.debug(
        `requests to ${base.origin} go through proxy ${redactUrl(proxy.url)} (${proxy.source})`,
      );
    const agent = new http.Agent({ keepAlive: true, timeout: idleConnectionMs, maxFreeSockets: 4 });
    // Every connection of this route goes to `base` (directly or through its proxy), opened by
    // connection.ts; the agent only pools them. Calling back later (returning nothing) is the
    // agent's asynchronous form of createConnection.
    agent.createConnection = (_options, callback) => {
      openConnection({
        target: base,
        proxy: proxy?.url,
        secureContext: this.#secureContext,
        timeoutMs: this.#connectTimeoutMs,
        signal: this.#closing.signal,
      }).then(
        (socket) => callback?.(null, socket),
        // The agent passes the error on to the request; there is no stream.
        (error: Error) => callback?.(error, undefined as unknown as Duplex),
      );
      return undefined;
    };
    const forward =
      proxy && base.protocol === "http:" ? { proxyAuthorization: proxyAuthorization(proxy.url) } : undefined;
    return { base, proxy, forward, agent };
  }

  async #attempt(route: Route, path: string, body: Buffer): Promise<Attempt> {
    const target = new URL(path, route.base);
    const url = target.href;
    const context = {
      url,
      proxy: route.proxy?.url,
      connectTimeoutMs: this.#connectTimeoutMs,
      timeoutMs: this.#timeoutMs,
    };
    const proxyName = route.proxy ? redactUrl(route.proxy.url) : undefined;
    try {
      if (this.#closing.signal.aborted)
        throw new RequestFailure("connect", "the transport is closed", { aborted: true });
      const answer = await exchange({
        agent: route.agent,
        target,
        forward: route.forward,
        body,
        headers: {
          "content-type": contentType,
          accept: `${contentType}, application/json`,
          "user-agent": this.#userAgent,
        },
        connectTimeoutMs: this.#connectTimeoutMs,
        timeoutMs: this.#timeoutMs,
        maxResponseBytes: this.#maxResponseBytes,
      });
      // Plain HTTP through a proxy: a 407 is the proxy's, not the portal's.
      if (route.forward && answer.status === 407)
        throw new PortalError(
          "proxy-auth",
          `proxy authentication required/failed (HTTP 407 from proxy ${proxyName}): check the proxy user and password`,
          { url, status: 407 },
        );
      return {
        ok: true,
        response: { ...answer, url, secure: route.base.protocol === "https:", proxy: proxyName },
      };
    } catch (error) {
      const closed =
        this.#closing.signal.aborted && !(error instanceof PortalError)
          ? new RequestFailure("request", "the transport is closed", { aborted: true, cause: error })
          : error;
      return { ok: false, ...classifyRequestError(closed, context) };
    }
  }
}

/** How long an idle connection is kept for the next request (servers commonly allow 5 s or more). */
const idleConnectionMs = 4000;

interface ExchangeOptions {
  agent: http.Agent;
  target: URL;
  forward: Route["forward"];
  body: Buffer;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  timeoutMs: number;
  maxResponseBytes: number;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * POSTs `body` with Node's HTTP/1.1 client and reads the answer. Opening the connection has its
 * own deadline (connection.ts); once connected, the answer's head must come within `timeoutMs`,
 * its body without a pause over `timeoutMs`, and not over `maxResponseBytes`; and the whole
 * exchange ends within connect + 2 × `timeoutMs` (an answer that trickles in). Rejects with a
 * RequestFailure (the connection's, or "request" once connected) or, for an oversized answer, a
 * PortalError.
 */
function exchange(options: ExchangeOptions): Promise<Answer> {
  const { agent, target, forward, body, timeoutMs } = options;
  const url = target.href;
  return new Promise<Answer>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, answer?: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(overall);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(answer as Answer);
    };
    const failed = (cause: unknown) =>
      finish(
        cause instanceof RequestFailure
          ? cause // opening the connection failed (connection.ts)
          : new RequestFailure("request", `request to ${url} failed: ${(cause as Error)?.message}`, {
              cause,
            }),
      );
    /** (Re)starts the wait for the next sign of life: the answer's head, then each body chunk. */
    const wait = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(new RequestFailure("request", `no answer within ${timeoutMs} ms`, { timedOut: true })),
        timeoutMs,
      );
    };
    const overall = setTimeout(
      () =>
        finish(
          new RequestFailure("request", "answer not complete in time", {
            timedOut: true,
          }),
        ),
      options.connectTimeoutMs + 2 * timeoutMs,
    );

    const request = http.request({
      agent,
      method: "POST",
      host: target.hostname.replace(/^\[|\]$/g, ""),
      port: Number(target.port) || (target.protocol === "https:" ? 443 : 80),
      // Through a proxy (plain HTTP only) the request target is the absolute URI.
      path: forward ? url : `${target.pathname}${target.search}`,
      setHost: false,
      headers: {
        host: target.host,
        ...options.headers,
        "content-length": String(body.length),
        ...(forward?.proxyAuthorization ? { "proxy-authorization": forward.proxyAuthorization } : {}),
      },
    });
    // The answer's time starts once connected (a new connection has its own deadline).
    request.once("socket", wait);
    request.on("error", failed);
    request.on("response", (response: IncomingMessage) => {
      wait();
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > options.maxResponseBytes)
          return finish(
            new PortalError("bad-response", `answer from ${url} is over ${options.maxResponseBytes} bytes`, {
              url,
              status: response.statusCode,
            }),
          );
        chunks.push(chunk);
        wait();
      });
      response.on("error", failed);
      response.on("close", () => {
        if (!response.complete)
          failed(
            Object.assign(new Error("connection closed before the end of the answer"), {
              code: "ECONNRESET",
            }),
          );
      });
      response.on("end", () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    request.end(body);
  });
}

function withSlash(url: URL): URL {
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  url.search = "";
  url.hash = "";
  return url;
}

function defaultFallback(portal: URL): URL {
  const url = new URL(portal.href);
  url.protocol = "http:";
  url.port = "";
  return url;
}

/** The default trusted CAs plus `extra`, or undefined (Node's defaults) when there is no extra CA. */
function trustedCas(extra: TransportOptions["ca"]): string[] | undefined {
  if (extra === undefined) return undefined;
  const list = (Array.isArray(extra) ? extra : [extra]) as (string | Buffer)[];
  const defaults =
    typeof getCACertificates === "function" ? getCACertificates("default") : [...rootCertificates];
  return [...defaults, ...list.map((c) => c.toString())];
}
