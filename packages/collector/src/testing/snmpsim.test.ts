import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import snmp from "net-snmp";
import {
  createDataDir,
  findSnmpsimd,
  fixturesDir,
  type Snmpsim,
  type SnmpsimV3User,
  snmpsimSkipReason,
  startSnmpsim,
  udpPortIsFree,
} from "./snmpsim.ts";

const run = promisify(execFile);
const SYS_DESCR = "1.3.6.1.2.1.1.1.0";

/** One GET; resolves the varbind value as a string, rejects on timeout or error. */
function get(session: snmp.Session, oid: string): Promise<string> {
  return new Promise((resolveGet, reject) => {
    session.get([oid], (error, varbinds) => {
      if (error) return reject(error);
      const vb = varbinds?.[0];
      if (!vb || snmp.isVarbindError(vb)) return reject(new Error(`no value for ${oid}`));
      resolveGet(String(vb.value));
    });
  });
}

function v2cGet(sim: Snmpsim, community: string, oid: string): Promise<string> {
  const session = snmp.createSession(sim.host, community, {
    port: sim.port,
    version: snmp.Version2c,
    timeout: 1000,
    retries: 1,
  });
  return get(session, oid).finally(() => session.close());
}

/** The value of `oid` as recorded in a `.snmprec` line (plain OctetString only). */
function recorded(file: string, oid: string): string {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${oid}|4|`));
  assert.ok(line, `${oid} recorded as OctetString in ${file}`);
  return line.slice(`${oid}|4|`.length);
}

describe("fixturesDir / snmpsimSkipReason", () => {
  it("uses DP_SNMP_FIXTURES, else ../shared/fixtures/snmp beside the repository", () => {
    assert.equal(fixturesDir({ DP_SNMP_FIXTURES: "/x/y" }), "/x/y");
    assert.match(fixturesDir({}), /\/shared\/fixtures\/snmp$/);
  });

  it("skips with a reason when snmpsimd is absent, and fails under DP_REQUIRE_SNMPSIM=1", () => {
    const env = { PATH: "/nonexistent", DP_SNMP_FIXTURES: "/nonexistent" };
    assert.match(snmpsimSkipReason({ env }) ?? "", /snmpsimd not found/);
    assert.throws(
      () => snmpsimSkipReason({ env: { ...env, DP_REQUIRE_SNMPSIM: "1" } }),
      /DP_REQUIRE_SNMPSIM/,
    );
  });

  it("skips with a reason when the recordings folder is absent", {
    skip: findSnmpsimd() ? false : "no snmpsimd",
  }, () => {
    const env = {
      PATH: process.env.PATH,
      DP_SNMP_FIXTURES: "/nonexistent/fixtures",
      DP_REQUIRE_SNMPSIM: "1",
    };
    assert.match(snmpsimSkipReason({ env }) ?? "", /no SNMP recordings in \/nonexistent\/fixtures/);
    assert.equal(snmpsimSkipReason({ env, needFixtures: false }), undefined);
  });
});

describe("snmpsim harness with the shared recordings", { skip: snmpsimSkipReason() }, () => {
  let sim: Snmpsim;
  before(async () => {
    sim = await startSnmpsim({ dataDir: fixturesDir() });
  });
  after(async () => {
    await sim?.stop();
  });

  it("serves every recording by community on 127.0.0.1", async () => {
    assert.equal(sim.host, "127.0.0.1");
    assert.ok(sim.communities.includes("hp_laserjet-mfp-m130nw"));
    const file = join(sim.dataDir, "hp_laserjet-mfp-m130nw.snmprec");
    assert.equal(await v2cGet(sim, "hp_laserjet-mfp-m130nw", SYS_DESCR), recorded(file, SYS_DESCR));
  });

  it("frees the port on stop", async () => {
    const port = sim.port;
    assert.equal(await udpPortIsFree(port), false, "snmpsimd holds the port while running");
    await sim.stop();
    assert.equal(await udpPortIsFree(port), true, "port freed after stop()");
    await sim.stop(); // idempotent
  });
});

describe("snmpsim harness with a temporary data dir and SNMPv3", {
  skip: snmpsimSkipReason({ needFixtures: false }),
}, () => {
  const user: SnmpsimV3User = {
    name: "dp-test",
    authKey: "auth-secret-1",
    authProtocol: "SHA",
    privKey: "priv-secret-1",
    privProtocol: "AES",
  };
  let dir: string;
  let sim: Snmpsim;
  before(async () => {
    dir = createDataDir({
      "test-printer": [
        "1.3.6.1.2.1.1.1.0|4|Test Printer 1000",
        "1.3.6.1.2.1.1.3.0|67|12345",
        "1.3.6.1.2.1.43.10.2.1.4.1.1|65|4242",
      ].join("\n"),
    });
    sim = await startSnmpsim({ dataDir: dir, v3User: user });
  });
  after(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers v2c for a recording written at test time", async () => {
    assert.deepEqual(sim.communities, ["test-printer"]);
    assert.equal(await v2cGet(sim, "test-printer", SYS_DESCR), "Test Printer 1000");
    assert.equal(await v2cGet(sim, "test-printer", "1.3.6.1.2.1.43.10.2.1.4.1.1"), "4242");
  });

  it("answers SNMPv3 authPriv (SHA/AES) through net-snmp, context = recording stem", async () => {
    const session = snmp.createV3Session(
      sim.host,
      {
        name: user.name,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha,
        authKey: user.authKey as string,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: user.privKey as string,
      },
      { port: sim.port, context: "test-printer", timeout: 1000, retries: 1 },
    );
    try {
      assert.equal(await get(session, SYS_DESCR), "Test Printer 1000");
    } finally {
      session.close();
    }
  });

  it("rejects a wrong SNMPv3 auth key", async () => {
    const session = snmp.createV3Session(
      sim.host,
      {
        name: user.name,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha,
        authKey: "wrong-secret-1",
        privProtocol: snmp.PrivProtocols.aes,
        privKey: user.privKey as string,
      },
      { port: sim.port, context: "test-printer", timeout: 300, retries: 0 },
    );
    try {
      await assert.rejects(get(session, SYS_DESCR));
    } finally {
      session.close();
    }
  });

  it("answers `snmpget -v3` from Debian's snmp package", async (t) => {
    const args = ["-v3", "-l", "authPriv", "-u", user.name, "-a", "SHA", "-A", user.authKey as string];
    args.push("-x", "AES", "-X", user.privKey as string, "-n", "test-printer", "-t", "1", "-r", "1");
    args.push("-Ovq", `${sim.host}:${sim.port}`, SYS_DESCR);
    let stdout: string;
    try {
      ({ stdout } = await run("snmpget", args));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        t.skip("snmpget not found (Debian: apt-get install snmp)");
        return;
      }
      throw err;
    }
    assert.equal(stdout.trim(), '"Test Printer 1000"');
  });
});
