import { networkInterfaces } from "node:os";
import { parseArgs } from "node:util";
import type { InterfaceTable, SuggestedRange } from "../discover/suggest-range.ts";
import { suggestRanges } from "../discover/suggest-range.ts";

const usage = `usage: ice suggest-range [--json] [--include-loopback]

Proposes scan ranges from this host's IPv4 networks: one CIDR per line, then the interface.
exit codes: 0 proposed, 2 no usable network found, 1 usage error`;

/** Where the command reads and writes; tests replace it. */
export interface SuggestRangeIo {
  networkInterfaces(): InterfaceTable;
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: SuggestRangeIo = {
  networkInterfaces,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function runSuggestRangeCommand(
  argv: string[],
  io: SuggestRangeIo = processIo,
): Promise<number> {
  let values: { json: boolean; "include-loopback": boolean; help: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean", default: false },
        "include-loopback": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    io.stderr(`ice suggest-range: ${(err as Error).message}\n${usage}\n`);
    return 1;
  }
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const ranges = suggestRanges(io.networkInterfaces(), { includeLoopback: values["include-loopback"] });
  if (values.json) io.stdout(`${JSON.stringify(ranges, null, 2)}\n`);
  else if (ranges.length > 0) io.stdout(`${formatTable(ranges)}\n`);
  if (ranges.length === 0) {
    const hint = values["include-loopback"] ? "" : " (loopback is left out; --include-loopback adds it)";
    io.stderr(`ice suggest-range: no IPv4 network found on this host's interfaces${hint}\n`);
    return 2;
  }
  return 0;
}

/** "192.0.2.0/24  eth0  this host 192.0.2.15, 254 addresses": the CIDR first, for scripts. */
function formatTable(ranges: readonly SuggestedRange[]): string {
  const cidrWidth = Math.max(...ranges.map((r) => r.cidr.length));
  const nameWidth = Math.max(...ranges.map((r) => r.interfaces.join(",").length));
  return ranges
    .map((r) => {
      const details = [`this host ${r.hostAddress}`, `${r.addresses.toLocaleString("en-US")} addresses`];
      if (r.note) details.push(r.note);
      return `${r.cidr.padEnd(cidrWidth)}  ${r.interfaces.join(",").padEnd(nameWidth)}  ${details.join(", ")}`;
    })
    .join("\n");
}
