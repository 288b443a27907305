/**
 * SNMP v1/v2c agent on one UDP socket. The community selects which simulated device answers
 * (one per address in a range, or many on one port like snmpsim); a wrong community gets no
 * reply, as on real agents, and so does anything malformed.
 *
 * Answers follow RFC 3416 and, for v1, RFC 1157 / RFC 3584: v1 reports a missing OID with
 * noSuchName and its index and never shows Counter64 (GET → noSuchName, GETNEXT skips it);
 * v2c answers noSuchObject / noSuchInstance / endOfMibView per varbind. A reply larger than
 * `maxResponseSize` is tooBig, except GETBULK, which is cut short.
 */
import dgram from "node:dgram";
import asn1 from "asn1-ber";
import {
  decodeOid,
  END_OF_MIB_VIEW,
  encodeOid,
  encodeValue,
  integerContent,
  isPrefix,
  NO_SUCH_INSTANCE,
  NO_SUCH_OBJECT,
  parseOid,
  type SnmpValue,
  Type,
  tlv,
  tlvSize,
} from "./ber.ts";
import type { LiveModel } from "./live.ts";
import { findRecord, lowerBound, type Recording, type SnmpRecord } from "./snmprec.ts";

const { BerReader, BerWriter } = asn1;

/** Fault injection for robustness tests. All off by default. */
export interface Faults {
  /** Answer the first n requests, then stay silent (a device that dies mid-read). */
  dropAfter?: number;
  /** Wait this long before each reply. */
  delayMs?: number;
  /** Replies are broken BER: alternately cut in half and garbage bytes. */
  malformed?: boolean;
  /** OIDs (or subtrees) whose values are served as an OctetString of their text ("42"). */
  wrongTypes?: string[];
  /** No answer to SNMPv2c packets, like old devices. */
  v1Only?: boolean;
  /** GETBULK is answered with genErr. */
  noBulk?: boolean;
  /**
   * Walks that lie: "repeat" answers GETNEXT/GETBULK with the OID asked for (a walk that never
   * advances); "endless" with the OID asked for plus ".1" (a subtree that never ends);
   * "backwards" alternately with the OID asked for plus ".5" and with a smaller one.
   */
  lying?: "repeat" | "endless" | "backwards";
}

/** One simulated printer: a shared recording plus its own live model, faults and request count. */
export interface Device {
  recording: Recording;
  live?: LiveModel;
  faults?: Faults;
  /** Requests received so far (for `dropAfter`). */
  requests: number;
  /** Parsed `faults.wrongTypes`. */
  wrongTypes: number[][];
}

export function createDevice(
  recording: Recording,
  options: { live?: LiveModel; faults?: Faults } = {},
): Device {
  const device: Device = {
    recording,
    requests: 0,
    wrongTypes: (options.faults?.wrongTypes ?? []).flatMap((s) => {
      const arcs = parseOid(s);
      return arcs ? [arcs] : [];
    }),
  };
  if (options.live) device.live = options.live;
  if (options.faults) device.faults = options.faults;
  return device;
}

export interface AgentOptions {
  address: string;
  /** 0 = any free port. */
  port: number;
  /** Community → device. */
  devices: Map<string, Device>;
  /** Largest reply in bytes, default 1400. */
  maxResponseSize?: number;
}

export interface Agent {
  address: string;
  port: number;
  close(): Promise<void>;
}

const PDU = { get: 0xa0, getNext: 0xa1, response: 0xa2, set: 0xa3, getBulk: 0xa5 } as const;
const ERR = { tooBig: 1, noSuchName: 2, genErr: 5, notWritable: 17 } as const;

interface RequestVarbind {
  arcs: number[];
  oidTlv: Buffer;
  valueTlv: Buffer;
}

export interface SnmpRequest {
  version: number;
  community: Buffer;
  pduType: number;
  requestId: number;
  /** error-status / error-index fields; non-repeaters / max-repetitions for GETBULK. */
  a: number;
  b: number;
  varbinds: RequestVarbind[];
}

/** Parses a v1/v2c request; undefined for anything else (v3, traps, broken BER). */
export function decodeRequest(msg: Buffer): SnmpRequest | undefined {
  try {
    const r = new BerReader(msg);
    if (r.readSequence(0x30) === null) return undefined;
    const version = r.readInt(0x02);
    if (version !== 0 && version !== 1) return undefined;
    const community = r.readString(0x04, true);
    const pduType = r.peek();
    if (community === null || pduType === null || !Object.values(PDU).includes(pduType as never))
      return undefined;
    if (pduType === PDU.response || r.readSequence(pduType) === null) return undefined;
    const requestId = r.readInt(0x02);
    const a = r.readInt(0x02);
    const b = r.readInt(0x02);
    if (requestId === null || a === null || b === null || r.readSequence(0x30) === null) return undefined;
    const end = r.offset + r.length;
    if (end > msg.length) return undefined;
    const varbinds: RequestVarbind[] = [];
    while (r.offset < end) {
      if (r.readSequence(0x30) === null) return undefined;
      const vbEnd = r.offset + r.length;
      const oidStart = r.offset;
      const oid = r.readString(0x06, true);
      const arcs = oid && decodeOid(oid);
      if (!arcs) return undefined;
      const valueStart = r.offset;
      const tag = r.peek();
      if (tag === null || r.readString(tag, true) === null || r.offset !== vbEnd) return undefined;
      varbinds.push({
        arcs,
        oidTlv: msg.subarray(oidStart, valueStart),
        valueTlv: msg.subarray(valueStart, vbEnd),
      });
    }
    return { version, community, pduType, requestId, a, b, varbinds };
  } catch {
    return undefined;
  }
}

