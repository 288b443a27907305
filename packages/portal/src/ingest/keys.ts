import { isIP } from "node:net";

/**
 * The identity keys of a reading, normalised the way the devices table stores them
 * (docs/ingest.md, "Device identity").
 */

/** Serials devices report when they have none: blank, zeros, placeholders. */
const placeholderSerial = /^(0+|[^0-9A-Z]+|UNKNOWN|NONE|N\/?A|NULL|DEFAULT|SERIAL(NUMBER)?|X+)$/;

/** Upper case without spaces; undefined when the device reports no usable serial. */
export function serialKey(serial: string | undefined): string | undefined {
  if (serial === undefined) return undefined;
  const key = serial.replace(/\s+/g, "").toUpperCase();
  return key === "" || placeholderSerial.test(key) ? undefined : key;
}

/** Vendors compare case-insensitively; a blank vendor is no vendor. */
export function vendorKey(vendor: string | null | undefined): string | undefined {
  const key = vendor?.trim().toLowerCase();
  return key ? key : undefined;
}

/** MACs that name no interface (unset or broadcast) do not identify a device. */
export function macKey(mac: string | undefined): string | undefined {
  if (mac === undefined) return undefined;
  const key = mac.toLowerCase();
  return key === "00:00:00:00:00:00" || key === "ff:ff:ff:ff:ff:ff" ? undefined : key;
}

/** The address as PostgreSQL's inet prints it; undefined for anything that is not an address. */
export function ipKey(ip: string): string | undefined {
  const version = isIP(ip);
  if (version === 4) return ip;
  // PostgreSQL prints IPv6 compressed and lower case, as the URL parser does; zones it refuses.
  if (version === 6 && !ip.includes("%")) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return undefined;
}

/** Two vendors match unless both are known and differ. */
export function vendorsMatch(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}
