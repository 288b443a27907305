/**
 * The few vendor formats that need code. Profiles name a decoder and give its parameters
 * (docs/profiles.md); a decoder returns undefined for anything it cannot read, never throws.
 */

/**
 * Brother keeps counters and maintenance levels in binary blobs: records of
 * `code(1) 0x01 length(1) value(length, big-endian)`, ending with 0xFF.
 */
export function brotherRecords(blob: Buffer): Map<number, number> {
  return new Map(
    [...brotherRecordBytes(blob)].map(([code, bytes]) => [code, bytes.readUIntBE(0, bytes.length)]),
  );
}

/** The raw value bytes of each record of a Brother blob. */
export function brotherRecordBytes(blob: Buffer): Map<number, Buffer> {
  const records = new Map<number, Buffer>();
  let i = 0;
  while (i + 3 <= blob.length) {
    const code = blob[i] as number;
    if (code === 0xff) break;
    const length = blob[i + 2] as number;
    if (blob[i + 1] !== 0x01 || length === 0 || length > 6 || i + 3 + length > blob.length) break;
    records.set(code, blob.subarray(i + 3, i + 3 + length));
    i += 3 + length;
  }
  return records;
}

/**
 * Older Brother inkjets give a level as two bytes, `steps fullScale` (e.g. 0x0c 0x14: 12 of 20
 * steps); as a percentage.
 */
export function brotherLevelSteps(value: Buffer): number | undefined {
  if (value.length !== 2) return undefined;
  const [steps, scale] = [value[0] as number, value[1] as number];
  return scale > 0 && steps <= scale ? (steps / scale) * 100 : undefined;
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
