import type { SnmpV3User } from "../snmp/target.ts";

/** The scan settings of docs/collector-protocol.md, as the portal sends them (defaults shown there). */
export interface ScanSettings {
  communities: string[];
  v3Users: SnmpV3User[];
  ping: PingSettings;
  snmp: {
    /** Wait for the system probe of an address that may hold nothing at all. */
    discoveryTimeoutMs: number;
    /** Wait for each request of a device that answered. */
    timeoutMs: number;
    retries: number;
  };
  /** Addresses whose SNMP exchange is under way at once. */
  concurrency: number;
  /** Every ping and SNMP datagram the scan sends, all devices together. */
  packetsPerSecond: number;
  maxAddresses: number;
}

export interface PingSettings {
  /** Off for networks that block ICMP: every address gets the SNMP probe. */
  enabled: boolean;
  timeoutMs: number;
  retries: number;
  /** Which pinger: fping when installed, else /bin/ping ("auto"), or a fixed one. */
  method?: "auto" | "fping" | "ping";
}

export const defaultScanSettings: ScanSettings = {
  communities: ["public"],
  v3Users: [],
  ping: { enabled: true, timeoutMs: 1000, retries: 1 },
  snmp: { discoveryTimeoutMs: 1000, timeoutMs: 1000, retries: 1 },
  concurrency: 512,
  packetsPerSecond: 2000,
  maxAddresses: 65536,
};

export type ScanSettingsInput = Partial<Omit<ScanSettings, "ping" | "snmp">> & {
  ping?: Partial<PingSettings>;
  snmp?: Partial<ScanSettings["snmp"]>;
};

/** Missing fields take the defaults; nonsense (a rate of 0, no credentials) is refused. */
export function resolveScanSettings(input: ScanSettingsInput = {}): ScanSettings {
  const d = defaultScanSettings;
  const settings: ScanSettings = {
    communities: input.communities ?? d.communities,
    v3Users: input.v3Users ?? d.v3Users,
    ping: { ...d.ping, ...input.ping },
    snmp: { ...d.snmp, ...input.snmp },
    concurrency: input.concurrency ?? d.concurrency,
    packetsPerSecond: input.packetsPerSecond ?? d.packetsPerSecond,
    maxAddresses: input.maxAddresses ?? d.maxAddresses,
  };
  const positive = (name: string, n: number) => {
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be above 0, got ${n}`);
  };
  positive("concurrency", settings.concurrency);
  positive("packetsPerSecond", settings.packetsPerSecond);
  positive("ping.timeoutMs", settings.ping.timeoutMs);
  positive("snmp.timeoutMs", settings.snmp.timeoutMs);
  positive("snmp.discoveryTimeoutMs", settings.snmp.discoveryTimeoutMs);
  for (const [name, n] of [
    ["ping.retries", settings.ping.retries],
    ["snmp.retries", settings.snmp.retries],
  ] as const) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got ${n}`);
  }
  if (settings.communities.length + settings.v3Users.length === 0)
    throw new Error("no SNMP credentials: give at least one community or SNMPv3 user");
  return settings;
}
