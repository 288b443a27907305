/**
 * A small but real portal for tests: the portal's side of docs/collector-protocol.md over
 * node:https and/or node:http on 127.0.0.1 and a free port. It enrols collectors with tokens,
 * keeps their keys, answers check-ins with settings, stores scans by scan id (idempotently) and
 * acknowledges them, and can be told to fail.
 *
 *   const pki = createTestPki();                                  // fake-portal-pki.ts
 *   const portal = await startFakePortal({ tls: pki.server, http: true });
 *   const client = new PortalClient({ portalUrl: portal.httpsUrl, ca: pki.ca.cert, fallbackUrl: portal.httpUrl });
 *   await client.enrol(portal.token, { hostname: "h", os: "linux", version: "0.1.0" });
 *   portal.failNext("scans", { kind: "status", status: 500 }, 2);  // the next two uploads get 500
 *   await portal.until(() => portal.scans.size === 1);            // waits for a request that makes it true
 *   await portal.close();
 *
 * API:
 * - `startFakePortal(options)`: `tls` (key pair → HTTPS), `http` (plain HTTP too; default: only
 *   when there is no `tls`), `settings`, `maxClockSkewMs`, `clockOffsetMs`, `validateScan`.
 * - urls: `httpsUrl`, `httpUrl` (each undefined when not served), `url` (HTTPS if served).
 * - `token`: an enrolment token it accepts; `addToken()`, `revokeToken(token)`.
 * - state: `scans` (Map scanId → StoredScan), `checkins`, `enrolments`, `requests` (every request
 *   with its raw bytes both ways), `settings` / `setSettings()`.
 * - failures, consumed in order by the matching call (or "any"): `failNext(call, failure, times)`
 *   with failure `{ kind: "status", status, reason?, retryAfterSeconds? }` (unsealed JSON answer,
 *   e.g. 401, 500, 503, 413), `{ kind: "slow", delayMs }` (answers normally, late),
 *   `{ kind: "wrong-message-id" }`, `{ kind: "tamper" }` (one bit of the sealed answer flipped),
 *   `{ kind: "hang-up" }` (closes the connection without an answer).
 * - `forgetKeys()`: every collector key stops working (as after a key rotation): the next call
 *   gets a real 401 "unknown-key".
 * - `until(predicate, timeoutMs)`, `close()`.
 *
 * Status codes follow the protocol: 200 sealed answer; 400 (unsealed "bad-envelope", or a sealed
 * `error` "invalid-payload"); 401 unsealed `{ error, serverTime }`; 413; 5xx.
 */
import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import {
  ackResponseSchema,
  checkinRequestSchema,
  collectorApiPath,
  createCollectorKey,
  createEnrolmentToken,
  defaultMaxClockSkewMs,
  defaultMaxEnvelopeBytes,
  deriveEnrolmentKey,
  EnvelopeError,
  type EnvelopeHeader,
  enrolRequestSchema,
  envelopeContentType,
  type MessageType,
  openEnvelope,
  type PortalErrorReason,
  type PortalSettings,
  sealEnvelope,
} from "@device-portal/protocol";

export type FakePortalCall = "enrol" | "checkin" | "scans";

export type FakePortalFailure =
  | { kind: "status"; status: number; reason?: string; retryAfterSeconds?: number }
  | { kind: "slow"; delayMs: number }
  | { kind: "wrong-message-id" }
  | { kind: "tamper" }
  | { kind: "hang-up" };

export interface FakePortalOptions {
  /** Serve HTTPS with this key pair (see fake-portal-pki.ts). */
  tls?: { key: string; cert: string } | undefined;
  /** Serve plain HTTP too. Default: only when `tls` is absent. */
  http?: boolean | undefined;
  /** Default `{ version: 1 }`. */
  settings?: PortalSettings | undefined;
  /** Default 10 minutes. */
  maxClockSkewMs?: number | undefined;
  /** The portal's clock is `Date.now() + clockOffsetMs` (to test a collector with a wrong clock). */
  clockOffsetMs?: number | undefined;
  /** A message makes the upload a 400 "invalid-payload". Default: a `scanId="…"` in the XML must be the scan id. */
  validateScan?: ((xml: string, scanId: string) => string | undefined) | undefined;
}

export interface StoredScan {
  scanId: string;
  collectorId: string;
  xml: string;
  receivedAt: Date;
  /** How many times it arrived (retries and replays included); stored once. */
  deliveries: number;
}

