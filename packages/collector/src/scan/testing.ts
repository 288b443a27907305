/**
 * Test helpers for scans: simulated devices on chosen loopback addresses, all on one UDP port
 * (a scan uses one SNMP port for every address), each with its own recording and community.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Faults } from "../sim/agent.ts";
import type { LiveOptions } from "../sim/live.ts";
import { type Simulator, startSimulator } from "../sim/simulator.ts";

export const collectorFixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** A managed switch: answers SNMP, has HOST-RESOURCES devices, none of them a printer. */
export const switchRecording = [
  "1.3.6.1.2.1.1.1.0|4|Example 24-port managed switch, firmware 3.1",
  "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.32473.9.1",
  "1.3.6.1.2.1.1.3.0|67|1234567",
  "1.3.6.1.2.1.1.5.0|4|core-sw-1",
  ...Array.from({ length: 24 }, (_, i) => `1.3.6.1.2.1.2.2.1.3.${i + 1}|2|6`),
  ...Array.from(
    { length: 24 },
    (_, i) => `1.3.6.1.2.1.2.2.1.6.${i + 1}|4x|00005e0010${(i + 16).toString(16)}`,
  ),
  "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.3",
  "1.3.6.1.2.1.25.3.2.1.2.2|6|1.3.6.1.2.1.25.3.1.4",
  "",
].join("\n");

export interface SimulatedDevice {
  address: string;
  /** The community it answers (besides "public"): the recording is served under this name. */
  community: string;
  /** A fixture file name of the collector's fixtures, or recording text. */
  recording: string;
  faults?: Faults;
}

export interface SimulatedNetwork {
  port: number;
  sims: Simulator[];
  close(): Promise<void>;
}

/** Starts one simulator per device, all on one free port, trying a few random ports. */
export async function serveDevices(
  devices: readonly SimulatedDevice[],
  live?: LiveOptions,
): Promise<SimulatedNetwork> {
  const dir = mkdtempSync(join(tmpdir(), "dp-scan-"));
  const files = devices.map((d, i) => {
    // One folder per device: the file name is the community, and two devices may share one.
    const folder = join(dir, String(i));
    mkdirSync(folder);
    const path = join(folder, `${d.community}.snmprec`);
    if (d.recording.includes("|")) writeFileSync(path, d.recording);
    else copyFileSync(join(collectorFixtures, d.recording), path);
    return path;
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const sims: Simulator[] = [];
    try {
      for (const [i, d] of devices.entries()) {
        sims.push(
          await startSimulator({
            fixtures: [files[i] as string],
            range: d.address,
            port,
            ...(live && { live }),
            ...(d.faults && { faults: d.faults }),
          }),
        );
      }
      return { port, sims, close: async () => void (await Promise.all(sims.map((s) => s.close()))) };
    } catch (err) {
      lastError = err;
      await Promise.all(sims.map((s) => s.close()));
    }
  }
  throw lastError;
}
