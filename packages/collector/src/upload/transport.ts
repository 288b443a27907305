import { getCACertificates, rootCertificates } from "node:tls";
import { Agent, type Dispatcher, ProxyAgent, request } from "undici";
import { type Logger, silentLogger } from "../log.ts";
import { classifyRequestError, PortalError, redactUrl } from "./errors.ts";
import { chooseProxy, type ProxyChoice } from "./proxy.ts";

/**
 * How the collector reaches the portal: outbound HTTPS POSTs of envelope bytes, with certificate
 * verification, proxies, timeouts, and the plain-HTTP fallback of docs/collector-protocol.md
 * ("Transport"). It knows nothing of envelopes: the portal client seals and opens them.
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
  dispatcher: Dispatcher;
  proxy: ProxyChoice | undefined;
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
  readonly #dispatchers: Dispatcher[] = [];
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
    this.#primary = this.#route(this.portalUrl, options, ca);
    if (this.portalUrl.protocol === "https:" && options.fallbackUrl !== null) {
      const fallback = options.fallbackUrl
        ? withSlash(new URL(options.fallbackUrl))
        : defaultFallback(this.portalUrl);
      if (fallback.protocol !== "http:")
        throw new TypeError(`fallback URL must be http://, got ${fallback.protocol}`);
      this.fallbackUrl = fallback;
      this.#fallback = this.#route(fallback, options, ca);
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

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all(this.#dispatchers.map((d) => d.destroy().catch(() => {})));
  }

  #route(base: URL, options: TransportOptions, ca: string[] | undefined): Route {
    const proxy = chooseProxy(base, { proxy: options.proxy, env: options.env });
    const tls = ca ? { ca } : {};
    const dispatcher = proxy
      ? new ProxyAgent({
          uri: proxy.url.href,
          connectTimeout: this.#connectTimeoutMs,
          requestTls: tls,
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        })
      : new Agent({
          connect: { ...tls, timeout: this.#connectTimeoutMs },
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        });
    this.#dispatchers.push(dispatcher);
    if (proxy)
      this.#logger.debug(
        `requests to ${base.origin} go through proxy ${redactUrl(proxy.url)} (${proxy.source})`,
      );
    return { base, dispatcher, proxy };
  }

  async #attempt(route: Route, path: string, body: Buffer): Promise<Attempt> {
    const url = new URL(path, route.base).href;
    const context = {
      url,
      proxy: route.proxy?.url,
      connectTimeoutMs: this.#connectTimeoutMs,
      timeoutMs: this.#timeoutMs,
    };
    try {
      const response = await request(url, {
        method: "POST",
        dispatcher: route.dispatcher,
        headers: {
          "content-type": contentType,
          accept: `${contentType}, application/json`,
          "user-agent": this.#userAgent,
        },
        body,
        // A last resort: undici's own connect/headers/body timers normally fire first.
        signal: AbortSignal.timeout(this.#connectTimeoutMs + 2 * this.#timeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.#maxResponseBytes) {
          response.body.destroy();
          throw new PortalError(
            "bad-response",
            `answer from ${url} is over ${this.#maxResponseBytes} bytes`,
            {
              url,
              status: response.statusCode,
            },
          );
        }
        chunks.push(chunk);
      }
      return {
        ok: true,
        response: {
          status: response.statusCode,
          headers: response.headers,
          body: Buffer.concat(chunks),
          url,
          secure: route.base.protocol === "https:",
          proxy: route.proxy ? redactUrl(route.proxy.url) : undefined,
        },
      };
    } catch (error) {
      return { ok: false, ...classifyRequestError(error, context) };
    }
  }
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
