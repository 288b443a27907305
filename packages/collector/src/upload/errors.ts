/**
 * Errors of the portal client: one class with a `code`, and the classification of what the
 * transport's connection steps (connection.ts: TCP, proxy CONNECT, TLS, the exchange) and
 * node:net / node:tls throw into those codes, with a message an administrator can act on.
 */
import { RequestFailure, type RequestPhase } from "./connection.ts";

export const portalErrorCodes = [
  /** No TCP connection to the portal (refused, reset, no route, DNS). Retry later. */
  "unreachable",
  /** Connecting (TCP + TLS) or waiting for the answer took too long. Retry later. */
  "timeout",
  /** The portal's certificate failed verification (`tlsCause` says why) or the handshake failed. */
  "tls",
  /** The proxy wants credentials, or refused the ones given (HTTP 407). */
  "proxy-auth",
  /** The proxy refused the tunnel (403…), could not reach the portal (5xx), or is itself unreachable. */
  "proxy",
  /** HTTP 401: the portal cannot open our envelope (old key, unknown collector): enrol again. */
  "unauthorized",
  /** HTTP 413, or the sealed message is over the envelope limit before sending: never retry it. */
  "too-large",
  /** HTTP 400: the portal refused the payload (schema), or it cannot be sealed (bad id): never retry it. */
  "rejected",
  /** HTTP 5xx from the portal. Retry later (`retryAfterMs` when it said). */
  "server",
  /** The answer is not what the protocol allows: not an envelope, tampered, wrong id, wrong type… */
  "bad-response",
  /** A call that needs a collector key before `enrol` succeeded. */
  "not-enrolled",
  /** The enrolment token is not 32 bytes of base64url. */
  "bad-token",
] as const;
export type PortalErrorCode = (typeof portalErrorCodes)[number];

/** Why a certificate was refused (or "handshake" when TLS failed before any certificate check). */
export type TlsCause =
  | "self-signed"
  | "expired"
  | "not-yet-valid"
  | "hostname-mismatch"
  | "untrusted"
  | "handshake";

export interface PortalErrorDetails {
  /** The URL that was called (credentials never appear in it). */
  url?: string | undefined;
  /** HTTP status, from the portal or (for proxy codes) from the proxy. */
  status?: number | undefined;
  tlsCause?: TlsCause | undefined;
  /** The portal's reason (`error` of its JSON body), e.g. "unknown-key", "stale". */
  reason?: string | undefined;
  /** The collector key id the portal refused (401), so a re-enrolment is not repeated by every caller. */
  keyId?: string | undefined;
  /** From a `Retry-After` header of a 5xx. */
  retryAfterMs?: number | undefined;
  /** When the plain-HTTP fallback was tried and failed too: its error (this one is the HTTPS one). */
  fallbackError?: PortalError | undefined;
  cause?: unknown;
}

export class PortalError extends Error {
  override name = "PortalError";
  readonly code: PortalErrorCode;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly tlsCause: TlsCause | undefined;
  readonly reason: string | undefined;
  readonly keyId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly fallbackError: PortalError | undefined;

  constructor(code: PortalErrorCode, message: string, details: PortalErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.url = details.url;
    this.status = details.status;
    this.tlsCause = details.tlsCause;
    this.reason = details.reason;
    this.keyId = details.keyId;
    this.retryAfterMs = details.retryAfterMs;
    this.fallbackError = details.fallbackError;
  }

  /** The same error with another message (and optionally more details). */
  rephrase(message: string, extra: PortalErrorDetails = {}): PortalError {
    return new PortalError(this.code, message, {
      url: this.url,
      status: this.status,
      tlsCause: this.tlsCause,
      reason: this.reason,
      keyId: this.keyId,
      retryAfterMs: this.retryAfterMs,
      fallbackError: this.fallbackError,
      cause: this.cause,
      ...extra,
    });
  }

  /** False for what retrying the same message cannot fix: too-large, rejected, not-enrolled, bad-token. */
  get retryable(): boolean {
    return !["too-large", "rejected", "not-enrolled", "bad-token"].includes(this.code);
  }
}

