import assert from "node:assert/strict";
import dgram from "node:dgram";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { runSimCommand } from "./sim-command.ts";
import { parseRange, type Simulator, startSimulator } from "./simulator.ts";
import { closeSession, get, openSession } from "./test-client.ts";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures");
const SYS_DESCR = "1.3.6.1.2.1.1.1.0";

async function sysDescr(port: number, community: string, address = "127.0.0.1"): Promise<string | undefined> {
  const s = openSession(port, community, { address, timeout: 300 });
  try {
    const [v] = await get(s, [SYS_DESCR]);
    return (v?.value as Buffer | undefined)?.toString();
  } catch (err) {
    if ((err as Error).name === "RequestTimedOutError") return undefined;
    throw err;
  } finally {
    closeSession(s);
  }
}

describe("addresses", () => {
  it("expands ranges across octets and refuses anything outside 127.0.0.0/8", () => {
    const range = parseRange("127.0.10.1-127.0.13.232");
    assert.equal(range.length, 1000);
    assert.equal(range[255], "127.0.11.0");
    assert.equal(range.at(-1), "127.0.13.232");
    assert.deepEqual(parseRange("127.0.0.5, 127.0.0.7-127.0.0.8"), ["127.0.0.5", "127.0.0.7", "127.0.0.8"]);
    assert.throws(() => parseRange("10.0.0.1-10.0.0.5"), /only uses 127\.0\.0\.0\/8/);
    assert.throws(() => parseRange("127.255.255.255-128.0.0.1"), /128\.0\.0\.1/);
    assert.throws(() => parseRange("127.0.0.9-127.0.0.1"), /empty/);
    assert.throws(() => parseRange("localhost"), /not an IPv4/);
  });

  it("startSimulator refuses a non-loopback address before binding anything", async () => {
    await assert.rejects(startSimulator({ fixtures: FIXTURES, address: "0.0.0.0", port: 0 }), /refusing/);
    await assert.rejects(startSimulator({ fixtures: FIXTURES, range: "192.0.2.1", port: 0 }), /refusing/);
  });
});

describe("layouts", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ fixtures: FIXTURES, range: "127.0.10.1-127.0.10.5", port: 0 });
  });
  after(() => sim.close());

  it("a range gets the recordings round-robin, each answering to public and to its name", async () => {
    assert.deepEqual(
      sim.agents.map((a) => [a.address, a.community]),
      [
        ["127.0.10.1", "generic-color-mfp"],
        ["127.0.10.2", "generic-mono-printer"],
        ["127.0.10.3", "generic-color-mfp"],
        ["127.0.10.4", "generic-mono-printer"],
        ["127.0.10.5", "generic-color-mfp"],
      ],
    );
    for (const a of sim.agents) {
      const want = a.community === "generic-color-mfp" ? /C4500/ : /P3010/;
      assert.match((await sysDescr(a.port, "public", a.address)) ?? "", want);
      assert.match((await sysDescr(a.port, a.community, a.address)) ?? "", want);
    }
    const mono = sim.agents[1];
    assert.equal(await sysDescr(mono?.port as number, "generic-color-mfp", mono?.address), undefined);
  });

  it("one port serves every recording by community", async () => {
    const one = await startSimulator({ fixtures: FIXTURES, port: 0 });
    try {
      const port = one.agents[0]?.port as number;
      assert.ok(one.agents.every((a) => a.port === port && a.address === "127.0.0.1"));
      assert.match((await sysDescr(port, "generic-color-mfp")) ?? "", /C4500/);
      assert.match((await sysDescr(port, "generic-mono-printer")) ?? "", /P3010/);
    } finally {
      await one.close();
    }
  });

  it("says clearly when the port is taken", async () => {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    try {
      const { port } = socket.address();
      await assert.rejects(
        startSimulator({ fixtures: FIXTURES, port }),
        new RegExp(`127\\.0\\.0\\.1:${port} is already in use`),
      );
    } finally {
      socket.close();
    }
  });

  it("serves 1,000 printers from one process cheaply", async () => {
    const t0 = performance.now();
    const many = await startSimulator({ fixtures: FIXTURES, range: "127.0.10.1-127.0.13.232", port: 0 });
    try {
      assert.equal(many.agents.length, 1000);
      const last = many.agents[999];
      assert.equal(last?.address, "127.0.13.232");
      assert.match((await sysDescr(last?.port as number, "public", last?.address)) ?? "", /P3010/);
      assert.ok(performance.now() - t0 < 3000, `${Math.round(performance.now() - t0)} ms`);
    } finally {
      await many.close();
    }
  });
});

describe("ice sim command", () => {
  it("prints who serves what, runs until stopped, and refuses non-loopback addresses", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) };
    assert.equal(await runSimCommand(["--range", "10.1.1.1-10.1.1.3"], io), 2);
    assert.match(err.join("\n"), /refusing to serve on 10\.1\.1\.1/);
    assert.equal(await runSimCommand(["--bogus"], io), 2);

    const stop = new AbortController();
    const running = runSimCommand(["--fixtures", FIXTURES, "--port", "0", "--pages-per-hour", "100"], {
      ...io,
      signal: stop.signal,
    });
    while (!out.some((l) => l.startsWith("serving"))) await new Promise((r) => setTimeout(r, 10));
    const line = out.find((l) => l.includes("community generic-mono-printer")) as string;
    const port = Number(/^127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
    assert.match((await sysDescr(port, "generic-mono-printer")) ?? "", /P3010/);
    stop.abort();
    assert.equal(await running, 0);
    assert.equal(await sysDescr(port, "generic-mono-printer"), undefined);
  });
});
