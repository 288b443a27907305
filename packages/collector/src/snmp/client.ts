import * as snmp from "net-snmp";
import type { Logger } from "../log.ts";
import { SnmpAuthError, SnmpBadAnswerError, SnmpNoAnswerError } from "./errors.ts";
import { compareOids, isUnder, normalizeOid } from "./oid.ts";
import type { DgramModule } from "./shared-socket.ts";
import type { SnmpCredentials, SnmpTarget } from "./target.ts";
import { type RawVarbind, type SnmpValue, toSnmpValue } from "./value.ts";

export interface WalkRow {
  oid: string;
  value: SnmpValue;
}

export interface SnmpClientOptions {
  log: Logger;
  /** OIDs per GET request; small enough that answers fit one unfragmented datagram. */
  getChunkSize?: number;
  /** GETBULK max-repetitions for walks. */
  maxRepetitions?: number;
  /** A walk stops after this many rows: a runaway table must not exhaust memory. */
  maxWalkRows?: number;
  /** Walks of exactly these roots return nothing without asking (a refresh skips what never changes). */
  skipWalks?: readonly string[];
  /** Where the session gets its socket (e.g. a shared one, see shared-socket.ts); default node:dgram. */
  dgramModule?: DgramModule;
}

/** Counts of what one client did, for logs and traffic figures. */
export interface SnmpClientStats {
  requests: number;
  timeouts: number;
  skippedValues: number;
}

const ErrorStatus = snmp.ErrorStatus;

/**
 * A tolerant SNMP client for one agent. It never throws on bad data: values that are Null,
 * exceptions or of unusable types are skipped (and logged); an agent that stops answering makes
 * every later call return nothing at once, so a half-read device yields what was read so far.
 * Only `probe` reports "no answer", because there it is the answer.
 */
export class SnmpClient {
  readonly target: SnmpTarget;
  readonly stats: SnmpClientStats = { requests: 0, timeouts: 0, skippedValues: 0 };
  #session: snmp.Session;
  #log: Logger;
  #chunk: number;
  #maxRepetitions: number;
  #maxWalkRows: number;
  #skipWalks: ReadonlySet<string>;
  #unresponsive = false;
  /** Set when the agent answered GETBULK with an error: walks continue with GETNEXT. */
  #bulkBroken = false;
  /** The USM report that refused our v3 credentials, if any. */
  #authFailure: string | undefined;