type Varbind = [oidTlv: Buffer, valueTlv: Buffer];

/** Size of a noError response to `req` as a function of its varbind list's content length. */
function responseSize(req: SnmpRequest): (varbindBytes: number) => number {
  // version (3) + community, and in the PDU request-id + error-status (3) + error-index (3).
  const head = 3 + tlvSize(req.community.length);
  const pduHead = 2 + integerContent(req.requestId).length + 6;
  return (varbindBytes) => tlvSize(head + tlvSize(pduHead + tlvSize(varbindBytes)));
}

function encodeResponse(
  req: SnmpRequest,
  status: number,
  index: number,
  varbinds: readonly Varbind[],
): Buffer {
  const w = new BerWriter({ size: 2048 });
  w.startSequence();
  w.writeInt(req.version);
  w.writeBuffer(req.community, 0x04);
  w.startSequence(PDU.response);
  w.writeInt(req.requestId);
  w.writeInt(status);
  w.writeInt(index);
  w.startSequence();
  for (const [oid, value] of varbinds) {
    w.startSequence();
    w.writeBuffer(oid);
    w.writeBuffer(value);
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

function valueText(v: SnmpValue): string {
  if (Buffer.isBuffer(v)) return v.toString("latin1");
  if (Array.isArray(v)) return v.join(".");
  return v === null ? "" : String(v);
}

/** Builds the reply to `req` for `device`, or undefined when there is none to send. */
export function answer(device: Device, req: SnmpRequest, maxSize = 1400): Buffer | undefined {
  const v1 = req.version === 0;
  const records = device.recording.records;
  const live = device.live;
  const state = live?.state();
  const size = responseSize(req);
  const echo = (): Varbind[] => req.varbinds.map((vb) => [vb.oidTlv, vb.valueTlv]);
  const error = (status: number, index: number, varbinds = echo()) =>
    encodeResponse(req, status, index, varbinds);

  const served = (i: number): Varbind => {
    const rec = records[i] as SnmpRecord;
    const v = live && state ? live.value(i, rec, state) : undefined;
    if (device.wrongTypes.some((p) => isPrefix(p, rec.arcs))) {
      return [rec.oidTlv, tlv(Type.OctetString, Buffer.from(valueText(v ?? rec.value), "latin1"))];
    }
    return [rec.oidTlv, v === undefined ? rec.valueTlv : encodeValue(rec.type, v)];
  };
  // Index of the record after `arcs`; v1 never sees Counter64 (RFC 3584 §4.2.2.1).
  const nextFrom = (i: number) => {
    while (v1 && i < records.length && (records[i] as SnmpRecord).type === Type.Counter64) i++;
    return i;
  };
  const after = (arcs: number[]) => nextFrom(lowerBound(records, arcs, false));

  const lying = device.faults?.lying;
  if (lying && (req.pduType === PDU.getNext || req.pduType === PDU.getBulk)) {
    const backwards = (arcs: number[]) =>
      device.requests % 2 === 1 ? [...arcs, 5] : [...arcs.slice(0, -1), Math.max(0, (arcs.at(-1) ?? 1) - 1)];
    const lie = (vb: RequestVarbind): Varbind => [
      lying === "repeat" ? vb.oidTlv : encodeOid(lying === "endless" ? [...vb.arcs, 1] : backwards(vb.arcs)),
      encodeValue(Type.Integer32, 1),
    ];
    return encodeResponse(req, 0, 0, req.varbinds.map(lie));
  }

  let out: Varbind[] = [];
  switch (req.pduType) {
    case PDU.get:
      for (const [k, vb] of req.varbinds.entries()) {
        const i = findRecord(records, vb.arcs);
        if (i >= 0 && !(v1 && (records[i] as SnmpRecord).type === Type.Counter64)) {
          out.push(served(i));
        } else if (v1) {
          return error(ERR.noSuchName, k + 1);
        } else {
          // noSuchInstance when the object (the OID less its last arc) has other instances.
          const parent = vb.arcs.slice(0, -1);
          const sibling = records[lowerBound(records, parent, true)];
          out.push([
            vb.oidTlv,
            sibling && isPrefix(parent, sibling.arcs) ? NO_SUCH_INSTANCE : NO_SUCH_OBJECT,
          ]);
        }
      }
      break;
    case PDU.getNext:
      for (const [k, vb] of req.varbinds.entries()) {
        const i = after(vb.arcs);
        if (i < records.length) out.push(served(i));
        else if (v1) return error(ERR.noSuchName, k + 1);
        else out.push([vb.oidTlv, END_OF_MIB_VIEW]);
      }
      break;
    case PDU.getBulk:
      if (v1) return undefined; // not a v1 PDU
      if (device.faults?.noBulk) return error(ERR.genErr, 0);
      out = bulk(req, records.length, after, served, (bytes) => size(bytes) <= maxSize);
      if (out.length === 0 && req.varbinds.length > 0) return error(ERR.tooBig, 0, []);
      break;
    case PDU.set:
      return error(v1 ? ERR.noSuchName : ERR.notWritable, 1);
    default:
      return undefined;
  }
  const bytes = out.reduce((n, [o, v]) => n + tlvSize(o.length + v.length), 0);
  if (size(bytes) > maxSize) {
    // RFC 1157: the request's varbinds come back; RFC 3416: an empty list.
    return v1 ? error(ERR.tooBig, 0) : error(ERR.tooBig, 0, []);
  }
  return encodeResponse(req, 0, 0, out);
}

function bulk(
  req: SnmpRequest,
  total: number,
  after: (arcs: number[]) => number,
  served: (i: number) => Varbind,
  fits: (varbindBytes: number) => boolean,
): Varbind[] {
  const out: Varbind[] = [];
  let bytes = 0;
  const add = (vb: Varbind) => {
    const size = tlvSize(vb[0].length + vb[1].length);
    if (!fits(bytes + size)) return false;
    out.push(vb);
    bytes += size;
    return true;
  };
  const n = req.varbinds.length;
  const nonRepeaters = Math.min(Math.max(req.a, 0), n);
  for (const vb of req.varbinds.slice(0, nonRepeaters)) {
    const i = after(vb.arcs);
    if (!add(i < total ? served(i) : [vb.oidTlv, END_OF_MIB_VIEW])) return out;
  }
  const repeaters = req.varbinds.slice(nonRepeaters);
  // Per column: the record index served last (-1: not yet) and the OID to repeat at the end of the MIB.
  const cursor = repeaters.map(() => -1);
  const lastOid = repeaters.map((vb) => vb.oidTlv);
  for (let rep = 0; rep < req.b && repeaters.length > 0; rep++) {
    let allEnded = true;
    for (const [j, vb] of repeaters.entries()) {
      const prev = cursor[j] as number;
      const i = prev < 0 ? after(vb.arcs) : prev + 1;
      let varbind: Varbind;
      if (i < total) {
        varbind = served(i);
        cursor[j] = i;
        lastOid[j] = varbind[0];
        allEnded = false;
      } else {
        cursor[j] = total;
        varbind = [lastOid[j] as Buffer, END_OF_MIB_VIEW];
      }
      if (!add(varbind)) return out;
    }
    if (allEnded) break; // every column is past the end: more rows would only repeat that
  }
  return out;
}

/** Deterministic broken replies: odd requests get half a reply, even ones garbage. */
function corrupt(reply: Buffer, n: number): Buffer {
  if (n % 2 === 1) return reply.subarray(0, Math.max(1, reply.length >> 1));
  const junk = Buffer.alloc(Math.max(8, reply.length >> 1), 0xa5);
  junk[0] = 0x30;
  junk[1] = 0x84; // a 4-byte length far larger than the datagram
  return junk;
}

/** Binds `address:port` and answers for the devices. Rejects with the bind error (e.g. EADDRINUSE). */
export function startAgent(options: AgentOptions): Promise<Agent> {
  const maxSize = options.maxResponseSize ?? 1400;
  const socket = dgram.createSocket({ type: "udp4" });
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const send = (reply: Buffer, port: number, address: string) => {
    if (!closed) socket.send(reply, port, address, () => {});
  };

  socket.on("message", (msg, rinfo) => {
    const req = decodeRequest(msg);
    if (!req) return;
    const device = options.devices.get(req.community.toString("latin1"));
    if (!device) return;
    const faults = device.faults;
    if (faults?.v1Only && req.version !== 0) return;
    device.requests++;
    if (faults?.dropAfter !== undefined && device.requests > faults.dropAfter) return;
    let reply = answer(device, req, maxSize);
    if (!reply) return;
    if (faults?.malformed) reply = corrupt(reply, device.requests);
    const delay = faults?.delayMs ?? 0;
    if (delay <= 0) return send(reply, rinfo.port, rinfo.address);
    const bytes = reply;
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(bytes, rinfo.port, rinfo.address);
    }, delay);
    timers.add(timer);
  });

  return new Promise((resolve, reject) => {
    socket.once("error", (err) => {
      closed = true;
      socket.close();
      reject(err);
    });
    socket.bind({ address: options.address, port: options.port, exclusive: true }, () => {
      socket.removeAllListeners("error");
      socket.on("error", () => {}); // a failed send must not bring the simulator down
      const close = () =>
        new Promise<void>((done) => {
          if (closed) return done();
          closed = true;
          for (const t of timers) clearTimeout(t);
          socket.close(() => done());
        });
      resolve({ address: options.address, port: socket.address().port, close });
    });
  });
}
