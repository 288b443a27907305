import { findExecutable, fpingPinger, type Pinger, type PingTiming, systemPinger } from "../discover/ping.ts";
import type { Logger } from "../log.ts";
import type { PingSettings } from "./settings.ts";

/** Where the ping tools are: a path, false to leave one out, or undefined to look on PATH. */
export interface PingTools {
  fping?: string | false;
  ping?: string | false;
}

/**
 * The pingers to use, best first: fping (one process for a batch), then iputils ping (one process
 * per address). A tool that is not installed is left out with a log line saying so.
 */
export function choosePingers(
  settings: PingSettings,
  timing: PingTiming,
  tools: PingTools,
  log: Logger,
): Pinger[] {
  const method = settings.method ?? "auto";
  const pingers: Pinger[] = [];
  if (method !== "ping" && tools.fping !== false) {
    const path = findExecutable(tools.fping ?? "fping");
    if (path) pingers.push(fpingPinger(path, timing));
    else log.info(`fping not found (${tools.fping ?? "not on PATH"}; Debian: apt-get install fping)`);
  }
  if (method !== "fping" && tools.ping !== false) {
    const path = findExecutable(tools.ping ?? "ping");
    if (path) pingers.push(systemPinger(path, timing));
    else log.info(`ping not found (${tools.ping ?? "not on PATH"}; Debian: apt-get install iputils-ping)`);
  }
  if (pingers.length === 0) log.warn("no usable ping tool (fping, ping): every address gets the SNMP probe");
  else if (pingers[0]?.method === "ping" && method === "auto")
    log.warn(`fping not found: pinging with ${pingers[0].path}, one process per address (slower)`);
  return pingers;
}