  constructor(target: SnmpTarget, options: SnmpClientOptions) {
    this.target = target;
    this.#log = options.log;
    this.#chunk = options.getChunkSize ?? 16;
    this.#maxRepetitions = options.maxRepetitions ?? 25;
    this.#maxWalkRows = options.maxWalkRows ?? 20_000;
    this.#skipWalks = new Set((options.skipWalks ?? []).map(normalizeOid));
    this.#session = createSession(target, options.dgramModule);
    // A malformed datagram is reported as an "error" event; unhandled, it would kill the process.
    this.#session.on("error", (err: Error) =>
      this.#log.debug(`${target.host}: ignored bad datagram: ${err.message}`),
    );
  }

  /** True once the agent stopped answering; later calls return nothing without waiting. */
  get unresponsive(): boolean {
    return this.#unresponsive;
  }

  close(): void {
    try {
      this.#session.close();
    } catch {
      // already closed
    }
  }

  /**
   * GETs the system probe OIDs. Resolves with what answered (possibly nothing but exceptions,
   * which still proves an agent is there) or rejects with SnmpNoAnswerError.
   */
  async probe(oids: string[]): Promise<Map<string, SnmpValue>> {
    const result = new Map<string, SnmpValue>();
    const skippedBefore = this.stats.skippedValues;
    const outcome = await this.#getChunk(oids, result);
    if (outcome === "timeout") throw new SnmpNoAnswerError(`no SNMP answer from ${this.target.host}`);
    if (this.#authFailure)
      throw new SnmpAuthError(`SNMPv3 credentials refused by ${this.target.host}: ${this.#authFailure}`);
    // Only undecodable values (e.g. a truncated datagram) is no answer to work with either.
    const garbled = result.size === 0 && this.stats.skippedValues > skippedBefore;
    if (outcome === "invalid" || garbled)
      throw new SnmpBadAnswerError(`unusable SNMP answer from ${this.target.host}`);
    return result;
  }

  /** GETs many OIDs; absent and unusable values are simply missing from the result. */
  async get(oids: readonly string[]): Promise<Map<string, SnmpValue>> {
    const result = new Map<string, SnmpValue>();
    const unique = [...new Set(oids.map(normalizeOid))];
    for (let i = 0; i < unique.length && !this.#unresponsive; i += this.#chunk) {
      await this.#getChunk(unique.slice(i, i + this.#chunk), result);
    }
    return result;
  }

  /** Walks the subtree below `root`: GETBULK on v2c/v3, GETNEXT on v1. */
  async walk(root: string): Promise<WalkRow[]> {
    const base = normalizeOid(root);
    const rows: WalkRow[] = [];
    if (this.#skipWalks.has(base)) return rows;
    let cursor = base;
    while (!this.#unresponsive && rows.length < this.#maxWalkRows) {
      const batch = await this.#next(cursor);
      if (batch === undefined || batch.length === 0) break;
      let done = false;
      for (const vb of batch) {
        const oid = normalizeOid(vb.oid);
        if (snmp.isVarbindError(vb as snmp.Varbind) || !isUnder(oid, base)) {
          done = true;
          break;
        }
        // An agent that answers an OID not after the one asked would loop us forever.
        if (compareOids(oid, cursor) <= 0) {
          this.#log.warn(`${this.target.host}: walk of ${base} went backwards at ${oid}; stopped`);
          done = true;
          break;
        }
        cursor = oid;
        const value = toSnmpValue(vb);
        if (value) rows.push({ oid, value });
        else this.#skip(oid, vb);
      }
      if (done) break;
    }
    if (rows.length >= this.#maxWalkRows) {
      this.#log.warn(`${this.target.host}: walk of ${base} stopped at ${this.#maxWalkRows} rows`);
    }
    return rows;
  }

  /** The first row below `root` (one GETNEXT), e.g. to learn which private subtree a device has. */
  async walkFirst(root: string): Promise<WalkRow[]> {
    const base = normalizeOid(root);
    if (this.#unresponsive) return [];
    const answer = await this.#request((cb) => this.#session.getNext([base], cb));
    const vb = answer.kind === "ok" ? answer.varbinds[0] : undefined;
    if (!vb || snmp.isVarbindError(vb as snmp.Varbind)) return [];
    const oid = normalizeOid(vb.oid);
    const value = toSnmpValue(vb);
    return isUnder(oid, base) && value ? [{ oid, value }] : [];
  }

  /**
   * The first row below each root, all in one GETNEXT (a cheap "is this table there?" for many
   * tables). Roots with nothing below them are missing from the result.
   */
  async firstRows(roots: readonly string[]): Promise<Map<string, WalkRow>> {
    const bases = roots.map(normalizeOid);
    const found = new Map<string, WalkRow>();
    if (this.#unresponsive || bases.length === 0) return found;
    const answer = await this.#request((cb) => this.#session.getNext(bases, cb));
    if (answer.kind === "failed") {
      // v1 fails the whole PDU when one root is at the end of the MIB: ask one by one.
      for (const base of bases) {
        const [row] = await this.walkFirst(base);
        if (row) found.set(base, row);
      }
      return found;
    }
    if (answer.kind !== "ok") return found;
    answer.varbinds.forEach((vb, i) => {
      const base = bases[i];
      if (base === undefined || snmp.isVarbindError(vb as snmp.Varbind)) return;
      const oid = normalizeOid(vb.oid);
      const value = toSnmpValue(vb);
      if (isUnder(oid, base) && value) found.set(base, { oid, value });
    });
    return found;
  }

  async #next(cursor: string): Promise<RawVarbind[] | undefined> {
    const bulk = this.target.credentials.version !== "1" && !this.#bulkBroken;
    const answer = await this.#request((cb) => {
      if (!bulk) this.#session.getNext([cursor], cb);
      else
        this.#session.getBulk([cursor], 0, this.#maxRepetitions, (err, varbinds) =>
          cb(err, (varbinds?.[0] as snmp.Varbind[] | undefined) ?? []),
        );
    });
    if (answer.kind === "ok") return answer.varbinds;
    if (answer.kind === "failed" && bulk) {
      // Some embedded agents implement GETBULK badly; GETNEXT is slower but they all have it.
      this.#log.debug(`${this.target.host}: GETBULK failed (${answer.message}); walking with GETNEXT`);
      this.#bulkBroken = true;
      return this.#next(cursor);
    }
    // v1 agents end a walk with noSuchName; anything else ends the walk too, with a note.
    if (
      answer.kind !== "timeout" &&
      !(answer.kind === "failed" && answer.status === ErrorStatus.NoSuchName)
    ) {
      this.#log.warn(`${this.target.host}: walk at ${cursor} ended: ${answer.message}`);
    }
    return undefined;
  }

  async #getChunk(oids: string[], into: Map<string, SnmpValue>): Promise<"ok" | "timeout" | "invalid"> {
    let pending = oids;
    // Bounded: each round removes at least one OID or splits the chunk.
    for (let round = 0; pending.length > 0 && round <= oids.length * 2; round++) {
      const request = pending;
      const answer = await this.#request((cb) => this.#session.get(request, cb));
      if (answer.kind === "timeout") return "timeout";
      if (answer.kind === "ok" && answer.varbinds.length < request.length) {
        // A GET answer must carry every varbind asked for; fewer means a truncated datagram.
        this.#log.warn(
          `${this.target.host}: GET answer with ${answer.varbinds.length} of ${request.length} varbinds`,
        );
        return "invalid";
      }
      if (answer.kind === "ok") {
        for (const vb of answer.varbinds) {
          const oid = normalizeOid(vb.oid);
          if (snmp.isVarbindError(vb as snmp.Varbind)) continue;
          const value = toSnmpValue(vb);
          if (value) into.set(oid, value);
          else this.#skip(oid, vb);
        }
        return "ok";
      }
      if (answer.kind === "invalid") {
        this.#log.warn(`${this.target.host}: unusable answer to GET: ${answer.message}`);
        return "invalid";
      }
      // An error status for the whole PDU: v1 agents say noSuchName for one missing OID.
      const failing = answer.failingOid;
      if (answer.status === ErrorStatus.NoSuchName && failing && request.includes(failing)) {
        pending = request.filter((o) => o !== failing);
      } else if (request.length > 1) {
        // tooBig, genErr, …: ask one by one so one bad OID cannot hide the others.
        let outcome: "ok" | "invalid" = "ok";
        for (const oid of request) {
          if (this.#unresponsive) break;
          const single = await this.#getChunk([oid], into);
          if (single === "timeout") return "timeout";
          if (single === "invalid") outcome = "invalid";
        }
        return outcome;
      } else {
        return "ok";
      }
    }
    return "ok";
  }

  #skip(oid: string, vb: RawVarbind): void {
    this.stats.skippedValues++;
    this.#log.debug(`${this.target.host}: skipped ${oid}: unusable value (type ${vb.type ?? "?"})`);
  }

  #request(send: (cb: (err: Error | null, varbinds?: RawVarbind[]) => void) => void): Promise<Answer> {
    this.stats.requests++;
    return new Promise<Answer>((resolve) => {
      try {
        send((err, varbinds) => resolve(this.#classify(err, varbinds)));
      } catch (err) {
        resolve({ kind: "invalid", message: (err as Error).message });
      }
    });
  }

  #classify(err: Error | null, varbinds: RawVarbind[] | undefined): Answer {
    if (!err) return { kind: "ok", varbinds: Array.isArray(varbinds) ? varbinds : [] };
    if (err.name === "RequestTimedOutError") {
      this.stats.timeouts++;
      this.#unresponsive = true;
      return { kind: "timeout" };
    }
    if (err instanceof snmp.RequestFailedError) {
      const status = (err as unknown as { status?: number }).status ?? ErrorStatus.GeneralError;
      const failingOid = /: ([\d.]+)$/.exec(err.message)?.[1];
      return {
        kind: "failed",
        status,
        message: err.message,
        failingOid: failingOid && normalizeOid(failingOid),
      };
    }
    if ((err as { code?: unknown }).code === snmp.ResponseInvalidCode.EAuthFailure) {
      this.#authFailure = err.message;
      this.#unresponsive = true;
    }
    return { kind: "invalid", message: err.message };
  }
}

