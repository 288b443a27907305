/**
 * `npm start` for now: serves simulated printers on loopback (127.0.10.x) and reads them with
 * the collector, over and over, so a newcomer sees counters rise and toner fall. The portal
 * takes over this command when it exists.
 *
 * Options: --fixtures DIR (default: the shared real-printer recordings when present, else the
 * repository's own), --interval SECONDS (default 20), --once (read once and exit).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { DeviceRecord } from "@device-portal/protocol";
import { createLogger } from "./log.ts";
import { loadProfiles } from "./profiles/catalog.ts";
import { readDevice } from "./read/read-device.ts";
import { listFixtures, startSimulator } from "./sim/simulator.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function defaultFixtures(): string {
  const shared = process.env.DP_SNMP_FIXTURES ?? resolve(repoRoot, "../shared/fixtures/snmp");
  return existsSync(shared) ? shared : resolve(repoRoot, "packages/collector/fixtures");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fixtures: { type: "string" },
      interval: { type: "string", default: "20" },
      once: { type: "boolean", default: false },
    },
  });
  const fixtures = values.fixtures ?? defaultFixtures();
  const interval = Math.max(1, Number(values.interval) || 20);
  // One address per recording, from 127.0.10.1 up.
  const count = Math.min(listFixtures(fixtures).length, 254);
  const sim = await startSimulator({
    fixtures,
    range: `127.0.10.1-127.0.10.${count}`,
    port: 0,
    live: { pagesPerHour: 3600 },
  });
  const agents = sim.agents;
  process.stdout.write(`Simulating ${agents.length} printers from ${fixtures} on 127.0.10.x\n`);
  const profiles = loadProfiles();
  const log = createLogger("error");
  const previous = new Map<string, DeviceRecord>();

  const readAll = async () => {
    const started = performance.now();
    const results = await Promise.all(
      agents.map((a) =>
        readDevice({
          host: a.address,
          port: a.port,
          communities: ["public"],
          timeoutMs: 1000,
          retries: 1,
          log,
          profiles,
        }).catch(() => undefined),
      ),
    );
    const rows: string[] = [];
    results.forEach((result, i) => {
      const agent = agents[i];
      if (!agent) return;
      if (result?.kind !== "printer") {
        rows.push(`${agent.address.padEnd(13)} ${result ? "not a printer" : "no answer"}`);
        return;
      }
      const r = result.record;
      const before = previous.get(agent.address)?.counters.total;
      const delta =
        before !== undefined && r.counters.total !== undefined ? ` (+${r.counters.total - before})` : "";
      previous.set(agent.address, r);
      const lowest = r.supplies
        .filter((s) => s.levelPercent !== null)
        .sort((a, b) => (a.levelPercent ?? 0) - (b.levelPercent ?? 0))[0];
      rows.push(
        [
          agent.address.padEnd(13),
          `${r.vendor ?? "?"} ${r.model ?? "?"}`.slice(0, 34).padEnd(34),
          (r.serial ?? "-").slice(0, 16).padEnd(16),
          `${r.counters.total ?? "-"}${delta}`.padEnd(16),
          lowest ? `${lowest.type}${lowest.color ? ` ${lowest.color}` : ""} ${lowest.levelPercent} %` : "",
          r.status.errors.length > 0 ? ` [${r.status.errors.join(", ")}]` : "",
        ].join(" "),
      );
    });
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`\n${new Date().toISOString()}  read ${agents.length} devices in ${ms} ms\n`);
    process.stdout.write(
      `${"address".padEnd(13)} ${"device".padEnd(34)} ${"serial".padEnd(16)} ${"total pages".padEnd(16)} lowest supply\n`,
    );
    process.stdout.write(`${rows.join("\n")}\n`);
  };

  await readAll();
  if (values.once) {
    await sim.close();
    return;
  }
  const timer = setInterval(() => void readAll(), interval * 1000);
  const stop = async () => {
    clearInterval(timer);
    await sim.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  process.stdout.write(`\nRe-reading every ${interval} s; Ctrl-C stops.\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
