/**
 * The collector's side of the portal protocol (docs/collector-protocol.md): enrol, check in,
 * upload scans. Every request is sealed, every answer opened and checked (direction, type, key,
 * message id echo, schema) before anything in it is used.
 *
 *   const client = new PortalClient({ portalUrl, ca, proxy, logger, onSettings });
 *   await client.enrol(token, { hostname, os, version });  // keeps the collector key in memory
 *   const settings = await client.checkin(health);
 *   const ack = await client.uploadScan(scanId, xml);      // resolves only on the ack naming scanId
 *   await client.close();
 *
 * On a 401 (the portal no longer knows our key) the client enrols again with the same token and
 * repeats the call once, so callers never handle re-enrolment themselves; concurrent callers share
 * one enrolment. On a 401 "stale" it corrects its clock from the portal's `serverTime` and repeats
 * once. Every other failure is a `PortalError` (errors.ts) whose `code` says what to do.
 */
import { randomUUID } from "node:crypto";
import {
  type AckResponse,
  ackResponseSchema,
  type CollectorCall,
  type CollectorHealth,
  collectorApiPath,
  collectorCalls,
  deriveEnrolmentKey,
  type EnrolRequest,
  EnvelopeError,
  type EnvelopeHeader,
  enrolledResponseSchema,
  openEnvelope,
  type PortalSettings,
  type ProtocolKey,
  portalErrorBodySchema,
  sealEnvelope,
  settingsResponseSchema,
} from "@device-portal/protocol";
import type { z } from "zod";
import { type Logger, silentLogger } from "../log.ts";
import { PortalError } from "./errors.ts";
import { Transport, type TransportOptions, type TransportResponse } from "./transport.ts";

export interface PortalClientOptions extends TransportOptions {
  /** Called with the settings of every answer that carries them (enrolled, settings, ack). */
  onSettings?: ((settings: PortalSettings) => void) | undefined;
  /** Refuse to send a sealed message over this size (the portal's limit). Default 8 MiB. */
  maxEnvelopeBytes?: number | undefined;
}

/** What `enrol` sends: the collector's machine and version. */
export type EnrolIdentity = EnrolRequest;

export interface Enrolment {
  collectorId: string;
  keyId: string;
  /** The collector key: 32 bytes, in memory only. */
  key: Buffer;
  settings: PortalSettings;
}

export type ScanAck = AckResponse;

interface SealingKey {
  key: Buffer;
  keyId: string;
  collectorId?: string | undefined;
}

const maxSkewHealMs = 366 * 86_400_000;

export class PortalClient {
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #onSettings: ((settings: PortalSettings) => void) | undefined;
  readonly #maxEnvelopeBytes: number;
  #enrolmentKey: ProtocolKey | undefined;
  #identity: EnrolIdentity | undefined;
  #enrolment: Enrolment | undefined;
  #enrolling: Promise<Enrolment> | undefined;
  #clockOffsetMs = 0;

  constructor(options: PortalClientOptions) {
    this.#transport = new Transport(options);
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#onSettings = options.onSettings;
    this.#maxEnvelopeBytes = options.maxEnvelopeBytes ?? 8 * 1024 * 1024;
  }

  /** The current collector id and key id, once enrolled. */
  get enrolment(): { collectorId: string; keyId: string } | undefined {
    return this.#enrolment && { collectorId: this.#enrolment.collectorId, keyId: this.#enrolment.keyId };
  }

  /** Correction applied to this machine's clock in `sentAt`, learnt from a 401 "stale". */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** True while requests go over the plain-HTTP fallback. */
  get usingHttpFallback(): boolean {
    return this.#transport.usingFallback;
  }

