#!/usr/bin/env -S node --max-old-space-size=96 --max-semi-space-size=2
// The flags keep a long scan's memory small: the live heap stays under 20 MB, and without a
// cap V8 lets old space and the young generation grow far beyond that before collecting.
/** `ice <command> …`: the collector's command line. */
const usage = `usage: ice <command> [options]

commands:
  read <host>     read one device and print its record (--json | --xml)
  scan <targets>  discover printers in ranges, or refresh known ones (--refresh FILE)
  suggest-range   propose scan ranges from this host's network interfaces
  run             the collector as a service: enrol, scan on the portal's schedule, upload
  sim             serve SNMP recordings as simulated printers on loopback

Run "ice <command> --help" for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    // Each command loads its own modules, so `ice --help` or `ice sim` pay for nothing else.
    case "read": {
      const { runReadCommand } = await import("./commands/read-command.ts");
      return runReadCommand(rest);
    }
    case "scan": {
      const { runScanCommand } = await import("./commands/scan-command.ts");
      return runScanCommand(rest);
    }
    case "run": {
      const { runRunCommand } = await import("./commands/run-command.ts");
      return runRunCommand(rest);
    }
    case "suggest-range": {
      const { runSuggestRangeCommand } = await import("./commands/suggest-range-command.ts");
      return runSuggestRangeCommand(rest);
    }
    case "sim": {
      const { runSimCommand } = await import("./sim/sim-command.ts");
      return runSimCommand(rest);
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${usage}\n`);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`ice: unknown command "${command}"\n${usage}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ice: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
