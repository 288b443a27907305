/** How to reach one SNMP agent and with which credentials. */

export type SnmpVersion = "1" | "2c" | "3";

export interface SnmpV3User {
  name: string;
  authProtocol?: "md5" | "sha" | "sha224" | "sha256" | "sha384" | "sha512";
  authKey?: string;
  privProtocol?: "des" | "aes" | "aes256b" | "aes256r";
  privKey?: string;
  /** SNMPv3 context name; empty for almost every printer. */
  context?: string;
}

export interface SnmpTimeouts {
  /** Milliseconds to wait for one answer. */
  timeoutMs: number;
  /** Extra attempts after the first one. */
  retries: number;
}

/** Credentials that worked, or are to be tried, for one agent. */
export type SnmpCredentials = { version: "1" | "2c"; community: string } | { version: "3"; user: SnmpV3User };

export interface SnmpTarget extends SnmpTimeouts {
  host: string;
  port: number;
  credentials: SnmpCredentials;
}

export const defaultTimeouts: SnmpTimeouts = { timeoutMs: 1000, retries: 1 };

export function describeCredentials(c: SnmpCredentials): string {
  return c.version === "3" ? `v3 user ${c.user.name}` : `v${c.version} community "${c.community}"`;
}
