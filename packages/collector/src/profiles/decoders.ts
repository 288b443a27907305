/**
 * The few vendor formats that need code. Profiles name a decoder and give its parameters
 * (docs/profiles.md); a decoder returns undefined for anything it cannot read, never throws.
 */

/**
 * Brother keeps counters and maintenance levels in binary blobs: records of
 * `code(1) 0x01 length(1) value(length, big-endian)`, ending with 0xFF.
 */
export function brotherRecords(blob: Buffer): Map<number, number> {
  const records = new Map<number, number>();
  let i = 0;
  while (i + 3 <= blob.length) {
    const code = blob[i] as number;
    if (code === 0xff) break;
    const length = blob[i + 2] as number;
    if (blob[i + 1] !== 0x01 || length === 0 || length > 6 || i + 3 + length > blob.length) break;
    records.set(code, blob.readUIntBE(i + 3, length));
    i += 3 + length;
  }
  return records;
}

/** A field of an IEEE 1284 device id (`MFG:Brother;MDL:DCP-1618W;…`); `MDL` also finds `MODEL`. */
export function pjlDeviceIdField(text: string, field: string): string | undefined {
  const wanted = field.toUpperCase();
  const aliases: Record<string, string[]> = {
    MDL: ["MDL", "MODEL"],
    MFG: ["MFG", "MANUFACTURER"],
    CMD: ["CMD", "COMMAND SET"],
  };
  const names = aliases[wanted] ?? [wanted];
  for (const part of text.split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    if (names.includes(part.slice(0, colon).trim().toUpperCase())) {
      const value = part.slice(colon + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}
