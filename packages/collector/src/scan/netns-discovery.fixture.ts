/**
 * Run inside a network namespace by discovery-netns.test.ts (never on the machine itself): serves
 * one printer and one switch on 127.0.60.x, runs a discovery with ping of 127.0.60.0/27 and prints
 * the result as JSON. The test's nftables rules drop every other address of the subnet, so those
 * answer neither ping nor SNMP, like absent hosts.
 */
import { parseScanTargets } from "../discover/targets.ts";
import { createLogger } from "../log.ts";
import { runDiscovery } from "./discovery.ts";
import { serveDevices, switchRecording } from "./testing.ts";

const method = (process.argv[2] ?? "auto") as "auto" | "fping" | "ping";
const net = await serveDevices([
  { address: "127.0.60.10", community: "public", recording: "generic-color-mfp.snmprec" },
  { address: "127.0.60.11", community: "public", recording: switchRecording },
]);
try {
  const result = await runDiscovery({
    targets: parseScanTargets({ targets: ["127.0.60.0/27"] }),
    port: net.port,
    settings: {
      ping: { enabled: true, timeoutMs: 200, retries: 1, method },
      snmp: { discoveryTimeoutMs: 200, timeoutMs: 1000, retries: 0 },
    },
    log: createLogger("warn", (l) => process.stderr.write(`${l}\n`)),
  });
  process.stdout.write(JSON.stringify(result));
} finally {
  await net.close();
}
