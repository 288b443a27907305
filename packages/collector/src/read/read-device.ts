import { lookup } from "node:dns/promises";
import type { DeviceRecord, Supply } from "@device-portal/protocol";
import type { Logger } from "../log.ts";
import { loadProfiles } from "../profiles/catalog.ts";
import { ProfileEvaluator, requiredOids } from "../profiles/evaluate.ts";
import { matchProfile } from "../profiles/match.ts";
import type { ResolvedProfile } from "../profiles/resolved.ts";
import { identityFields } from "../profiles/schema.ts";
import { SnmpClient, type SnmpClientOptions } from "../snmp/client.ts";
import { SnmpBadAnswerError, SnmpNoAnswerError } from "../snmp/errors.ts";
import type { SnmpCredentials, SnmpTimeouts, SnmpV3User, SnmpVersion } from "../snmp/target.ts";
import * as mib from "./mib-oids.ts";
import { readStandard, readSystem, type StandardReading } from "./standard.ts";
import { stateFromPercent } from "./supplies.ts";

export interface ReadOptions extends SnmpTimeouts {
  host: string;
  port?: number;
  /** Communities to try in order (v1/v2c). */
  communities?: string[];
  /** A fixed version, or "auto": v2c first, then v1, for each community. */
  version?: SnmpVersion | "auto";
  v3User?: SnmpV3User;
  log: Logger;
  /** Loaded once by long-running callers; loaded from the default folder otherwise. */
  profiles?: ResolvedProfile[];
  now?: () => Date;
  /** Exactly these credentials, in this order (replaces communities / version / v3User). */
  credentialList?: SnmpCredentials[];
  /** Socket source and request sizes for the SNMP client (a scan shares sockets and counts bytes). */
  client?: Pick<SnmpClientOptions, "dgramModule" | "maxRepetitions" | "getChunkSize">;
  /**
   * "refresh" reads what changes between two reads of a known device (counters, supplies, status,
   * alerts) plus the serial number, which tells when another device took its address; it skips the
   * MAC address, the printer name and the other identity fields. Default "full".
   */
  scope?: "full" | "refresh";
}

/** What a refresh does not read again: the MAC address (two walks) and the printer name. */
const refreshSkippedWalks = [mib.ifPhysAddress, mib.ifType, mib.prtGeneralPrinterName];

export type ReadResult =
  | { kind: "printer"; record: DeviceRecord; credentials: SnmpCredentials; profile: string | undefined }
  | { kind: "not-printer"; ip: string; sysDescr: string | undefined; sysObjectId: string | undefined };

/** The credentials to try, in order. */
export function credentialCandidates(
  options: Pick<ReadOptions, "communities" | "version" | "v3User" | "credentialList">,
): SnmpCredentials[] {
  if (options.credentialList) return options.credentialList;
  const version = options.version ?? "auto";
  if (version === "3") {
    if (!options.v3User) throw new Error("SNMPv3 needs a user (--v3-user)");
    return [{ version: "3", user: options.v3User }];
  }
  const communities = options.communities?.length ? options.communities : ["public"];
  const versions: Array<"1" | "2c"> = version === "auto" ? ["2c", "1"] : [version];
  return communities.flatMap((community) => versions.map((v) => ({ version: v, community })));
}

/**
 * Reads one device: finds credentials that work, reads the standard MIBs, applies the matching
 * vendor profile. Throws SnmpNoAnswerError when no credentials get an answer.
 */
export async function readDevice(options: ReadOptions): Promise<ReadResult> {
  const { log } = options;
  const ip = await resolveAddress(options.host);
  const profiles = options.profiles ?? loadProfiles();
  let badAnswer: SnmpBadAnswerError | undefined;
  for (const credentials of credentialCandidates(options)) {
    const client = new SnmpClient(
      {
        host: ip,
        port: options.port ?? 161,
        credentials,
        timeoutMs: options.timeoutMs,
        retries: options.retries,
      },
      {
        ...options.client,
        ...(options.scope === "refresh" && { skipWalks: refreshSkippedWalks }),
        log,
      },
    );
    try {
      let system: Awaited<ReturnType<typeof readSystem>>;
      try {
        system = await readSystem(client);
      } catch (err) {
        if (err instanceof SnmpNoAnswerError) continue;
        // Garbage may be a wrong-version reply; other credentials may still get a clean answer.
        if (err instanceof SnmpBadAnswerError) {
          badAnswer = err;
          continue;
        }
        throw err;
      }
      const now = options.now?.() ?? new Date();
      const standard = await readStandard(client, system, log, now);
      const result = await applyProfile(client, ip, standard, profiles, log, options.scope ?? "full");
      if (client.unresponsive) log.warn(`${ip}: stopped answering during the read; the record is partial`);
      if (result.kind === "printer") return { ...result, credentials };
      return result;
    } finally {
      client.close();
    }
  }
  throw badAnswer ?? new SnmpNoAnswerError(`no SNMP answer from ${options.host}`);
}

