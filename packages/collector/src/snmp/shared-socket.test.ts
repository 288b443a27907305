import assert from "node:assert/strict";
import dgram from "node:dgram";
import { EventEmitter } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import asn1 from "asn1-ber";
import snmp from "net-snmp";
import { createMemoryLogger } from "../log.ts";
import { type Simulator, startSimulator } from "../sim/simulator.ts";
import { SnmpClient } from "./client.ts";
import { messageIdOf, newTrafficCounter, SharedUdp, type TrafficCounter } from "./shared-socket.ts";

/** Many net-snmp sessions over a few sockets, against the simulator on 200 loopback addresses. */

const dir = mkdtempSync(join(tmpdir(), "dp-shared-socket-"));
const recording = join(dir, "agent.snmprec");
writeFileSync(
  recording,
  [
    "1.3.6.1.2.1.1.1.0|4|Shared socket test agent",
    "1.3.6.1.2.1.1.5.0|4|agent",
    ...Array.from({ length: 40 }, (_, i) => `1.3.6.1.4.1.99999.2.${i + 1}|2|${i}`),
    "",
  ].join("\n"),
);

const agents = 200;
let sim: Simulator;
before(async () => {
  sim = await startSimulator({ fixtures: [recording], range: `127.0.46.1-127.0.46.${agents}`, port: 0 });
});
after(() => sim.close());

function clientFor(
  udp: SharedUdp,
  agent: { address: string; port: number },
  counter?: TrafficCounter,
): SnmpClient {
  return new SnmpClient(
    {
      host: agent.address,
      port: agent.port,
      credentials: { version: "2c", community: "public" },
      timeoutMs: 2000,
      retries: 1,
    },
    { log: createMemoryLogger(), maxRepetitions: 10, dgramModule: udp.dgramModule(counter) },
  );
}

describe("SharedUdp", () => {
  test("200 concurrent sessions over 2 sockets: each gets its own agent's answers", async () => {
    const udp = await SharedUdp.open({ sockets: 2 });
    assert.equal(udp.ports.length, 2);
    const counters = sim.agents.map(() => newTrafficCounter());
    const clients = sim.agents.map((a, i) => clientFor(udp, a, counters[i]));
    assert.equal(udp.openHandles, agents);
    const results = await Promise.all(
      clients.map(async (c) => ({
        sys: await c.get(["1.3.6.1.2.1.1.1.0"]),
        rows: await c.walk("1.3.6.1.4.1.99999.2"),
      })),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(r.sys.size, 1, `agent ${i} answered`);
      assert.equal(r.rows.length, 40, `agent ${i}'s walk is complete`);
      const c = counters[i] as TrafficCounter;
      assert.equal(c.packetsSent, c.packetsReceived, "every request answered once, no stray datagram");
      assert.ok(c.bytesSent > 0 && c.bytesReceived > c.bytesSent);
    }
    for (const c of clients) c.close();
    assert.equal(udp.openHandles, 0);
    assert.equal(udp.unrouted, 0);
    await udp.close();
  });

  test("two sessions to the same agent at once both get their answers", async () => {
    const udp = await SharedUdp.open();
    const agent = sim.agents[0] as (typeof sim.agents)[number];
    const [a, b] = [clientFor(udp, agent), clientFor(udp, agent)];
    const [ra, rb] = await Promise.all([a.walk("1.3.6.1.4.1.99999.2"), b.walk("1.3.6.1.4.1.99999.2")]);
    assert.equal(ra.length, 40);
    assert.equal(rb.length, 40);
    a.close();
    b.close();
    await udp.close();
  });

  test("closing fails pending requests at once and drops later answers", async () => {
    const udp = await SharedUdp.open();
    // A port nothing answers on: the request would wait for its timeout.
    const c = new SnmpClient(
      {
        host: "127.0.46.250",
        port: 9,
        credentials: { version: "2c", community: "public" },
        timeoutMs: 10_000,
        retries: 0,
      },
      { log: createMemoryLogger(), dgramModule: udp.dgramModule() },
    );
    const started = performance.now();
    const pending = c.get(["1.3.6.1.2.1.1.1.0"]);
    setTimeout(() => void udp.close(), 50);
    assert.equal((await pending).size, 0);
    assert.ok(performance.now() - started < 5000, "did not wait for the 10 s timeout");
    assert.throws(() => udp.dgramModule().createSocket(), /closed/);
  });

  test("the gate is asked before every datagram", async () => {
    let asked = 0;
    const udp = await SharedUdp.open({
      gate: {
        take: () => {
          asked++;
          return undefined;
        },
      },
    });
    const counter = newTrafficCounter();
    const c = clientFor(udp, sim.agents[1] as (typeof sim.agents)[number], counter);
    await c.walk("1.3.6.1.4.1.99999.2");
    c.close();
    await udp.close();
    assert.ok(asked > 1);
    assert.equal(asked, counter.packetsSent);
  });

  test("an answer from another address of the agent is matched by its request id", async () => {
    // A relay: requests to 127.0.46.240 go to agent 1, whose answers come back from 127.0.46.241.
    const agent = sim.agents[2] as (typeof sim.agents)[number];
    const front = dgram.createSocket("udp4");
    const back = dgram.createSocket("udp4");
    await new Promise<void>((r) => front.bind(0, "127.0.46.240", () => r()));
    await new Promise<void>((r) => back.bind(0, "127.0.46.241", () => r()));
    let client: { address: string; port: number } | undefined;
    front.on("message", (msg, rinfo) => {
      client = rinfo;
      back.send(msg, agent.port, agent.address);
    });
    back.on("message", (msg) => {
      if (client) back.send(msg, client.port, client.address);
    });
    const udp = await SharedUdp.open();
    const c = clientFor(udp, { address: "127.0.46.240", port: front.address().port });
    const values = await c.get(["1.3.6.1.2.1.1.5.0"]);
    c.close();
    await udp.close();
    front.close();
    back.close();
    assert.equal(values.size, 1);
    assert.ok(udp.rerouted >= 1);
  });
});