export interface FakePortalRequest {
  call: FakePortalCall | undefined;
  path: string;
  secure: boolean;
  status: number;
  /** The request body exactly as received. */
  body: Buffer;
  /** The answer body exactly as sent (empty for hang-up). */
  response: Buffer;
  header: EnvelopeHeader | undefined;
}

interface TokenEntry {
  token: string;
  keyId: string;
  key: Buffer;
  collectorId: string;
  revoked: boolean;
}

interface CollectorKeyEntry {
  collectorId: string;
  key: Buffer;
}

const calls: Record<string, { call: FakePortalCall; type: MessageType; answer: MessageType }> = {
  enrol: { call: "enrol", type: "enrol", answer: "enrolled" },
  checkin: { call: "checkin", type: "checkin", answer: "settings" },
  scans: { call: "scans", type: "scan", answer: "ack" },
};

class Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType: string;
  readonly headers: Record<string, string>;
  constructor(status: number, body: Buffer, contentType: string, headers: Record<string, string> = {}) {
    this.status = status;
    this.body = body;
    this.contentType = contentType;
    this.headers = headers;
  }
}

export class FakePortal {
  readonly token: string;
  readonly scans = new Map<string, StoredScan>();
  readonly checkins: { collectorId: string; health: unknown; at: Date }[] = [];
  readonly enrolments: { collectorId: string; keyId: string; identity: unknown }[] = [];
  readonly requests: FakePortalRequest[] = [];
  httpsUrl: string | undefined;
  httpUrl: string | undefined;
  clockOffsetMs: number;
  readonly #servers: http.Server[] = [];
  readonly #tokens = new Map<string, TokenEntry>();
  readonly #keys = new Map<string, CollectorKeyEntry>();
  readonly #seen = new Map<string, number>();
  readonly #failures: { call: FakePortalCall | "any"; failure: FakePortalFailure }[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #maxClockSkewMs: number;
  readonly #validateScan: (xml: string, scanId: string) => string | undefined;
  #settings: PortalSettings;
  #settingsRevision = 1;
  readonly #deliveredRevision = new Map<string, number>();

  constructor(options: FakePortalOptions = {}) {
    this.#settings = options.settings ?? { version: 1 };
    this.#maxClockSkewMs = options.maxClockSkewMs ?? defaultMaxClockSkewMs;
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.#validateScan = options.validateScan ?? defaultValidateScan;
    this.token = this.addToken();
  }

  /** The HTTPS URL when served, else the HTTP one. */
  get url(): string {
    const url = this.httpsUrl ?? this.httpUrl;
    if (!url) throw new Error("fake portal not started");
    return url;
  }

  get settings(): PortalSettings {
    return this.#settings;
  }

  /** New settings: the next check-in returns them, and the next ack of each collector carries them. */
  setSettings(settings: PortalSettings): void {
    this.#settings = settings;
    this.#settingsRevision++;
  }

  /** Another accepted enrolment token. */
  addToken(): string {
    const token = createEnrolmentToken();
    const { keyId, key } = deriveEnrolmentKey(token);
    this.#tokens.set(keyId, { token, keyId, key, collectorId: randomUUID(), revoked: false });
    return token;
  }

  /** The token can no longer enrol, and its collector's keys stop working. */
  revokeToken(token: string): void {
    const entry = this.#tokens.get(deriveEnrolmentKey(token).keyId);
    if (!entry) return;
    entry.revoked = true;
    for (const [keyId, k] of this.#keys) if (k.collectorId === entry.collectorId) this.#keys.delete(keyId);
  }

  /** Every collector key stops working: the next call gets 401 "unknown-key". */
  forgetKeys(): void {
    this.#keys.clear();
  }

  failNext(call: FakePortalCall | "any", failure: FakePortalFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.#failures.push({ call, failure });
  }

  /** Resolves once `predicate` is true, checked now and after every request. */
  until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`fake portal: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  async listen(options: FakePortalOptions): Promise<void> {
    const serve = async (server: http.Server, secure: boolean) => {
      server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        this.#handle(req, res, secure).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "fake portal bug", message: String(error) }));
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      this.#servers.push(server);
      return (server.address() as AddressInfo).port;
    };
    if (options.tls) {
      const port = await serve(https.createServer({ key: options.tls.key, cert: options.tls.cert }), true);
      this.httpsUrl = `https://127.0.0.1:${port}/`;
    }
    if (options.http ?? !options.tls) {
      const port = await serve(http.createServer(), false);
      this.httpUrl = `http://127.0.0.1:${port}/`;
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  #now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  #takeFailure(call: FakePortalCall | undefined): FakePortalFailure | undefined {
    const index = this.#failures.findIndex((f) => f.call === "any" || f.call === call);
    if (index < 0) return undefined;
    return this.#failures.splice(index, 1)[0]?.failure;
  }

