import type { NetworkInterfaceInfo } from "node:os";
import { networkInterfaces } from "node:os";
import { ipv4ToNumber, numberToIPv4 } from "./targets-ipv4.ts";

/**
 * Scan ranges proposed from this host's own networks: where ICE is installed is usually where the
 * printers are. A proposal only: the person setting up the site confirms or edits it.
 */

/** What os.networkInterfaces() gives, reduced to what is used here, so tests can pass fake tables. */
export type InterfaceTable = Readonly<
  Record<
    string,
    ReadonlyArray<Pick<NetworkInterfaceInfo, "address" | "netmask" | "family" | "internal">> | undefined
  >
>;

export interface SuggestedRange {
  /** "192.0.2.0/24": usable as a scan target as it is. */
  cidr: string;
  /** The interfaces on that network (several when they share it). */
  interfaces: string[];
  /** This host's own address there. */
  hostAddress: string;
  /** Addresses a scan of `cidr` probes (without network and broadcast). */
  addresses: number;
  /** Why the proposal differs from the interface's subnet. */
  note?: string;
}

export interface SuggestRangeOptions {
  /** Propose loopback networks too (tests scan simulated printers on 127.0.0.0/8). */
  includeLoopback?: boolean;
}

/** Subnets larger than this are cut to the host's /24: scanning a /8 takes hours and hits the limit. */
const widestPrefix = 16;

export function suggestRanges(table: InterfaceTable, options: SuggestRangeOptions = {}): SuggestedRange[] {
  const byCidr = new Map<string, SuggestedRange>();
  for (const [name, addresses] of Object.entries(table)) {
    for (const info of addresses ?? []) {
      const range = rangeOf(info, options);
      if (!range) continue;
      const known = byCidr.get(range.cidr);
      if (known) known.interfaces.push(name);
      else byCidr.set(range.cidr, { ...range, interfaces: [name] });
    }
  }
  return [...byCidr.values()];
}

/** suggestRanges over this machine's interfaces. */
export function suggestRangesForThisHost(options: SuggestRangeOptions = {}): SuggestedRange[] {
  return suggestRanges(networkInterfaces(), options);
}

function rangeOf(
  info: Pick<NetworkInterfaceInfo, "address" | "netmask" | "family" | "internal">,
  options: SuggestRangeOptions,
): Omit<SuggestedRange, "interfaces"> | undefined {
  // Node 18.0–18.3 reported the family as the number 4.
  if (info.family !== "IPv4" && (info.family as unknown) !== 4) return undefined;
  const address = ipv4ToNumber(info.address);
  const prefix = prefixOf(info.netmask);
  if (address === undefined || prefix === undefined) return undefined;
  const loopback = info.internal || address >>> 24 === 127;
  if (loopback && !options.includeLoopback) return undefined;
  // Link-local (169.254/16): self-assigned when DHCP failed, not where managed printers live.
  if (address >>> 16 === 0xa9fe) return undefined;
  // A /32 (a VPN or point-to-point address) holds only this host.
  if (prefix === 32) return undefined;
  const subnet = `${numberToIPv4(networkOf(address, prefix))}/${prefix}`;
  if (prefix < widestPrefix) {
    return {
      ...block(address, 24),
      hostAddress: info.address,
      note: `${subnet} is larger than /${widestPrefix}: proposing the /24 around this host's address only`,
    };
  }
  return { ...block(address, prefix), hostAddress: info.address };
}

function block(address: number, prefix: number): { cidr: string; addresses: number } {
  const size = 2 ** (32 - prefix);
  return {
    cidr: `${numberToIPv4(networkOf(address, prefix))}/${prefix}`,
    addresses: prefix <= 30 ? size - 2 : size,
  };
}

function networkOf(address: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) * size;
}

/** 255.255.255.0 → 24; undefined for a mask that is not one run of ones. */
function prefixOf(netmask: string): number | undefined {
  const mask = ipv4ToNumber(netmask);
  if (mask === undefined) return undefined;
  const hostPart = 2 ** 32 - 1 - mask;
  const bits = Math.log2(hostPart + 1);
  return Number.isInteger(bits) ? 32 - bits : undefined;
}
