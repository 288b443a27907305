import assert from "node:assert/strict";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import asn1 from "asn1-ber";
import type snmp from "net-snmp";
import { answer, createDevice, decodeRequest, type Faults } from "./agent.ts";
import { encodeOid, parseOid, Type } from "./ber.ts";
import { type Simulator, startSimulator } from "./simulator.ts";
import { loadSnmprec } from "./snmprec.ts";
import {
  type ClientOptions,
  closeSession,
  expected,
  get,
  getBulk,
  getNext,
  openSession,
  type Vb,
  walk,
} from "./test-client.ts";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures");
const COLOR = join(FIXTURES, "generic-color-mfp.snmprec");
const MONO = join(FIXTURES, "generic-mono-printer.snmprec");
const colorRecording = loadSnmprec(COLOR);

/** Runs `fn` with a session and always closes it. */
async function withSession<T>(
  port: number,
  community: string,
  options: ClientOptions,
  fn: (s: snmp.Session) => Promise<T>,
): Promise<T> {
  const session = openSession(port, community, options);
  try {
    return await fn(session);
  } finally {
    closeSession(session);
  }
}

const isTimeout = (err: unknown) => (err as Error).name === "RequestTimedOutError";
const status = (err: unknown) => (err as { status?: number }).status;

/** A raw request, for what net-snmp cannot send or check (sizes, garbage). */
function encodeRequest(
  version: number,
  community: string,
  pdu: number,
  a: number,
  b: number,
  oids: string[],
) {
  const w = new asn1.BerWriter();
  w.startSequence();
  w.writeInt(version);
  w.writeBuffer(Buffer.from(community), 0x04);
  w.startSequence(pdu);
  w.writeInt(4242);
  w.writeInt(a);
  w.writeInt(b);
  w.startSequence();
  for (const oid of oids) {
    w.startSequence();
    w.writeBuffer(encodeOid(parseOid(oid) as number[]));
    w.writeBuffer(Buffer.from([0x05, 0x00]));
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

describe("agent over UDP (net-snmp client)", () => {
  let sim: Simulator;
  let port: number;
  before(async () => {
    sim = await startSimulator({ fixtures: [COLOR, MONO], port: 0 });
    port = sim.agents[0]?.port as number;
  });
  after(() => sim.close());

  it("a v2c walk of the whole recording returns the recording", async () => {
    const got = await withSession(port, "generic-color-mfp", {}, (s) => walk(s));
    assert.deepEqual(got, colorRecording.records.map(expected));
  });

  it("a v1 walk returns the recording without Counter64 values (RFC 3584)", async () => {
    const got = await withSession(port, "generic-color-mfp", { version: 1 }, (s) => walk(s));
    const want = colorRecording.records.filter((r) => r.type !== Type.Counter64).map(expected);
    assert.ok(want.length < colorRecording.records.length);
    assert.deepEqual(got, want);
  });

  it("v2c GET answers values and noSuchObject / noSuchInstance; GETNEXT ends with endOfMibView", async () => {
    await withSession(port, "generic-color-mfp", {}, async (s) => {
      const got = await get(s, [
        "1.3.6.1.2.1.1.5.0",
        "1.3.6.1.2.1.1.5.1", // sysName exists, this instance does not
        "1.3.6.1.2.1.43.10.2.1.4.1.9",
        "1.3.6.1.4.1.99.1.0",
        "1.3.6.1.2.1.31.1.1.1.6.2",
      ]);
      assert.deepEqual(
        got.map((v) => v.type),
        [Type.OctetString, Type.NoSuchInstance, Type.NoSuchInstance, Type.NoSuchObject, Type.Counter64],
      );
      assert.deepEqual(got[0]?.value, Buffer.from("MFP-2F-EAST"));
      assert.deepEqual(got[4]?.value, Buffer.from(48213958772n.toString(16).padStart(10, "0"), "hex"));
      const last = colorRecording.records.at(-1)?.oid as string;
      const next = await getNext(s, ["1.3.6.1.2.1.1.1.0", last]);
      assert.equal(next[0]?.oid, "1.3.6.1.2.1.1.2.0");
      assert.equal(next[1]?.type, Type.EndOfMibView);
      assert.equal(next[1]?.oid, last);
    });
  });

  it("v1 reports missing OIDs, Counter64 and the end of the MIB as noSuchName with the index", async () => {
    await withSession(port, "generic-color-mfp", { version: 1 }, async (s) => {
      for (const oids of [
        ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.5.1"],
        ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.31.1.1.1.6.2"],
      ]) {
        const err = await get(s, oids).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.equal(status(err), 2, String(err));
        assert.match((err as Error).message, new RegExp(`${oids[1]?.replaceAll(".", "\\.")}$`));
      }
      const last = colorRecording.records.at(-1)?.oid as string;
      await assert.rejects(getNext(s, [last]), (e) => status(e) === 2);
      const [sysName] = await get(s, ["1.3.6.1.2.1.1.5.0"]);
      assert.deepEqual(sysName?.value, Buffer.from("MFP-2F-EAST"));
    });
  });

  it("GETBULK serves non-repeaters and repeaters row by row, endOfMibView past the end", async () => {
    const last = colorRecording.records.at(-1)?.oid as string;
    const got = await withSession(port, "generic-color-mfp", {}, (s) =>
      getBulk(s, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.2.2.1.2", last], 1, 3),
    );
    assert.deepEqual(
      got.map((v) => [v.oid, v.type]),
      [
        ["1.3.6.1.2.1.1.2.0", Type.OID],
        ["1.3.6.1.2.1.2.2.1.2.1", Type.OctetString],
        [last, Type.EndOfMibView],
        ["1.3.6.1.2.1.2.2.1.2.2", Type.OctetString],
        [last, Type.EndOfMibView],
        ["1.3.6.1.2.1.2.2.1.3.1", Type.Integer32],
        [last, Type.EndOfMibView],
      ],
    );
  });

  it("cuts GETBULK to the size limit and answers tooBig to a GET that does not fit", async () => {
    const device = createDevice(colorRecording);
    const request = decodeRequest(encodeRequest(1, "c", 0xa5, 0, 1000, ["1.3.6"]));
    assert.ok(request);
    const bulk = answer(device, request);
    assert.ok(bulk && bulk.length <= 1400 && bulk.length > 1200, `bulk reply of ${bulk?.length} bytes`);
    const n = await withSession(port, "generic-color-mfp", {}, (s) => getBulk(s, ["1.3.6"], 0, 1000));
    assert.ok(n.length > 10 && n.length < colorRecording.records.length, `${n.length} varbinds`);

    // No Counter64: v1 would report it as noSuchName before the size.
    const oids = colorRecording.records.filter((r) => r.type !== Type.Counter64).map((r) => r.oid);
    await withSession(port, "generic-color-mfp", {}, async (s) => {
      await assert.rejects(get(s, oids), (e) => status(e) === 1);
    });
    await withSession(port, "generic-color-mfp", { version: 1 }, async (s) => {
      await assert.rejects(get(s, oids), (e) => status(e) === 1);
    });
  });

  it("does not answer a wrong community", async () => {
    await withSession(port, "private", { timeout: 300 }, async (s) => {
      await assert.rejects(get(s, ["1.3.6.1.2.1.1.1.0"]), isTimeout);
    });
    // With two recordings on one port, `public` selects neither.
    await withSession(port, "public", { timeout: 300 }, async (s) => {
      await assert.rejects(get(s, ["1.3.6.1.2.1.1.1.0"]), isTimeout);
    });
  });

  it("ignores malformed requests silently and keeps serving", async () => {
    const socket = dgram.createSocket("udp4");
    const replies: Buffer[] = [];
    socket.on("message", (m) => replies.push(m));
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    const good = encodeRequest(1, "generic-color-mfp", 0xa0, 0, 0, ["1.3.6.1.2.1.1.5.0"]);
    for (const bad of [
      Buffer.from("hello"),
      Buffer.alloc(0),
      good.subarray(0, good.length - 3),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      encodeRequest(3, "generic-color-mfp", 0xa0, 0, 0, ["1.3.6.1.2.1.1.5.0"]), // SNMPv3 framing is not ours
      encodeRequest(1, "generic-color-mfp", 0xa2, 0, 0, ["1.3.6.1.2.1.1.5.0"]), // a response, not a request
    ]) {
      socket.send(bad, port, "127.0.0.1");
    }
    socket.send(good, port, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    assert.equal(replies.length, 1);
    assert.ok(replies[0]?.includes(Buffer.from("MFP-2F-EAST")));
  });

  it("answers SET with notWritable (v2c) / noSuchName (v1)", async () => {
    for (const [version, code] of [
      [2, 17],
      [1, 2],
    ] as const) {
      await withSession(port, "generic-color-mfp", { version }, async (s) => {
        await assert.rejects(
          new Promise((ok, fail) =>
            s.set([{ oid: "1.3.6.1.2.1.1.5.0", type: Type.OctetString, value: "x" }], (e) =>
              e ? fail(e) : ok(e),
            ),
          ),
          (e) => status(e) === code,
        );
      });
    }
  });
});

describe("odd values", () => {
  let dir: string;
  let sim: Simulator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dp-sim-odd-"));
    writeFileSync(
      join(dir, "odd.snmprec"),
      [
        "1.3.6.1.2.1.1.1.0|4x|00ff10",
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.4294967295.16384", // (2.999 too, but net-snmp misreads it)
        "1.3.6.1.2.1.1.3.0|67|4294967295",
        "1.3.6.1.2.1.1.7.0|2|-2147483648",
        "1.3.6.1.2.1.4.20.1.1.192.0.2.200|64|192.0.2.200",
        "1.3.6.1.2.1.31.1.1.1.6.1|70|18446744073709551615",
        "1.3.6.1.2.1.31.1.1.1.6.2|70|9007199254740993",
        "1.3.6.1.4.1.32473.1.0|5|",
        "1.3.6.1.4.1.32473.2.0|68x|9f780441",
        "1.3.6.1.4.1.32473.4294967295.0|65|4294967295",
        "this line is broken",
      ].join("\n"),
    );
    sim = await startSimulator({ fixtures: dir, port: 0 });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("encodes them exactly, served by `public` and by the file name", async () => {
    assert.equal(sim.issues.length, 1);
    const want = loadSnmprec(join(dir, "odd.snmprec")).records.map(expected);
    for (const community of ["public", "odd"]) {
      const got: Vb[] = await withSession(sim.agents[0]?.port as number, community, {}, (s) =>
        walk(s, "1.3", 5),
      );
      assert.deepEqual(got, want);
    }
  });
});

describe("faults", () => {
  const faultsByAddress: Record<string, Faults> = {
    "127.0.20.1": { dropAfter: 2 },
    "127.0.20.2": { delayMs: 300 },
    "127.0.20.3": { malformed: true },
    "127.0.20.4": { wrongTypes: ["1.3.6.1.2.1.43.10.2.1.4", "1.3.6.1.2.1.1.2.0"] },
    "127.0.20.5": { v1Only: true },
    "127.0.20.6": { noBulk: true },
  };
  let sim: Simulator;
  const portOf = (address: string) => sim.agents.find((a) => a.address === address)?.port as number;
  const sysName = ["1.3.6.1.2.1.1.5.0"];
  before(async () => {
    sim = await startSimulator({
      fixtures: MONO,
      range: "127.0.20.1-127.0.20.6",
      port: 0,
      faults: (a) => faultsByAddress[a.address],
    });
  });
  after(() => sim.close());
  const session = <T>(address: string, options: ClientOptions, fn: (s: snmp.Session) => Promise<T>) =>
    withSession(portOf(address), "public", { address, timeout: 250, ...options }, fn);

  it("dropAfter: answers n requests, then nothing", async () => {
    await session("127.0.20.1", {}, async (s) => {
      await get(s, sysName);
      await get(s, sysName);
      await assert.rejects(get(s, sysName), isTimeout);
    });
  });

  it("delayMs: answers late", async () => {
    await session("127.0.20.2", {}, (s) => assert.rejects(get(s, sysName), isTimeout));
    const t0 = performance.now();
    await session("127.0.20.2", { timeout: 2000 }, (s) => get(s, sysName));
    assert.ok(performance.now() - t0 >= 290);
  });

  it("malformed: replies cannot be used, the agent lives on", async () => {
    await session("127.0.20.3", {}, async (s) => {
      for (let i = 0; i < 4; i++) await assert.rejects(get(s, sysName));
    });
  });

  it("wrongTypes: chosen OIDs come back as text", async () => {
    const got = await session("127.0.20.4", {}, (s) =>
      get(s, ["1.3.6.1.2.1.43.10.2.1.4.1.1", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0"]),
    );
    assert.deepEqual(got, [
      { oid: "1.3.6.1.2.1.43.10.2.1.4.1.1", type: Type.OctetString, value: Buffer.from("73561") },
      { oid: "1.3.6.1.2.1.1.2.0", type: Type.OctetString, value: Buffer.from("1.3.6.1.4.1.32473.2.2") },
      { oid: "1.3.6.1.2.1.1.5.0", type: Type.OctetString, value: Buffer.from("PRN-RECEPTION") },
    ]);
  });

  it("v1Only: silent to v2c, answers v1", async () => {
    await session("127.0.20.5", {}, (s) => assert.rejects(get(s, sysName), isTimeout));
    const [v] = await session("127.0.20.5", { version: 1 }, (s) => get(s, sysName));
    assert.deepEqual(v?.value, Buffer.from("PRN-RECEPTION"));
  });

  it("noBulk: GETBULK gets genErr, GETNEXT still works", async () => {
    await session("127.0.20.6", {}, async (s) => {
      await assert.rejects(getBulk(s, ["1.3.6"], 0, 10), (e) => status(e) === 5);
      const [v] = await getNext(s, ["1.3.6.1.2.1.1.5"]);
      assert.equal(v?.oid, "1.3.6.1.2.1.1.5.0");
    });
  });
});
