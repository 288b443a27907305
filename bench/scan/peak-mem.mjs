// Preloaded into the measured process (`node --import bench/scan/peak-mem.mjs <entry> …`): when
// the process exits normally, it writes its own VmHWM (peak resident set, kB, from
// /proc/self/status) to the file named by env DP_BENCH_PEAK_FILE. That is the exact peak; the
// bench's polling of /proc/<pid>/status can miss growth in the last moments before exit.
// Plain JavaScript on purpose: a .ts preload would make Node load its type stripper into the
// measured process (~18 MB), inflating the figure of a bundled (.mjs) collector.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.env.DP_BENCH_PEAK_FILE;
// Not passed on to the process's own children.
delete process.env.DP_BENCH_PEAK_FILE;
if (file) {
  process.on("exit", () => {
    try {
      const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
      if (kb) writeFileSync(file, kb);
    } catch {
      // best effort: the poller's figure stands
    }
  });
}
