/**
 * A bare SNMPv2c GET and the few fields of its answer that bench:scan needs (request id, the
 * varbind values as text), so that the bench can check a host answers SNMP without a client
 * library, and the stand-in prober can count its own bytes.
 */
import { encodeOid, integerContent, parseOid, tlv } from "../../packages/collector/src/sim/ber.ts";

export const SYS_DESCR = "1.3.6.1.2.1.1.1.0";
export const SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0";

/** An SNMPv2c GetRequest for `oids` (values Null). */
export function snmpGetPacket(
  requestId: number,
  community = "public",
  oids: readonly string[] = [SYS_DESCR],
): Buffer {
  const varbinds = oids.map((oid) => {
    const arcs = parseOid(oid);
    if (!arcs) throw new Error(`bad OID ${oid}`);
    return tlv(0x30, Buffer.concat([tlv(0x06, encodeOid(arcs)), Buffer.from([0x05, 0x00])]));
  });
  const pdu = tlv(
    0xa0,
    Buffer.concat([
      tlv(0x02, integerContent(requestId)),
      tlv(0x02, integerContent(0)),
      tlv(0x02, integerContent(0)),
      tlv(0x30, Buffer.concat(varbinds)),
    ]),
  );
  return tlv(0x30, Buffer.concat([tlv(0x02, integerContent(1)), tlv(0x04, Buffer.from(community)), pdu]));
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buf: Buffer, offset: number): Tlv | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset] as number;
  let len = buf[offset + 1] as number;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  const end = start + len;
  return end <= buf.length ? { tag, start, end } : undefined;
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at);
    if (!t) break;
    out.push(t);
    at = t.end;
  }
  return out;
}

const intOf = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.end).reduce((n, b) => n * 256 + b, 0);

/** Request id and varbind values (strings as latin1 text, others as hex) of a v1/v2c Response, or undefined. */
export function parseResponse(buf: Buffer): { requestId: number; values: string[] } | undefined {
  const msg = readTlv(buf, 0);
  if (msg?.tag !== 0x30) return undefined;
  const [, , pdu] = children(buf, msg);
  if (pdu?.tag !== 0xa2) return undefined;
  const [reqId, , , list] = children(buf, pdu);
  if (!reqId || !list) return undefined;
  const values = children(buf, list).map((vb) => {
    const value = children(buf, vb)[1];
    if (!value) return "";
    const raw = buf.subarray(value.start, value.end);
    return value.tag === 0x04 ? raw.toString("latin1") : raw.toString("hex");
  });
  return { requestId: intOf(buf, reqId), values };
}