  /**
   * Enrols with the enrolment token: the portal answers with the collector id, a new collector
   * key (the previous one stops working) and the settings. The token's derived key is kept in
   * memory for re-enrolment. Rejects with PortalError (`bad-token`, `unauthorized` for an unknown
   * or revoked token, or a transport code).
   */
  async enrol(token: string, identity: EnrolIdentity): Promise<Enrolment> {
    let enrolmentKey: ProtocolKey;
    try {
      enrolmentKey = deriveEnrolmentKey(token);
    } catch (error) {
      throw new PortalError("bad-token", (error as Error).message, { cause: error });
    }
    if (this.#enrolling && this.#enrolmentKey?.keyId === enrolmentKey.keyId) return this.#enrolling;
    await this.#enrolling?.catch(() => {});
    this.#enrolmentKey = enrolmentKey;
    this.#identity = identity;
    return this.#startEnrolment();
  }

  /**
   * Enrols again with the token of the last `enrol`. With `staleKeyId`, does nothing when the
   * key has already changed since (someone else re-enrolled). Concurrent calls share one request.
   */
  async reenrol(staleKeyId?: string): Promise<Enrolment> {
    if (!this.#enrolmentKey)
      throw new PortalError("not-enrolled", "cannot enrol again: enrol() was never called");
    if (staleKeyId !== undefined && this.#enrolment && this.#enrolment.keyId !== staleKeyId)
      return this.#enrolment;
    return this.#startEnrolment();
  }

  /** Sends the collector's health; resolves the current settings. */
  async checkin(health: CollectorHealth): Promise<PortalSettings> {
    const answer = await this.#withKey((key) =>
      this.#exchange("checkin", key, randomUUID(), JSON.stringify({ health }), settingsResponseSchema),
    );
    this.#onSettings?.(answer.settings);
    return answer.settings;
  }

  /**
   * Uploads one scan file (the message id is the scan id, so retries and replays are stored once).
   * Resolves with the ack, which names this scan id (`stored: false`: the portal already had it).
   */
  async uploadScan(scanId: string, xml: string | Uint8Array): Promise<ScanAck> {
    const ack = await this.#withKey((key) => this.#exchange("scans", key, scanId, xml, ackResponseSchema));
    if (ack.scanId !== scanId)
      throw new PortalError("bad-response", `the portal acknowledged scan ${ack.scanId}, not ${scanId}`);
    if (ack.settings) this.#onSettings?.(ack.settings);
    return ack;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.#enrolling?.catch(() => {});
    await this.#transport.close();
  }

  #startEnrolment(): Promise<Enrolment> {
    if (!this.#enrolling)
      this.#enrolling = this.#enrolOnce().finally(() => {
        this.#enrolling = undefined;
      });
    return this.#enrolling;
  }