/** A URL without its user name and password, for messages and logs. */
export function redactUrl(url: string | URL): string {
  const u = new URL(String(url));
  if (u.username || u.password) {
    u.username = u.username ? "***" : "";
    u.password = u.password ? "***" : "";
  }
  return u.href;
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  errors?: unknown;
  address?: unknown;
  port?: unknown;
}

/** The error and everything it wraps (cause chains, AggregateError members), outermost first. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== "object" || depth > 6 || out.includes(e as ErrorLike)) return;
    const el = e as ErrorLike;
    out.push(el);
    visit(el.cause, depth + 1);
    if (Array.isArray(el.errors)) for (const member of el.errors) visit(member, depth + 1);
  };
  visit(error, 0);
  return out;
}

const certificateCauses: Record<string, TlsCause> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "not-yet-valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname-mismatch",
  HOSTNAME_MISMATCH: "hostname-mismatch",
};
/** OpenSSL verification codes (X509_V_ERR_* without the prefix) that mean "not trusted". */
const untrustedCodes = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "PATH_LENGTH_EXCEEDED",
  "CERT_CHAIN_TOO_LONG",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
]);
const tlsCauseText: Record<TlsCause, string> = {
  "self-signed": "self-signed certificate",
  expired: "certificate expired",
  "not-yet-valid": "certificate not yet valid (check this machine's clock)",
  "hostname-mismatch": "certificate is for another host name",
  untrusted: "certificate not signed by a trusted CA",
  handshake: "TLS handshake failed",
};

/** The certificate problem in an error chain, if any (a verification failure, not a handshake error). */
export function certificateCause(error: unknown): { cause: TlsCause; code: string } | undefined {
  for (const e of chain(error)) {
    if (typeof e.code !== "string") continue;
    const known = certificateCauses[e.code];
    if (known) return { cause: known, code: e.code };
    if (untrustedCodes.has(e.code)) return { cause: "untrusted", code: e.code };
  }
  return undefined;
}

const unreachableText: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (DNS)",
  ETIMEDOUT: "connection timed out",
  ECONNABORTED: "connection aborted",
};

export interface ClassifyContext {
  /** The URL called. */
  url: string;
  /** The proxy used for this URL, if any. */
  proxy?: URL | undefined;
  connectTimeoutMs: number;
  timeoutMs: number;
}

export interface ClassifiedError {
  error: PortalError;
  /** HTTPS could not connect in a way the plain-HTTP fallback may get around. */
  connectFailure: boolean;
  /** The certificate failed verification. */
  certificate: boolean;
}

/** Plain-HTTP fallback candidates among the network codes: what blocks one port, not the host. */
const portBlockedCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ETIMEDOUT"]);

/** What was being done when a connection step timed out, for the message. */
const timeoutStep: Record<Exclude<RequestPhase, "request">, (proxy: string) => string> = {
  "proxy-connect": (proxy) => `no TCP connection to proxy ${proxy}`,
  "proxy-tls": (proxy) => `TLS handshake with proxy ${proxy}`,
  tunnel: (proxy) => `proxy ${proxy} did not answer CONNECT`,
  connect: () => "TCP connection",
  tls: (proxy) => (proxy ? `TLS handshake through proxy ${proxy}` : "TLS handshake"),
};

/**
 * What a failed request means, as a PortalError, plus whether HTTPS "could not connect" in a way
 * the plain-HTTP fallback may get around (docs/collector-protocol.md, "Transport"). The phase of
 * a RequestFailure (connection.ts) decides: only failures before the portal connection was made
 * (TCP refused or reset, connect or handshake timeout, a handshake that failed before any
 * certificate check, a proxy refusing CONNECT) may fall back; a certificate failure is flagged
 * separately; anything once connected (a slow answer, a hang-up) never falls back.
 */
