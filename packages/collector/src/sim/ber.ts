/**
 * The few BER pieces the simulator encodes itself, once per record at load time: OIDs and
 * typed values. The message envelope is written with `asn1-ber` (agent.ts); its OID writer
 * mangles first arcs of 2.x with x ≥ 48, and integers of Counter64 size need bigint, hence these.
 */

/** BER tag bytes of the SNMP types. snmprec tags are the same numbers in decimal. */
export const Type = {
  Integer32: 0x02,
  OctetString: 0x04,
  Null: 0x05,
  OID: 0x06,
  IpAddress: 0x40,
  Counter32: 0x41,
  Gauge32: 0x42,
  TimeTicks: 0x43,
  Opaque: 0x44,
  Counter64: 0x46,
  NoSuchObject: 0x80,
  NoSuchInstance: 0x81,
  EndOfMibView: 0x82,
} as const;

/** Integer types and their ranges (inclusive). */
export const integerRange: Record<number, [bigint, bigint]> = {
  [Type.Integer32]: [-(2n ** 31n), 2n ** 31n - 1n],
  [Type.Counter32]: [0n, 2n ** 32n - 1n],
  [Type.Gauge32]: [0n, 2n ** 32n - 1n],
  [Type.TimeTicks]: [0n, 2n ** 32n - 1n],
  [Type.Counter64]: [0n, 2n ** 64n - 1n],
};

const MAX_ARC = 2 ** 32 - 1;

export function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const head =
    n < 0x80
      ? [tag, n]
      : n < 0x100
        ? [tag, 0x81, n]
        : n < 0x10000
          ? [tag, 0x82, n >> 8, n & 0xff]
          : [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(head), content]);
}

/** Bytes a TLV with `contentLength` bytes of content takes. */
export function tlvSize(contentLength: number): number {
  return (
    1 +
    (contentLength < 0x80 ? 1 : contentLength < 0x100 ? 2 : contentLength < 0x10000 ? 3 : 4) +
    contentLength
  );
}

/** Minimal two's-complement content of an INTEGER (Counter64 included, with a leading 0 when needed). */
export function integerContent(value: number | bigint): Buffer {
  let v = BigInt(value);
  const bytes: number[] = [];
  for (;;) {
    const b = Number(v & 0xffn);
    bytes.unshift(b);
    v >>= 8n;
    if ((v === 0n && (b & 0x80) === 0) || (v === -1n && (b & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

/** "1.3.6.1" → arcs, or undefined when it is not a valid, BER-encodable OID. A leading dot is accepted. */
export function parseOid(text: string): number[] | undefined {
  const s = text.startsWith(".") ? text.slice(1) : text;
  if (!/^\d+(\.\d+)+$/.test(s)) return undefined;
  const arcs = s.split(".").map(Number);
  if (arcs.some((a) => a > MAX_ARC)) return undefined;
  const [first = 0, second = 0] = arcs;
  if (first > 2 || (first < 2 && second >= 40)) return undefined;
  return arcs;
}

function pushBase128(out: number[], n: number): void {
  const tmp = [n % 128];
  for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) tmp.push((v % 128) | 0x80);
  for (let i = tmp.length - 1; i >= 0; i--) out.push(tmp[i] as number);
}

/** OID as a complete TLV. */
export function encodeOid(arcs: readonly number[]): Buffer {
  const out: number[] = [];
  pushBase128(out, (arcs[0] ?? 0) * 40 + (arcs[1] ?? 0));
  for (let i = 2; i < arcs.length; i++) pushBase128(out, arcs[i] as number);
  return tlv(Type.OID, Buffer.from(out));
}

/** OID content bytes → arcs, or undefined when malformed. */
export function decodeOid(content: Buffer): number[] | undefined {
  if (content.length === 0 || (content[content.length - 1] as number) & 0x80) return undefined;
  const subs: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (v > MAX_ARC + 80) return undefined;
    if ((b & 0x80) === 0) {
      subs.push(v);
      v = 0;
    }
  }
  const first = subs[0] as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  const arcs = [...head, ...subs.slice(1)];
  return arcs.every((a) => a <= MAX_ARC) ? arcs : undefined;
}

export function compareArcs(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when `prefix` is `arcs` or an ancestor of it. */
export function isPrefix(prefix: readonly number[], arcs: readonly number[]): boolean {
  if (prefix.length > arcs.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== arcs[i]) return false;
  return true;
}

/** Value of a record or a live override. Integers: number or bigint; strings and addresses: bytes. */
export type SnmpValue = number | bigint | Buffer | number[] | null;

/** A typed value as a complete TLV. OID values are arcs; IpAddress is 4 bytes. */
export function encodeValue(type: number, value: SnmpValue): Buffer {
  if (type === Type.Null || type >= Type.NoSuchObject) return Buffer.from([type, 0]);
  if (type === Type.OID) return encodeOid(value as number[]);
  if (typeof value === "number" || typeof value === "bigint") return tlv(type, integerContent(value));
  return tlv(type, value as Buffer);
}

/** Pre-built exception values (v2c). */
export const NO_SUCH_OBJECT: Buffer = Buffer.from([Type.NoSuchObject, 0]);
export const NO_SUCH_INSTANCE: Buffer = Buffer.from([Type.NoSuchInstance, 0]);
export const END_OF_MIB_VIEW: Buffer = Buffer.from([Type.EndOfMibView, 0]);