  async #enrolOnce(): Promise<Enrolment> {
    const enrolmentKey = this.#enrolmentKey;
    const identity = this.#identity;
    if (!enrolmentKey || !identity) throw new PortalError("not-enrolled", "enrol() was never called");
    const answer = await this.#exchange(
      "enrol",
      enrolmentKey,
      randomUUID(),
      JSON.stringify(identity),
      enrolledResponseSchema,
    ).catch((error: unknown) => {
      if (error instanceof PortalError && error.code === "unauthorized")
        throw error.rephrase(
          `enrolment refused by the portal (${error.reason ?? "401"}): is the token revoked or mistyped?`,
        );
      throw error;
    });
    const enrolment: Enrolment = {
      collectorId: answer.collectorId,
      keyId: answer.keyId,
      key: Buffer.from(answer.key, "base64"),
      settings: answer.settings,
    };
    this.#enrolment = enrolment;
    this.#logger.info(`enrolled as collector ${enrolment.collectorId} (key ${enrolment.keyId})`);
    this.#onSettings?.(enrolment.settings);
    return enrolment;
  }

  /** Runs a call with the collector key; on 401 enrols again (once) and repeats it. */
  async #withKey<T>(call: (key: SealingKey) => Promise<T>): Promise<T> {
    if (this.#enrolling) await this.#enrolling.catch(() => {});
    const current = this.#enrolment;
    if (!current) throw new PortalError("not-enrolled", "not enrolled with the portal yet");
    try {
      return await call(current);
    } catch (error) {
      if (!(error instanceof PortalError) || error.code !== "unauthorized" || !this.#enrolmentKey)
        throw error;
      this.#logger.warn(`portal refused key ${current.keyId} (${error.reason ?? "401"}); enrolling again`);
      const renewed = await this.reenrol(current.keyId);
      return call(renewed);
    }
  }

  /** Seal, send, check the status, open and check the answer. One retry after a clock correction. */
  async #exchange<S extends z.ZodType>(
    callName: CollectorCall,
    key: SealingKey,
    messageId: string,
    payload: string | Uint8Array,
    schema: S,
  ): Promise<z.infer<S>> {
    const call = collectorCalls[callName];
    for (let attempt = 0; ; attempt++) {
      let sealed: Buffer;
      try {
        sealed = sealEnvelope(
          key.key,
          {
            type: call.request,
            collectorId: key.collectorId,
            keyId: key.keyId,
            messageId,
            sentAt: new Date(this.#now() + this.#clockOffsetMs).toISOString(),
          },
          payload,
        );
      } catch (error) {
        // An id the header cannot carry (a scan id of 45+ characters, say): no retry can help.
        if (!(error instanceof EnvelopeError)) throw error;
        throw new PortalError("rejected", `cannot send ${call.request} ${messageId}: ${error.message}`, {
          cause: error,
        });
      }
      if (sealed.length > this.#maxEnvelopeBytes)
        throw new PortalError(
          "too-large",
          `${call.request} message is ${sealed.length} bytes sealed, the portal takes at most ${this.#maxEnvelopeBytes}`,
        );
      const response = await this.#transport.post(`${collectorApiPath}${call.path}`, sealed);
      if (response.status === 200) {
        const opened = await this.#open(response, key, messageId, call.response);
        return parsePayload(schema, opened.payload, response, call.response);
      }
      const failure = await this.#failure(response, key, messageId);
      if (
        failure.code === "unauthorized" &&
        failure.reason === "stale" &&
        attempt === 0 &&
        this.#correctClock(response)
      )
        continue;
      throw failure;
    }
  }

  async #open(response: TransportResponse, key: SealingKey, messageId: string, type: EnvelopeHeader["type"]) {
    let opened: { header: EnvelopeHeader; payload: Buffer };
    try {
      opened = await openEnvelope(
        (h) => (h.keyId === key.keyId && h.collectorId === key.collectorId ? key.key : undefined),
        response.body,
        // No clock check here: the echoed random message id already ties the answer to this
        // request, and a collector with a wrong clock must still be able to read the portal.
        { expectDir: "p2c", expectType: type, maxClockSkewMs: Number.POSITIVE_INFINITY },
      );
    } catch (error) {
      const why = error instanceof EnvelopeError ? `${error.code}: ${error.message}` : String(error);
      throw new PortalError("bad-response", `answer from ${response.url} refused (${why})`, {
        url: response.url,
        status: response.status,
        cause: error,
      });
    }
    if (opened.header.messageId !== messageId)
      throw new PortalError(
        "bad-response",
        `answer from ${response.url} is for message ${opened.header.messageId}, not ${messageId}`,
        { url: response.url, status: response.status },
      );
    return opened;
  }

  /** The PortalError for a non-200 answer. */
  async #failure(response: TransportResponse, key: SealingKey, messageId: string): Promise<PortalError> {
    const { status, url } = response;
    const via = response.proxy ? ` (through proxy ${response.proxy})` : "";
    if (status === 400) {
      // A sealed `error` when the portal could open our envelope; JSON when it could not.
      let reason: string | undefined;
      let detail: string | undefined;
      if (response.body.subarray(0, 4).toString("latin1") === "DPE1") {
        const opened = await this.#open(response, key, messageId, "error");
        const body = parsePayload(portalErrorBodySchema, opened.payload, response, "error");
        reason = body.error;
        detail = body.message;
      } else {
        const body = errorBody(response);
        reason = body?.error;
        detail = body?.message;
      }
      return new PortalError(
        "rejected",
        `portal refused the message (400 ${reason ?? ""}${detail ? `: ${detail}` : ""})`,
        {
          url,
          status,
          reason,
        },
      );
    }
    if (status === 401) {
      const body = errorBody(response);
      return new PortalError(
        "unauthorized",
        `portal refused the envelope (401 ${body?.error ?? ""}${body?.message ? `: ${body.message}` : ""})`,
        { url, status, reason: body?.error, keyId: key.keyId },
      );
    }
    if (status === 413)
      return new PortalError("too-large", `portal refused the message as too large (413)`, { url, status });
    if (status >= 500 && status <= 599) {
      const retryAfter = retryAfterMs(response.headers["retry-after"], this.#now());
      return new PortalError("server", `portal error ${status} at ${url}${via}`, {
        url,
        status,
        retryAfterMs: retryAfter,
      });
    }
    return new PortalError(
      "bad-response",
      `unexpected HTTP ${status} from ${url}${via}${status === 404 ? ": check the portal URL" : ""}`,
      { url, status },
    );
  }

  /** Takes the portal's clock from a 401 "stale" answer; false when it gave none. */
  #correctClock(response: TransportResponse): boolean {
    const serverTime = errorBody(response)?.serverTime;
    if (!serverTime) return false;
    const offset = Date.parse(serverTime) - this.#now();
    if (Math.abs(offset) > maxSkewHealMs) return false;
    this.#logger.warn(`this machine's clock is ${Math.round(offset / 1000)} s off the portal's; correcting`);
    this.#clockOffsetMs = offset;
    return true;
  }
}

function errorBody(response: TransportResponse) {
  try {
    const parsed = portalErrorBodySchema.safeParse(JSON.parse(response.body.toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function parsePayload<S extends z.ZodType>(
  schema: S,
  payload: Buffer,
  response: TransportResponse,
  type: string,
): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch (cause) {
    throw new PortalError("bad-response", `${type} answer from ${response.url} is not JSON`, {
      url: response.url,
      cause,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new PortalError(
      "bad-response",
      `${type} answer from ${response.url} is invalid: ${parsed.error.message}`,
      {
        url: response.url,
      },
    );
  return parsed.data;
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
