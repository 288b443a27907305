import snmp from "net-snmp";

/**
 * A varbind value, normalised from net-snmp's shapes so that decoders never see Buffers of
 * unknown meaning or numbers that overflowed. Exceptions (noSuchObject, …) and Null never
 * become a SnmpValue: they are "no value".
 */
export type SnmpValue =
  | { kind: "integer"; value: number }
  | { kind: "unsigned"; value: number; type: "counter32" | "gauge32" | "timeticks" }
  | { kind: "counter64"; value: bigint }
  | { kind: "octets"; value: Buffer }
  | { kind: "oid"; value: string }
  | { kind: "ip"; value: string };

export interface RawVarbind {
  oid: string;
  type?: number;
  value?: unknown;
}

const T = snmp.ObjectType;

/** Converts one net-snmp varbind into a SnmpValue, or undefined for Null/exceptions/garbage. */
export function toSnmpValue(vb: RawVarbind): SnmpValue | undefined {
  const { type, value } = vb;
  switch (type) {
    case T.Integer:
      return typeof value === "number" && Number.isFinite(value) ? { kind: "integer", value } : undefined;
    case T.Counter:
    case T.Gauge:
    case T.TimeTicks:
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
      return {
        kind: "unsigned",
        value,
        type: type === T.Counter ? "counter32" : type === T.Gauge ? "gauge32" : "timeticks",
      };
    case T.Counter64:
      return toCounter64(value);
    case T.OctetString:
    case T.Opaque:
      if (Buffer.isBuffer(value)) return { kind: "octets", value };
      if (typeof value === "string") return { kind: "octets", value: Buffer.from(value, "latin1") };
      return undefined;
    case T.OID:
      return typeof value === "string" ? { kind: "oid", value: value.replace(/^\./, "") } : undefined;
    case T.IpAddress:
      return typeof value === "string" ? { kind: "ip", value } : undefined;
    default:
      return undefined;
  }
}

function toCounter64(value: unknown): SnmpValue | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    return { kind: "counter64", value: BigInt(value) };
  }
  if (!Buffer.isBuffer(value) || value.length === 0 || value.length > 9) return undefined;
  let n = 0n;
  for (const byte of value) n = (n << 8n) | BigInt(byte);
  return { kind: "counter64", value: n };
}

/** A number, when the value is numeric (or a decimal text, as some vendors send counters). */
export function asNumber(v: SnmpValue | undefined): number | undefined {
  if (!v) return undefined;
  switch (v.kind) {
    case "integer":
    case "unsigned":
      return v.value;
    case "counter64":
      return v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : undefined;
    case "octets": {
      const text = v.value.toString("latin1").trim();
      return /^-?\d{1,15}$/.test(text) ? Number(text) : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Text of a value. OctetStrings are decoded as UTF-8 when valid, else Latin-1 (older devices);
 * control characters and padding NULs are removed.
 */
export function asText(v: SnmpValue | undefined): string | undefined {
  if (!v) return undefined;
  let text: string;
  switch (v.kind) {
    case "octets":
      text = decodeOctets(v.value);
      break;
    case "integer":
    case "unsigned":
      text = String(v.value);
      break;
    case "counter64":
      text = v.value.toString();
      break;
    case "oid":
    case "ip":
      text = v.value;
      break;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return clean === "" ? undefined : clean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeOctets(buf: Buffer): string {
  try {
    return utf8.decode(buf);
  } catch {
    return buf.toString("latin1");
  }
}

/** Raw bytes of an OctetString value. */
export function asBytes(v: SnmpValue | undefined): Buffer | undefined {
  return v?.kind === "octets" ? v.value : undefined;
}