type Answer =
  | { kind: "ok"; varbinds: RawVarbind[] }
  | { kind: "timeout" }
  | { kind: "failed"; status: number; message: string; failingOid: string | undefined }
  | { kind: "invalid"; message: string };

const authProtocols: Record<string, snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};

const privProtocols: Record<string, snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

function createSession(target: SnmpTarget, dgramModule: DgramModule | undefined): snmp.Session {
  const common = {
    ...(dgramModule && { dgramModule }),
    port: target.port,
    timeout: target.timeoutMs,
    retries: target.retries,
    // Devices answer in order; an agent that does not is handled by our own walk check.
    backwardsGetNexts: true,
    reportOidMismatchErrors: false,
  };
  const c: SnmpCredentials = target.credentials;
  if (c.version !== "3") {
    return snmp.createSession(target.host, c.community, {
      ...common,
      version: c.version === "1" ? snmp.Version1 : snmp.Version2c,
    });
  }
  const u = c.user;
  const level = u.privKey
    ? snmp.SecurityLevel.authPriv
    : u.authKey
      ? snmp.SecurityLevel.authNoPriv
      : snmp.SecurityLevel.noAuthNoPriv;
  const user: snmp.User = { name: u.name, level };
  if (u.authKey) {
    user.authProtocol = authProtocols[u.authProtocol ?? "sha"] ?? snmp.AuthProtocols.sha;
    user.authKey = u.authKey;
  }
  if (u.privKey) {
    user.privProtocol = privProtocols[u.privProtocol ?? "aes"] ?? snmp.PrivProtocols.aes;
    user.privKey = u.privKey;
  }
  return snmp.createV3Session(target.host, user, {
    ...common,
    version: snmp.Version3,
    ...(u.context && { context: u.context }),
  });
}
