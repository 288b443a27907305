import { isIPv4, isIPv6 } from "node:net";
import { TargetError } from "./targets-error.ts";

/** IPv4 addresses as unsigned 32-bit numbers: cheap to compare, count and step through. */

/** The number of a dotted-quad address, or undefined when `text` is not exactly one. */
export function ipv4ToNumber(text: string): number | undefined {
  // node:net refuses leading zeros ("010" is octal to some tools), spaces and short forms.
  if (!isIPv4(text)) return undefined;
  return text.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The number of `text`, one address inside the target `input`; a TargetError saying what is wrong otherwise. */
export function parseIPv4(text: string, input: string): number {
  const n = ipv4ToNumber(text);
  if (n !== undefined) return n;
  const where = text === input ? "" : `${input}: `;
  if (text === "") throw new TargetError(input, `${where}an address is missing`);
  if (isIPv6(text)) throw new TargetError(input, `${where}${text} is IPv6: only IPv4 targets are supported`);
  if (/^\d+(\.\d+){3}$/.test(text) && /(^|\.)0\d/.test(text)) {
    const plain = text.replace(/(^|\.)0+(?=\d)/g, "$1");
    throw new TargetError(
      input,
      `${where}${text} is not a valid IPv4 address (leading zeros are ambiguous: write ${plain})`,
    );
  }
  const hint = /[a-z]/i.test(text) && !text.includes(":") ? " (host names are not accepted here)" : "";
  throw new TargetError(input, `${where}${text} is not a valid IPv4 address${hint}`);
}

/** "16,777,214": counts in messages read the same on every machine. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
