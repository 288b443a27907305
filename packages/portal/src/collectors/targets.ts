import { isIPv4 } from "node:net";

/**
 * The target syntax of the collector settings (docs/collector-protocol.md, "Settings"): an IPv4
 * address, a CIDR block, or a range `first-last`. The collector scans IPv4 only.
 */

/** Blocks wider than this are refused: nobody means to scan a /7, and `maxAddresses` caps scans anyway. */
export const widestPrefix = 8;

function ipv4Number(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

/** Why `target` is no valid target, or undefined when it is one. */
export function targetProblem(target: string): string | undefined {
  const cidr = /^([0-9.]+)\/(\d{1,2})$/.exec(target);
  if (cidr) {
    const prefix = Number(cidr[2]);
    if (!isIPv4(cidr[1] ?? "")) return `${cidr[1]} is no IPv4 address`;
    if (prefix < widestPrefix || prefix > 32) return `prefix /${prefix} must be /${widestPrefix} to /32`;
    return undefined;
  }
  const range = /^([0-9.]+)\s*-\s*([0-9.]+)$/.exec(target);
  if (range) {
    const [first, last] = [range[1] ?? "", range[2] ?? ""];
    if (!isIPv4(first) || !isIPv4(last)) return "a range is two IPv4 addresses, first-last";
    const size = ipv4Number(last) - ipv4Number(first) + 1;
    if (size < 1) return `range ${target} ends before it starts`;
    if (size > 2 ** (32 - widestPrefix)) return `range ${target} is wider than a /${widestPrefix}`;
    return undefined;
  }
  return isIPv4(target) ? undefined : "expected an IPv4 address, a CIDR block (a.b.c.d/n) or a range (a-b)";
}
