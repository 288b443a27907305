import type { SnmpValue } from "../snmp/value.ts";

/** Builders for SnmpValues in unit tests. */
export const snmpValue = {
  int: (value: number): SnmpValue => ({ kind: "integer", value }),
  counter: (value: number): SnmpValue => ({ kind: "unsigned", value, type: "counter32" }),
  ticks: (value: number): SnmpValue => ({ kind: "unsigned", value, type: "timeticks" }),
  counter64: (value: bigint): SnmpValue => ({ kind: "counter64", value }),
  octets: (text: string): SnmpValue => ({ kind: "octets", value: Buffer.from(text, "utf8") }),
  bytes: (value: Buffer): SnmpValue => ({ kind: "octets", value }),
  oid: (value: string): SnmpValue => ({ kind: "oid", value }),
};
