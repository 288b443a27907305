import assert from "node:assert/strict";
import { test } from "node:test";
import { readSettings } from "./settings.ts";

test("the protocol's example settings", () => {
  const warnings: string[] = [];
  const raw = {
    version: 7,
    targets: ["192.0.2.0/24", "198.51.100.10-198.51.100.60", "203.0.113.5"],
    exclusions: ["192.0.2.1"],
    communities: ["public", "private"],
    v3Users: [
      { name: "monitor", authProtocol: "sha256", authKey: "a-key", privProtocol: "aes", privKey: "p-key" },
    ],
    ping: { enabled: true, timeoutMs: 1000, retries: 1 },
    snmp: { discoveryTimeoutMs: 1000, timeoutMs: 1000, retries: 1 },
    concurrency: 512,
    packetsPerSecond: 2000,
    maxAddresses: 65536,
    discoveryIntervalMinutes: 720,
    refreshIntervalMinutes: 20,
    knownDevices: [{ ip: "192.0.2.15", credential: 0 }],
  };
  const s = readSettings(raw, (w) => warnings.push(w));
  assert.deepEqual(warnings, []);
  assert.equal(s.raw, raw, "kept as sent, for the scan file's settings digest");
  assert.equal(s.version, 7);
  assert.deepEqual(s.exclusions, ["192.0.2.1"]);
  assert.deepEqual(s.v3Users, [
    { name: "monitor", authProtocol: "sha256", authKey: "a-key", privProtocol: "aes", privKey: "p-key" },
  ]);
  assert.deepEqual(s.knownDevices, [{ ip: "192.0.2.15", credential: 0 }]);
  assert.deepEqual(s.scan, {
    ping: { enabled: true, timeoutMs: 1000, retries: 1 },
    snmp: { discoveryTimeoutMs: 1000, timeoutMs: 1000, retries: 1 },
    concurrency: 512,
    packetsPerSecond: 2000,
    maxAddresses: 65536,
    communities: ["public", "private"],
    v3Users: s.v3Users,
  });
});

test("missing fields take the defaults", () => {
  const s = readSettings({ version: 1 });
  assert.deepEqual(
    [s.targets, s.exclusions, s.communities, s.v3Users, s.knownDevices],
    [[], [], ["public"], [], []],
  );
  assert.equal(s.discoveryIntervalMinutes, 720);
  assert.equal(s.refreshIntervalMinutes, 20);
});

test("unusable values take the default with a warning; credential numbering is kept", () => {
  const warnings: string[] = [];
  const s = readSettings(
    {
      targets: "192.0.2.0/24",
      refreshIntervalMinutes: 0,
      discoveryIntervalMinutes: "often",
      v3Users: [{ authKey: "k" }, { name: "second", authKey: "k2", authProtocol: "rot13" }],
      knownDevices: [{ ip: "192.0.2.9", credential: 2 }, { ip: "printer.local", credential: 0 }, "x"],
    },
    (w) => warnings.push(w),
  );
  assert.deepEqual(s.targets, []);
  assert.equal(s.refreshIntervalMinutes, 20);
  assert.equal(s.discoveryIntervalMinutes, 720);
  // The nameless user keeps its place, so "second" is still credential 2 (after "public").
  assert.deepEqual(
    s.v3Users.map((u) => u.name),
    ["(invalid)", "second"],
  );
  assert.equal(s.v3Users[1]?.authProtocol, "sha");
  assert.deepEqual(s.knownDevices, [{ ip: "192.0.2.9", credential: 2 }]);
  assert.equal(warnings.length, 6, warnings.join("\n"));
  assert.ok(warnings.every((w) => w.startsWith("settings: ")));
});

test("not an object", () => {
  const warnings: string[] = [];
  const s = readSettings(null, (w) => warnings.push(w));
  assert.equal(warnings.length, 1);
  assert.deepEqual(s.communities, ["public"]);
});