async function applyProfile(
  client: SnmpClient,
  ip: string,
  standard: StandardReading,
  profiles: ResolvedProfile[],
  log: Logger,
  scope: "full" | "refresh",
): Promise<
  | { kind: "printer"; record: DeviceRecord; profile: string | undefined }
  | { kind: "not-printer"; ip: string; sysDescr: string | undefined; sysObjectId: string | undefined }
> {
  const matched = matchProfile(profiles, {
    sysObjectId: standard.sysObjectId,
    sysDescr: standard.sysDescr,
    enterpriseOid: standard.enterpriseOid,
  });
  if (!standard.printerMib && !matched?.printer) {
    return { kind: "not-printer", ip, sysDescr: standard.sysDescr, sysObjectId: standard.sysObjectId };
  }
  const found = matched ?? profiles.find((p) => p.name === "_printer-mib");
  const profile = found && scope === "refresh" ? serialOnly(found) : found;
  const record = emptyRecord(ip, standard);
  if (profile) {
    const needed = requiredOids(profile);
    const oids = await client.get(needed.get);
    const walks = new Map(
      await Promise.all(needed.walk.map(async (root) => [root, await client.walk(root)] as const)),
    );
    const evaluator = new ProfileEvaluator(profile, { standard: standard.values, oids, walks }, log);
    if (profile.vendor) record.vendor = profile.vendor;
    for (const field of identityFields) {
      const value = evaluator.text(profile.identity[field]);
      if (value !== undefined) record[field] = value;
    }
    record.counters = evaluator.counters();
    if (profile.counterUnit) record.counterUnit = profile.counterUnit;
    if (record.supplies.length === 0) record.supplies = vendorSupplies(profile, evaluator);
  }
  return { kind: "printer", record: orderRecord(record), profile: matched?.name };
}

/** The profile without the identity a refresh does not read again (its OIDs are not fetched). */
function serialOnly(profile: ResolvedProfile): ResolvedProfile {
  const identity = { model: [], serial: profile.identity.serial, firmware: [], name: [], location: [] };
  return { ...profile, identity };
}

function emptyRecord(ip: string, standard: StandardReading): DeviceRecord {
  const record: DeviceRecord = {
    ip,
    counters: {},
    supplies: standard.supplies,
    status: standard.status,
    alerts: standard.alerts,
  };
  if (standard.mac) record.mac = standard.mac;
  if (standard.sysObjectId) record.sysObjectId = standard.sysObjectId;
  if (standard.sysDescr) record.sysDescr = standard.sysDescr;
  if (standard.uptimeTicks !== undefined) record.uptimeSeconds = Math.floor(standard.uptimeTicks / 100);
  if (standard.counterUnit) record.counterUnit = standard.counterUnit;
  return record;
}

function vendorSupplies(profile: ResolvedProfile, evaluator: ProfileEvaluator): Supply[] {
  const supplies: Supply[] = [];
  for (const spec of profile.supplies) {
    if (spec.when && !evaluator.holds(spec.when)) continue;
    if (spec.unless && evaluator.holds(spec.unless)) continue;
    const level = evaluator.number(spec.levelPercent);
    if (level === undefined || level < 0 || level > 100) continue;
    const levelPercent = Math.round(level);
    const supply: Supply = { type: spec.type, levelPercent, state: stateFromPercent(levelPercent) };
    if (spec.color) supply.color = spec.color;
    if (spec.description) supply.description = spec.description;
    supplies.push(supply);
  }
  return supplies;
}

/** The documented field order, so the JSON reads the same for every device. */
function orderRecord(r: DeviceRecord): DeviceRecord {
  const order: Array<keyof DeviceRecord> = [
    "ip",
    "vendor",
    "model",
    "serial",
    "mac",
    "name",
    "location",
    "firmware",
    "sysObjectId",
    "sysDescr",
    "uptimeSeconds",
    "counters",
    "counterUnit",
    "supplies",
    "status",
    "alerts",
  ];
  const out: Record<string, unknown> = {};
  for (const key of order) if (r[key] !== undefined) out[key] = r[key];
  return out as DeviceRecord;
}

async function resolveAddress(host: string): Promise<string> {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new Error(`cannot resolve host "${host}"`);
  }
}