  async #handle(req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<void> {
    const path = new URL(req.url ?? "/", "http://portal").pathname;
    const route = path.startsWith(`/${collectorApiPath}`)
      ? calls[path.slice(collectorApiPath.length + 1)]
      : undefined;
    const record: FakePortalRequest = {
      call: route?.call,
      path,
      secure,
      status: 0,
      body: Buffer.alloc(0),
      response: Buffer.alloc(0),
      header: undefined,
    };
    const body = await readBody(req, defaultMaxEnvelopeBytes);
    let answer: Answer | "hang-up";
    if (body === "too-large") answer = json(413, { error: "too-large" });
    else {
      record.body = body;
      answer = await this.#answer(req, route, body, record);
    }
    if (answer === "hang-up") {
      req.socket.destroy();
    } else {
      record.status = answer.status;
      record.response = answer.body;
      res.writeHead(answer.status, {
        "content-type": answer.contentType,
        "content-length": answer.body.length,
        ...answer.headers,
      });
      res.end(answer.body);
      if (body === "too-large") req.socket.destroy();
    }
    this.requests.push(record);
    for (const waiter of [...this.#waiters]) waiter();
  }

  async #answer(
    req: IncomingMessage,
    route: (typeof calls)[string] | undefined,
    body: Buffer,
    record: FakePortalRequest,
  ): Promise<Answer | "hang-up"> {
    if (req.method !== "POST") return json(405, { error: "method not allowed" });
    if (!route) return json(404, { error: "not found" });

    const failure = this.#takeFailure(route.call);
    if (failure?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
    if (failure?.kind === "hang-up") return "hang-up";
    if (failure?.kind === "status")
      return json(
        failure.status,
        { error: failure.reason ?? (failure.status === 401 ? "unknown-key" : "injected failure") },
        failure.retryAfterSeconds === undefined ? {} : { "retry-after": String(failure.retryAfterSeconds) },
      );

    let opened: { header: EnvelopeHeader; payload: Buffer };
    let sealingKey: Buffer | undefined;
    try {
      opened = await openEnvelope(
        (h) => {
          if (route.call === "enrol") {
            const entry = this.#tokens.get(h.keyId);
            sealingKey = entry && !entry.revoked ? entry.key : undefined;
          } else {
            const entry = this.#keys.get(h.keyId);
            sealingKey = entry && entry.collectorId === h.collectorId ? entry.key : undefined;
          }
          return sealingKey;
        },
        body,
        { expectDir: "c2p", expectType: route.type, now: this.#now(), maxClockSkewMs: this.#maxClockSkewMs },
      );
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      record.header = error.header;
      return this.#refusal(error, route.call);
    }
    record.header = opened.header;
    const { header, payload } = opened;
    const key = sealingKey as Buffer;

    if (route.call !== "scans") {
      const seenKey = `${header.keyId}/${header.messageId}`;
      this.#forgetOldMessageIds();
      if (this.#seen.has(seenKey)) return json(401, { error: "replayed" satisfies PortalErrorReason });
      this.#seen.set(seenKey, this.#now() + 2 * this.#maxClockSkewMs);
    }

    const invalid = (message: string) =>
      new Answer(
        400,
        sealEnvelope(
          key,
          {
            type: "error",
            collectorId: header.collectorId,
            keyId: header.keyId,
            messageId: header.messageId,
          },
          JSON.stringify({ error: "invalid-payload" satisfies PortalErrorReason, message }),
        ),
        envelopeContentType,
      );
    const parsedJson = () => {
      try {
        return JSON.parse(payload.toString("utf8")) as unknown;
      } catch {
        return undefined;
      }
    };

    let answerPayload: unknown;
    let collectorId = header.collectorId;
    if (route.call === "enrol") {
      const identity = enrolRequestSchema.safeParse(parsedJson());
      if (!identity.success) return invalid(identity.error.message);
      const entry = this.#tokens.get(header.keyId) as TokenEntry;
      for (const [keyId, k] of this.#keys) if (k.collectorId === entry.collectorId) this.#keys.delete(keyId);
      const collectorKey = createCollectorKey();
      this.#keys.set(collectorKey.keyId, { collectorId: entry.collectorId, key: collectorKey.key });
      this.enrolments.push({
        collectorId: entry.collectorId,
        keyId: collectorKey.keyId,
        identity: identity.data,
      });
      this.#deliveredRevision.set(entry.collectorId, this.#settingsRevision);
      collectorId = undefined;
      answerPayload = {
        collectorId: entry.collectorId,
        keyId: collectorKey.keyId,
        key: collectorKey.key.toString("base64"),
        settings: this.#settings,
      };
    } else if (route.call === "checkin") {
      const checkin = checkinRequestSchema.safeParse(parsedJson());
      if (!checkin.success) return invalid(checkin.error.message);
      this.checkins.push({
        collectorId: header.collectorId ?? "",
        health: checkin.data.health,
        at: new Date(),
      });
      this.#deliveredRevision.set(header.collectorId ?? "", this.#settingsRevision);
      answerPayload = { settings: this.#settings };
    } else {
      const scanId = header.messageId;
      const xml = payload.toString("utf8");
      const problem = this.#validateScan(xml, scanId);
      if (problem) return invalid(problem);
      const existing = this.scans.get(scanId);
      if (existing) existing.deliveries++;
      else
        this.scans.set(scanId, {
          scanId,
          collectorId: header.collectorId ?? "",
          xml,
          receivedAt: new Date(),
          deliveries: 1,
        });
      const ack: Record<string, unknown> = { scanId, stored: !existing };
      if ((this.#deliveredRevision.get(header.collectorId ?? "") ?? 0) < this.#settingsRevision) {
        ack.settings = this.#settings;
        this.#deliveredRevision.set(header.collectorId ?? "", this.#settingsRevision);
      }
      answerPayload = ackResponseSchema.parse(ack);
    }

    const sealed = sealEnvelope(
      key,
      {
        type: route.answer,
        collectorId,
        keyId: header.keyId,
        messageId:
          failure?.kind === "wrong-message-id" ? `wrong-${header.messageId.slice(0, 20)}` : header.messageId,
        sentAt: new Date(this.#now()).toISOString(),
      },
      JSON.stringify(answerPayload),
    );
    if (failure?.kind === "tamper") {
      const at = sealed.length - 20; // in the ciphertext, before the tag
      sealed[at] = (sealed[at] ?? 0) ^ 0x04;
    }
    return new Answer(200, sealed, envelopeContentType);
  }

  #refusal(error: EnvelopeError, call: FakePortalCall): Answer {
    const reason = (r: PortalErrorReason) => r;
    switch (error.code) {
      case "too-large":
      case "bomb":
        return json(413, { error: reason("too-large"), message: error.message });
      case "unknown-key":
        return json(401, {
          error: reason(call === "enrol" ? "unknown-token" : "unknown-key"),
          message: error.message,
        });
      case "tampered":
        return json(401, { error: reason("tampered"), message: error.message });
      case "stale":
        return json(401, {
          error: reason("stale"),
          message: error.message,
          serverTime: new Date(this.#now()).toISOString(),
        });
      default:
        return json(400, { error: reason("bad-envelope"), message: `${error.code}: ${error.message}` });
    }
  }

  #forgetOldMessageIds(): void {
    const now = this.#now();
    for (const [id, expires] of this.#seen) if (expires < now) this.#seen.delete(id);
  }
}

/** Starts a fake portal on 127.0.0.1 (free ports). */
export async function startFakePortal(options: FakePortalOptions = {}): Promise<FakePortal> {
  const portal = new FakePortal(options);
  await portal.listen(options);
  return portal;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return new Answer(status, Buffer.from(JSON.stringify(body)), "application/json", headers);
}

function defaultValidateScan(xml: string, scanId: string): string | undefined {
  const named = /\bscanId="([^"]*)"/.exec(xml)?.[1];
  return named !== undefined && named !== scanId
    ? `scanId ${named} in the file, ${scanId} in the envelope`
    : undefined;
}

/** The request body, or "too-large" (and the rest is not read) past `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return "too-large";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
