/**
 * Discovery's SNMP steps for one address, before any full read: the system probe with each
 * credential in turn (the first that answers wins), then a cheap "is it a printer?" check, so that
 * switches, servers and UPSes are not read in full.
 */
import type { Logger } from "../log.ts";
import { matchProfile } from "../profiles/match.ts";
import type { ResolvedProfile } from "../profiles/resolved.ts";
import * as mib from "../read/mib-oids.ts";
import { readSystem } from "../read/standard.ts";
import { SnmpClient } from "../snmp/client.ts";
import { SnmpAuthError, SnmpBadAnswerError, SnmpNoAnswerError } from "../snmp/errors.ts";
import type { DgramModule } from "../snmp/shared-socket.ts";
import type { SnmpTimeouts } from "../snmp/target.ts";
import { asText } from "../snmp/value.ts";
import type { CredentialTry } from "./credentials.ts";

export type ProbeOutcome =
  | {
      kind: "answered";
      /** The credential that got the answer. */
      found: CredentialTry;
      sysDescr: string | undefined;
      sysObjectId: string | undefined;
      /** Worth a full read: it shows itself as a printer, or a vendor profile says it is one. */
      printer: boolean;
    }
  /** Nothing answered any credential (no agent, or every community wrong: agents stay silent). */
  | { kind: "no-answer" }
  /** An SNMPv3 agent answered, but refused every v3 user (and no community answered). */
  | { kind: "auth-refused" }
  /** Only unusable answers (garbage, truncated datagrams). */
  | { kind: "bad-answer" };

export interface ProbeOptions extends SnmpTimeouts {
  ip: string;
  port: number;
  tries: readonly CredentialTry[];
  profiles: ResolvedProfile[];
  log: Logger;
  dgramModule?: DgramModule;
  signal?: AbortSignal;
}

/** hrPrinterStatus, prtGeneralSerialNumber, the marker and the supplies tables: any row = printer. */
const printerTables = [
  "1.3.6.1.2.1.25.3.5.1.1",
  mib.prtGeneralSerialNumber,
  mib.prtMarkerEntry,
  mib.prtMarkerSuppliesEntry,
];
const hrDeviceType = `${mib.hrDeviceEntry}.2`;

export async function probeAddress(options: ProbeOptions): Promise<ProbeOutcome> {
  let refused = false;
  let garbled = false;
  for (const attempt of options.tries) {
    options.signal?.throwIfAborted();
    const client = new SnmpClient(
      {
        host: options.ip,
        port: options.port,
        credentials: attempt.credentials,
        timeoutMs: options.timeoutMs,
        retries: options.retries,
      },
      { log: options.log, ...(options.dgramModule && { dgramModule: options.dgramModule }) },
    );
    try {
      const system = await readSystem(client);
      const sysDescr = asText(system.get(mib.sys.sysDescr));
      const oid = system.get(mib.sys.sysObjectID);
      const sysObjectId = oid?.kind === "oid" && oid.value !== "0.0" ? oid.value : undefined;
      const printer = await looksLikePrinter(client, { sysDescr, sysObjectId }, options.profiles);
      return { kind: "answered", found: attempt, sysDescr, sysObjectId, printer };
    } catch (err) {
      if (err instanceof SnmpAuthError) refused = true;
      else if (err instanceof SnmpBadAnswerError) garbled = true;
      else if (!(err instanceof SnmpNoAnswerError)) throw err;
    } finally {
      client.close();
    }
  }
  return { kind: refused ? "auth-refused" : garbled ? "bad-answer" : "no-answer" };
}

/**
 * The question readDevice answers after a full read (Printer-MIB / HOST-RESOURCES printer / a
 * printer profile), asked with one to three requests. It may say yes where the full read then
 * says no (a serial number column that holds nothing usable); it never says no where it would say yes.
 */
export async function looksLikePrinter(
  client: SnmpClient,
  system: { sysDescr: string | undefined; sysObjectId: string | undefined },
  profiles: ResolvedProfile[],
): Promise<boolean> {
  if (matchProfile(profiles, system)?.printer) return true;
  if ((await client.firstRows(printerTables)).size > 0) return true;
  const types = await client.walk(hrDeviceType);
  if (types.some((r) => r.value.kind === "oid" && r.value.value === mib.hrDeviceTypePrinter)) return true;
  if (system.sysObjectId !== undefined) return false;
  // No sysObjectID: readDevice matches profiles by the first private OID; so do we.
  const [first] = await client.walkFirst(mib.enterprises);
  const enterpriseOid = first?.oid.split(".").slice(0, 7).join(".");
  return (
    enterpriseOid !== undefined && matchProfile(profiles, { ...system, enterpriseOid })?.printer === true
  );
}
