import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseScanTargets } from "../discover/targets.ts";
import { createDataDir, type Snmpsim, snmpsimSkipReason, startSnmpsim } from "../testing/snmpsim.ts";
import { runDiscovery } from "./discovery.ts";
import { runRefresh } from "./refresh.ts";
import { collectorFixtures } from "./testing.ts";

/** SNMPv3 discovery and refresh against Debian's snmpsimd (the project's simulator has no v3). */

const user = { name: "dp-scan", authKey: "auth-secret-1", privKey: "priv-secret-1" };
const stem = "color-mfp";

describe("discovery with an SNMPv3 user", { skip: snmpsimSkipReason({ needFixtures: false }) }, () => {
  let dir: string;
  let sim: Snmpsim;
  before(async () => {
    dir = createDataDir({
      [stem]: readFileSync(join(collectorFixtures, "generic-color-mfp.snmprec"), "utf8"),
    });
    sim = await startSnmpsim({
      dataDir: dir,
      v3User: { ...user, authProtocol: "SHA", privProtocol: "AES" },
    });
  });
  after(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const v3 = (authKey: string) => ({
    name: user.name,
    authProtocol: "sha" as const,
    authKey,
    privProtocol: "aes" as const,
    privKey: user.privKey,
    context: stem, // snmpsimd picks the recording by context
  });
  const snmp = { discoveryTimeoutMs: 500, timeoutMs: 1000, retries: 0 };

  test("found with the v3 user after the communities; its index follows them", async () => {
    const settings = { communities: ["nope", "neither"], v3Users: [v3("wrong-secret-9"), v3(user.authKey)] };
    const result = await runDiscovery({
      targets: parseScanTargets({ targets: [sim.host] }),
      port: sim.port,
      settings: { ...settings, ping: { enabled: false }, snmp },
    });
    assert.deepEqual(
      result.devices.map((d) => [d.record.ip, d.credential, d.snmpVersion, d.record.serial]),
      [[sim.host, 3, "3", "GIC4500X71234"]],
    );
    const refresh = await runRefresh({
      devices: [{ ip: sim.host, credential: 3 }],
      port: sim.port,
      settings: { ...settings, snmp },
    });
    assert.equal(refresh.devices[0]?.record.serial, "GIC4500X71234");
    assert.equal(refresh.devices[0]?.credential, 3);
  });

  test("every v3 user refused, no community answers: reported as such", async () => {
    const result = await runDiscovery({
      targets: parseScanTargets({ targets: [sim.host] }),
      port: sim.port,
      settings: { communities: ["nope"], v3Users: [v3("wrong-secret-9")], ping: { enabled: false }, snmp },
    });
    assert.equal(result.devices.length, 0);
    assert.deepEqual(result.report[0]?.skipped, { "snmpv3-refused": 1 });
  });
});