export function classifyRequestError(error: unknown, context: ClassifyContext): ClassifiedError {
  if (error instanceof PortalError) return { error, connectFailure: false, certificate: false };
  const { url, proxy } = context;
  const origin = new URL(url).origin;
  const links = chain(error);
  const codes = links.map((e) => e.code).filter((c): c is string => typeof c === "string");
  const proxyName = proxy ? redactUrl(proxy) : "";
  const failure = error instanceof RequestFailure ? error : undefined;
  const phase: RequestPhase | undefined = failure?.phase;
  const result = (
    code: PortalErrorCode,
    message: string,
    more: { status?: number; tlsCause?: TlsCause; connectFailure?: boolean; certificate?: boolean } = {},
  ): ClassifiedError => ({
    error: new PortalError(code, message, {
      url,
      status: more.status,
      tlsCause: more.tlsCause,
      cause: failure?.cause ?? error,
    }),
    connectFailure: more.connectFailure ?? false,
    certificate: more.certificate ?? false,
  });

  if (failure?.aborted)
    return result("unreachable", `request to ${url} abandoned: the connection was closed`);

  if (failure?.timedOut) {
    if (phase === "request") return result("timeout", `no answer from ${url} within ${context.timeoutMs} ms`);
    const step = timeoutStep[phase as Exclude<RequestPhase, "request">](proxyName);
    return result(
      "timeout",
      `timed out connecting to ${origin} after ${context.connectTimeoutMs} ms (${step})`,
      {
        connectFailure: true,
      },
    );
  }

  // The proxy answered CONNECT with something else than 2xx.
  if (failure?.proxyStatus !== undefined) {
    const status = failure.proxyStatus;
    if (status === 407)
      return result(
        "proxy-auth",
        `proxy authentication required/failed (HTTP 407 from proxy ${proxyName}): check the proxy user and password`,
        { status },
      );
    const what = status >= 500 ? "could not reach the portal" : "refused the connection to the portal";
    return result("proxy", `proxy ${what} (HTTP ${status} from proxy ${proxyName}) for ${url}`, {
      status,
      connectFailure: true,
    });
  }

  const netCode = codes.find((c) => c in unreachableText);
  const netText = netCode ? `${unreachableText[netCode]} (${netCode})` : undefined;
  if (phase === "proxy-connect")
    return result("proxy", `proxy ${proxyName} unreachable: ${netText ?? messageOf(failure?.cause)}`);
  if (phase === "proxy-tls") {
    const certificate = certificateCause(error);
    const why = certificate
      ? `${tlsCauseText[certificate.cause]} (${certificate.code})`
      : messageOf(failure?.cause);
    return result("proxy", `TLS with proxy ${proxyName} failed: ${why}`);
  }
  if (phase === "tunnel")
    // Closed or reset instead of an answer, or not HTTP: a proxy that will not tunnel to the portal.
    return result(
      "proxy",
      `proxy ${proxyName} did not open a tunnel to ${origin}: ${netText ?? messageOf(failure?.cause ?? failure)}`,
      { connectFailure: true },
    );

  if (phase === undefined || phase === "tls") {
    const certificate = certificateCause(error);
    if (certificate)
      return result(
        "tls",
        `TLS certificate of ${origin} refused: ${tlsCauseText[certificate.cause]} (${certificate.code}); ` +
          "configure the portal's CA or fix the certificate",
        { tlsCause: certificate.cause, certificate: true },
      );
    const handshake = codes.find((c) => c.startsWith("ERR_SSL_") || c === "EPROTO");
    if (handshake || (phase === "tls" && !netCode))
      return result(
        "tls",
        `TLS handshake with ${origin} failed (${handshake ?? messageOf(failure?.cause)}): is this an HTTPS port?`,
        { tlsCause: "handshake", connectFailure: true },
      );
  }

  if (phase === "request")
    // Connected, then the connection broke: the portal is reachable, so this is no case for HTTP.
    return result(
      "unreachable",
      `connection to ${origin} lost before the answer to ${url}: ${netText ?? messageOf(failure?.cause)}`,
    );

  if (netCode)
    // DNS failures and "no route at all" hit plain HTTP to the same host just the same;
    // a refused, reset or dropped HTTPS port may be a firewall that lets port 80 through.
    return result("unreachable", `portal unreachable at ${url}: ${netText}`, {
      connectFailure: portBlockedCodes.has(netCode),
    });

  return result("unreachable", `request to ${url} failed: ${messageOf(failure?.cause ?? error)}`);
}

function messageOf(error: unknown): string {
  if (error && typeof error === "object") {
    const { message, code } = error as ErrorLike;
    const text = typeof message === "string" ? message : String(error);
    return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}
