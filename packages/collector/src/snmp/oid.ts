/** Numeric OID helpers. OIDs are dotted strings without a leading dot. */

export function normalizeOid(oid: string): string {
  return oid.startsWith(".") ? oid.slice(1) : oid;
}

export function isValidOid(oid: string): boolean {
  return /^\d+(\.\d+)+$/.test(oid);
}

/** Compares two OIDs arc by arc (numeric order, the order SNMP walks in). */
export function compareOids(a: string, b: string): number {
  const x = a.split(".");
  const y = b.split(".");
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** True when `oid` lies strictly below `root` (on whole arcs). */
export function isUnder(oid: string, root: string): boolean {
  return oid.length > root.length && oid.startsWith(root) && oid[root.length] === ".";
}

/** True when `oid` equals `prefix` or lies below it. */
export function hasPrefix(oid: string, prefix: string): boolean {
  return oid === prefix || isUnder(oid, prefix);
}

/** The part of `oid` after `root` ("1.3.6.1.2.1.43.11.1.1.9.1.2" under "…9" → "1.2"). */
export function suffixOf(oid: string, root: string): string {
  return oid.slice(root.length + 1);
}
