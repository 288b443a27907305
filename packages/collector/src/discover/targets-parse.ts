import { isIPv6 } from "node:net";
import { TargetError } from "./targets-error.ts";
import type { Interval } from "./targets-intervals.ts";
import { numberToIPv4, parseIPv4 } from "./targets-ipv4.ts";
import { describeDropped, withoutNeverScanned } from "./targets-never-scanned.ts";

/** One scan target or exclusion as written: a single address, a from–to range, or a CIDR block. */

export type TargetKind = "address" | "range" | "cidr";

export interface ParsedTarget {
  /** As written, trimmed. */
  input: string;
  kind: TargetKind;
  /** The addresses it stands for, sorted and disjoint. */
  intervals: Interval[];
  /** What was changed on the way, for the scan report. */
  notes: string[];
}

/**
 * A target to scan. A CIDR of /30 or wider loses its network and broadcast addresses (never a
 * printer, and broadcasts are not sent); never-scanned addresses (0/8, multicast, reserved,
 * 255.255.255.255) are left out, and a target made only of them is refused.
 */
export function parseTarget(text: string): ParsedTarget {
  const block = parseBlock(text);
  const notes = [...block.notes];
  let { first, last } = block;
  if (block.prefix !== undefined && block.prefix <= 30) {
    first += 1;
    last -= 1;
    notes.push("network and broadcast addresses left out");
  }
  const { kept, dropped } = withoutNeverScanned([{ first, last }]);
  if (kept.length === 0) {
    const reasons = [...new Set(dropped.map((d) => d.reason))].join(" and ");
    throw new TargetError(
      block.input,
      `${block.input} is ${reasons}: never scanned, printers are unicast hosts`,
    );
  }
  return {
    input: block.input,
    kind: block.kind,
    intervals: kept,
    notes: [...notes, ...describeDropped(dropped)],
  };
}

/** An exclusion: the same forms, taken whole (excluding a network or broadcast address is harmless). */
export function parseExclusion(text: string): ParsedTarget {
  const { input, kind, first, last, notes } = parseBlock(text);
  return { input, kind, intervals: [{ first, last }], notes };
}

interface Block {
  input: string;
  kind: TargetKind;
  first: number;
  last: number;
  prefix?: number;
  notes: string[];
}

function parseBlock(text: string): Block {
  const input = text.trim();
  if (input === "") throw new TargetError(input, "an empty target: give an address, a range or a CIDR");
  if (input.includes("/")) return parseCidr(input);
  // A hyphen or an en dash ("from–to", as word processors write it) separates a range.
  const parts = input.split(/\s*[-–]\s*/);
  if (parts.length === 2) return parseRange(input, parts[0] as string, parts[1] as string);
  if (parts.length > 2) throw new TargetError(input, `${input} is not a valid range: write from-to`);
  const address = parseIPv4(input, input);
  return { input, kind: "address", first: address, last: address, notes: [] };
}

function parseCidr(input: string): Block {
  const slash = input.indexOf("/");
  const addressText = input.slice(0, slash).trim();
  const prefixText = input.slice(slash + 1).trim();
  if (isIPv6(addressText)) throw new TargetError(input, `${input} is IPv6: only IPv4 targets are supported`);
  const address = parseIPv4(addressText, input);
  const prefix = Number(prefixText);
  if (!/^\d{1,2}$/.test(prefixText) || prefix > 32) {
    throw new TargetError(
      input,
      `${input}: invalid prefix /${prefixText} (the prefix is a whole number from 0 to 32)`,
    );
  }
  const size = 2 ** (32 - prefix);
  // Division rather than bit masks: JavaScript shifts count modulo 32, which breaks /0.
  const first = Math.floor(address / size) * size;
  const notes =
    first === address ? [] : [`${input} is taken as the network ${numberToIPv4(first)}/${prefix}`];
  return { input, kind: "cidr", first, last: first + size - 1, prefix, notes };
}

function parseRange(input: string, fromText: string, toText: string): Block {
  const first = parseIPv4(fromText, input);
  // The short form "192.0.2.10-50" gives only the last octet of the end.
  const last = /^(0|[1-9]\d{0,2})$/.test(toText)
    ? shortRangeEnd(input, first, Number(toText))
    : parseIPv4(toText, input);
  if (first > last) {
    throw new TargetError(
      input,
      `${input} is reversed: ${numberToIPv4(first)} comes after ${numberToIPv4(last)} (write ${numberToIPv4(last)}-${numberToIPv4(first)})`,
    );
  }
  return { input, kind: "range", first, last, notes: [] };
}

function shortRangeEnd(input: string, first: number, lastOctet: number): number {
  if (lastOctet > 255) {
    throw new TargetError(input, `${input}: ${lastOctet} is not a valid last octet (0 to 255)`);
  }
  return first - (first % 256) + lastOctet;
}
