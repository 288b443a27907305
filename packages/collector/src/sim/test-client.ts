/**
 * Promise wrappers around net-snmp for the simulator's tests, and a comparable form of
 * recordings and answers (`{ oid, type, value }` with the value as net-snmp gives it).
 */
import snmp from "net-snmp";
import { Type } from "./ber.ts";
import type { SnmpRecord } from "./snmprec.ts";

export interface Vb {
  oid: string;
  type: number;
  value: unknown;
}

export interface ClientOptions {
  version?: 1 | 2;
  address?: string;
  timeout?: number;
  retries?: number;
}

export function openSession(port: number, community: string, options: ClientOptions = {}): snmp.Session {
  const session = snmp.createSession(options.address ?? "127.0.0.1", community, {
    port,
    version: options.version === 1 ? snmp.Version1 : snmp.Version2c,
    timeout: options.timeout ?? 1000,
    retries: options.retries ?? 0,
  });
  // Unparsable replies (fault tests) are emitted as "error"; unhandled, that would crash the test.
  session.on("error", () => {});
  return session;
}

const plain = (vbs: readonly snmp.Varbind[]): Vb[] =>
  vbs.map(({ oid, type, value }) => ({ oid, type: type as number, value }));

export function get(session: snmp.Session, oids: string[]): Promise<Vb[]> {
  return new Promise((resolve, reject) =>
    session.get(oids, (err, vbs) => (err ? reject(err) : resolve(plain(vbs ?? [])))),
  );
}

export function getNext(session: snmp.Session, oids: string[]): Promise<Vb[]> {
  return new Promise((resolve, reject) =>
    session.getNext(oids, (err, vbs) => (err ? reject(err) : resolve(plain(vbs ?? [])))),
  );
}

/** GETBULK; the answer flattened in the order of the PDU. */
export function getBulk(
  session: snmp.Session,
  oids: string[],
  nonRepeaters: number,
  maxRepetitions: number,
): Promise<Vb[]> {
  return new Promise((resolve, reject) =>
    session.getBulk(oids, nonRepeaters, maxRepetitions, (err, vbs) => {
      if (err) return reject(err);
      const list = (vbs ?? []) as (snmp.Varbind | snmp.Varbind[])[];
      const head = list.slice(0, nonRepeaters) as snmp.Varbind[];
      const columns = list.slice(nonRepeaters) as snmp.Varbind[][];
      const rows: snmp.Varbind[] = [];
      for (let r = 0; columns.some((c) => r < c.length); r++) {
        for (const c of columns) if (c[r]) rows.push(c[r] as snmp.Varbind);
      }
      resolve(plain([...head, ...rows]));
    }),
  );
}

/** Walks from `oid` to the end of the MIB (GETNEXT on v1, GETBULK on v2c), or to `limit` varbinds. */
export function walk(
  session: snmp.Session,
  oid = "1.3.6",
  maxRepetitions = 25,
  limit = Infinity,
): Promise<Vb[]> {
  const out: Vb[] = [];
  return new Promise((resolve, reject) =>
    session.walk(
      oid,
      maxRepetitions,
      (vbs) => {
        out.push(...plain(vbs));
        return out.length >= limit;
      },
      (err) => (err ? reject(err) : resolve(out.slice(0, limit))),
    ),
  );
}

/** A record as net-snmp would report it. */
export function expected(record: SnmpRecord): Vb {
  const v = record.value;
  let value: unknown = v;
  if (record.type === Type.OID) value = (v as number[]).join(".");
  else if (record.type === Type.IpAddress) value = [...(v as Buffer)].join(".");
  else if (record.type === Type.Counter64) value = counter64Bytes(BigInt(v as number));
  return { oid: record.oid, type: record.type, value };
}

/** Counter64 content bytes as net-snmp returns them (minimal two's complement). */
function counter64Bytes(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return Buffer.from(hex, "hex");
}

export const closeSession = (session: snmp.Session) => {
  try {
    session.close();
  } catch {
    // already closed
  }
};
