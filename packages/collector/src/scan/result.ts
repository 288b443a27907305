import type { DeviceRecord } from "@device-portal/protocol";
import type { TrafficCounter } from "../snmp/shared-socket.ts";

/** Why an address gave no device record. */
export const skipReasons = [
  "no-ping-reply",
  "no-snmp-answer",
  "snmpv3-refused",
  "unusable-answer",
  "not-printer",
  "read-failed",
  "unknown-credential",
] as const;
export type SkipReason = (typeof skipReasons)[number];

export const skipReasonText: Record<SkipReason, string> = {
  "no-ping-reply": "no ping reply",
  "no-snmp-answer": "no SNMP answer to any credential",
  "snmpv3-refused": "SNMPv3 agent refused every v3 user",
  "unusable-answer": "only unusable SNMP answers",
  "not-printer": "answers SNMP but is not a printer",
  "read-failed": "stopped answering during the read",
  "unknown-credential": "known device names a credential the settings lack",
};

/**
 * One input range (a target as written) or, for a refresh, the known devices. Counts:
 * addresses = printers + the skipped ones; pinged = answeredPing + noPing;
 * answeredSnmp = printers + notPrinter + read-failed.
 */
export interface RangeReport {
  target: string;
  addresses: number;
  /** 0 when the scan ran without ping. */
  pinged: number;
  answeredPing: number;
  noPing: number;
  answeredSnmp: number;
  noSnmp: number;
  printers: number;
  notPrinter: number;
  /** How many addresses gave no record, by reason (reasons with 0 are left out). */
  skipped: Partial<Record<SkipReason, number>>;
}

export interface ScanDevice {
  record: DeviceRecord;
  /** Index into the settings' communities followed by v3Users: what worked. */
  credential: number;
  /** The SNMP version that worked with it (a community works with v2c or v1 only). */
  snmpVersion: "1" | "2c" | "3";
  /** The vendor profile that matched, if any. */
  profile?: string;
  /** SNMP datagrams of this address in this scan, failed credential tries included. */
  traffic: TrafficCounter;
}

/** An address that answers SNMP but is not a printer (a switch, a server, a UPS). */
export interface OtherDevice {
  ip: string;
  credential: number;
  sysDescr?: string;
  sysObjectId?: string;
}

export interface ScanTraffic {
  snmpBytesSent: number;
  snmpBytesReceived: number;
  snmpPacketsSent: number;
  snmpPacketsReceived: number;
  /** Echo requests sent (as the ping tool counts them). */
  pingPackets: number;
}

export interface ScanResult {
  kind: "discovery" | "refresh";
  /** Lower-case UUID: the scan file's id, by which the portal stores a scan once. */
  scanId: string;
  startedAt: string;
  endedAt: string;
  devices: ScanDevice[];
  /** Per input range, in the order given; a refresh has one entry, "known devices". */
  report: RangeReport[];
  /** Every address once (ranges may overlap). */
  totals: RangeReport;
  others: OtherDevice[];
  traffic: ScanTraffic;
  /** Things a person should know: duplicates, ping unavailable, how ping was done. */
  notes: string[];
}

export function emptyRangeReport(target: string, addresses = 0): RangeReport {
  return {
    target,
    addresses,
    pinged: 0,
    answeredPing: 0,
    noPing: 0,
    answeredSnmp: 0,
    noSnmp: 0,
    printers: 0,
    notPrinter: 0,
    skipped: {},
  };
}

/** What happened to one address, as the report counts it. */
export interface AddressOutcome {
  pinged: boolean;
  answeredPing: boolean;
  /** undefined: a device record was made. */
  skipped?: SkipReason;
}

export function countOutcome(report: RangeReport, outcome: AddressOutcome): void {
  if (outcome.pinged) {
    report.pinged++;
    if (outcome.answeredPing) report.answeredPing++;
    else report.noPing++;
  }
  const reason = outcome.skipped;
  if (reason === undefined) {
    report.answeredSnmp++;
    report.printers++;
    return;
  }
  report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
  if (reason === "not-printer") {
    report.answeredSnmp++;
    report.notPrinter++;
  } else if (reason === "read-failed") report.answeredSnmp++;
  else if (reason !== "no-ping-reply" && reason !== "unknown-credential") report.noSnmp++;
}

/** One line per range: what answered, what did not and why. */
export function formatReport(result: Pick<ScanResult, "report" | "totals" | "notes">): string[] {
  const lines = result.report.map(formatRange);
  if (result.report.length > 1) lines.push(formatRange(result.totals));
  return [...lines, ...result.notes.map((n) => `note: ${n}`)];
}

function formatRange(r: RangeReport): string {
  const ping = r.pinged > 0 ? `, ${r.answeredPing} answered ping` : "";
  const parts = [
    `${r.target}: ${r.addresses} address${r.addresses === 1 ? "" : "es"}${ping}, ${r.answeredSnmp} answered SNMP, ${r.printers} printer${r.printers === 1 ? "" : "s"}`,
  ];
  const why = skipReasons
    .filter((reason) => (r.skipped[reason] ?? 0) > 0)
    .map((reason) => `${r.skipped[reason]} ${skipReasonText[reason]}`);
  if (why.length > 0) parts.push(`; not read: ${why.join(", ")}`);
  return parts.join("");
}