describe("messageIdOf", () => {
  /** The first datagram a net-snmp session sends, captured instead of sent. */
  function firstDatagram(open: (dgramModule: unknown) => snmp.Session): Promise<Buffer> {
    return new Promise((resolve) => {
      const fake = Object.assign(new EventEmitter(), {
        send: (buf: Buffer, offset: number, length: number) =>
          resolve(Buffer.from(buf.subarray(offset, offset + length))),
        close: () => {},
        ref: () => {},
        unref: () => {},
      });
      const session = open({ createSocket: () => fake });
      session.on("error", () => {});
      session.get(["1.3.6.1.2.1.1.1.0"], () => {});
      setImmediate(() => session.close());
    });
  }

  test("reads the request id of v1 and v2c requests", async () => {
    for (const version of [snmp.Version1, snmp.Version2c]) {
      const buf = await firstDatagram((dgramModule) =>
        snmp.createSession("127.0.46.1", "public", { version, dgramModule, port: 9 }),
      );
      const reader = new asn1.BerReader(buf);
      reader.readSequence();
      reader.readInt();
      reader.readString(0x04, true);
      reader.readSequence(reader.peek() as number);
      assert.equal(messageIdOf(buf), reader.readInt());
    }
  });

  test("reads the message id of v3 requests", async () => {
    const buf = await firstDatagram((dgramModule) =>
      snmp.createV3Session(
        "127.0.46.1",
        { name: "u", level: snmp.SecurityLevel.noAuthNoPriv },
        { dgramModule, port: 9 },
      ),
    );
    const reader = new asn1.BerReader(buf);
    reader.readSequence();
    assert.equal(reader.readInt(), 3);
    reader.readSequence();
    assert.equal(messageIdOf(buf), reader.readInt());
  });

  test("undefined for anything else", () => {
    assert.equal(messageIdOf(Buffer.from([])), undefined);
    assert.equal(messageIdOf(Buffer.from("not snmp")), undefined);
    assert.equal(messageIdOf(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x09])), undefined);
  });
});
