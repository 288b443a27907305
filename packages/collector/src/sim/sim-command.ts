/**
 * `ice sim`: serve recordings as simulated printers until SIGINT/SIGTERM.
 *
 *   ice sim [--fixtures <dir>] [--range 127.0.10.1-127.0.10.254 | --port N] [--address A]
 *           [--pages-per-hour N] [--jam-rate N] [--paper-out-rate N] [--pages-per-supply N]
 *
 * Without --range every recording is served on 127.0.0.1 (or --address) and --port, selected by
 * community. Live behaviour is on when any of the live options is given.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LiveOptions } from "./live.ts";
import { startSimulator } from "./simulator.ts";

const USAGE = `usage: ice sim [--fixtures <dir|file>] [--range 127.0.10.1-127.0.10.254 | --port N] [--address 127.0.0.1]
               [--pages-per-hour N] [--jam-rate N] [--paper-out-rate N] [--pages-per-supply N]
  --fixtures         .snmprec folder or file (default: the collector's own fixtures)
  --range            one recording per address, round-robin; only 127.0.0.0/8 (default port 161)
  --port             UDP port (default 161); without --range all recordings share it, by community
  --pages-per-hour   pages each printer prints per hour (counters rise, toner falls)
  --jam-rate         jams per hour;  --paper-out-rate: paper-outs per hour
  --pages-per-supply pages a full toner lasts (default 5000)`;

const DEFAULT_FIXTURES = resolve(import.meta.dirname, "../../fixtures");

export interface SimCommandIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Stops the simulator like SIGINT (for tests). */
  signal?: AbortSignal;
}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got ${text}`);
  return n;
}

/** Runs `ice sim` with the arguments after `sim`; resolves with the exit code once stopped. */
export async function runSimCommand(argv: string[], io: SimCommandIo = {}): Promise<number> {
  const out = io.stdout ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = io.stderr ?? ((l: string) => process.stderr.write(`${l}\n`));
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        fixtures: { type: "string" },
        range: { type: "string" },
        address: { type: "string" },
        port: { type: "string" },
        "pages-per-hour": { type: "string" },
        "jam-rate": { type: "string" },
        "paper-out-rate": { type: "string" },
        "pages-per-supply": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      out(USAGE);
      return 0;
    }
    const port = number("port", values.port);
    if (port !== undefined && (!Number.isInteger(port) || port > 65535))
      throw new Error(`bad --port ${values.port}`);
    const live: LiveOptions = {};
    const set = (key: keyof LiveOptions, flag: string, text: string | undefined) => {
      const n = number(flag, text);
      if (n !== undefined) Object.assign(live, { [key]: n });
    };
    set("pagesPerHour", "pages-per-hour", values["pages-per-hour"]);
    set("jamRate", "jam-rate", values["jam-rate"]);
    set("paperOutRate", "paper-out-rate", values["paper-out-rate"]);
    set("pagesPerSupply", "pages-per-supply", values["pages-per-supply"]);
    sim = await startSimulator({
      fixtures: values.fixtures ?? DEFAULT_FIXTURES,
      ...(values.range !== undefined ? { range: values.range } : {}),
      ...(values.address !== undefined ? { address: values.address } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(Object.keys(live).length > 0 ? { live } : {}),
    });
  } catch (e) {
    err(`ice sim: ${(e as Error).message}`);
    err(USAGE.split("\n")[0] as string);
    return 2;
  }

  for (const i of sim.issues) err(`skipped ${i.file}:${i.line}: ${i.reason}`);
  for (const a of sim.agents) out(`${a.address}:${a.port}\tcommunity ${a.community}\t${a.file}`);
  out(`serving ${sim.agents.length} simulated printer(s); Ctrl-C to stop`);

  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      io.signal?.removeEventListener("abort", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener("abort", stop);
  });
  await sim.close();
  return 0;
}

// Runnable on its own until the `ice` CLI wires it: `npx node packages/collector/src/sim/sim-command.ts --port 1161`.
if (import.meta.main) process.exitCode = await runSimCommand(process.argv.slice(2));
