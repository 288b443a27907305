import { readFile } from "node:fs/promises";
import { isIPv4 } from "node:net";
import { parseArgs } from "node:util";
import type { KnownDevice } from "../scan/refresh.ts";
import type { ScanSettingsInput } from "../scan/settings.ts";
import type { SnmpV3User } from "../snmp/target.ts";
import { integer, UsageError, v3Options, v3User } from "./snmp-args.ts";

export const scanUsage = `usage: ice scan <targets...> [--exclude T] [--list FILE] [options]
       ice scan --refresh FILE [options]

targets: 192.0.2.0/24, 192.0.2.10-192.0.2.60, 192.0.2.10-60, 192.0.2.5 (several allowed)
  --exclude T            leave out an address, range or CIDR (repeatable, or comma-separated)
  --list FILE            more targets from a file: one per line, or a CSV with an address column
  --refresh FILE         re-read known devices instead: JSON list of {ip, port?, credential, snmpVersion?}
                         (or a settings object with knownDevices); credential indexes the communities
                         followed by the v3 user, as the scan result reports it
credentials:
  --community c1,c2      communities to try in order, v2c then v1 (default public)
  --v3-user NAME --v3-auth sha|sha256|md5 --v3-auth-key KEY --v3-priv aes|aes256|des --v3-priv-key KEY
  --v3-context NAME      an SNMPv3 user, tried after the communities
timing and load:
  --no-ping              skip ping (for networks that block ICMP): every address gets the SNMP probe
  --ping-timeout ms      (1000)   --ping-retries n (1)
  --discovery-timeout ms wait for a first SNMP answer (1000)
  --snmp-timeout ms      wait per request of a device that answered (1000)   --snmp-retries n (1)
  --concurrency n        addresses in their SNMP steps at once (512)
  --rate pps             packets per second, ping and SNMP together (2000)
  --max-addresses n      refuse more addresses than this (65536)
  --port N               SNMP port of every device (161)
output:
  --json | --xml         the scan result as JSON, or as the scan file sent to the portal (default: a summary)
  --out FILE             write it to FILE instead of standard output
  --verbose              log every step on standard error

The report (what answered, what did not and why) goes to standard error.
exit codes: 0 printers found, 2 scan done but no printer found, 1 bad arguments or error, 130 interrupted`;

/** A mistake in the command line or its files: exit 1 with the message. */
export { UsageError };

export interface ScanCommandOptions {
  targets: string[];
  exclusions: string[];
  listFile: string | undefined;
  refreshFile: string | undefined;
  settings: ScanSettingsInput & { communities: string[]; v3Users: SnmpV3User[] };
  port: number;
  output: "json" | "xml" | "text";
  outFile: string | undefined;
  verbose: boolean;
}

export function parseScanArgs(argv: string[]): ScanCommandOptions | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      exclude: { type: "string", multiple: true, default: [] },
      list: { type: "string" },
      refresh: { type: "string" },
      community: { type: "string", default: "public" },
      ...v3Options,
      "no-ping": { type: "boolean", default: false },
      "ping-timeout": { type: "string", default: "1000" },
      "ping-retries": { type: "string", default: "1" },
      "discovery-timeout": { type: "string", default: "1000" },
      "snmp-timeout": { type: "string", default: "1000" },
      "snmp-retries": { type: "string", default: "1" },
      concurrency: { type: "string", default: "512" },
      rate: { type: "string", default: "2000" },
      "max-addresses": { type: "string", default: "65536" },
      port: { type: "string", default: "161" },
      json: { type: "boolean", default: false },
      xml: { type: "boolean", default: false },
      out: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if (values.json && values.xml) throw new UsageError("choose --json or --xml, not both");
  const targets = positionals.flatMap(splitList);
  if (values.refresh !== undefined && (targets.length > 0 || values.list !== undefined))
    throw new UsageError("--refresh re-reads known devices: give it no targets and no --list");
  if (values.refresh === undefined && targets.length === 0 && values.list === undefined)
    throw new UsageError("give at least one target (an address, range or CIDR) or --list FILE");
  const communities = splitList(values.community);
  const v3 = v3User(values);
  if (communities.length === 0 && !v3) throw new UsageError("--community needs at least one community");
  return {
    targets,
    exclusions: values.exclude.flatMap(splitList),
    listFile: values.list,
    refreshFile: values.refresh,
    settings: {
      communities,
      v3Users: v3 ? [v3] : [],
      ping: {
        enabled: !values["no-ping"],
        timeoutMs: integer(values["ping-timeout"], "--ping-timeout", 1, 60_000),
        retries: integer(values["ping-retries"], "--ping-retries", 0, 10),
      },
      snmp: {
        discoveryTimeoutMs: integer(values["discovery-timeout"], "--discovery-timeout", 1, 60_000),
        timeoutMs: integer(values["snmp-timeout"], "--snmp-timeout", 1, 600_000),
        retries: integer(values["snmp-retries"], "--snmp-retries", 0, 20),
      },
      concurrency: integer(values.concurrency, "--concurrency", 1, 65_536),
      packetsPerSecond: integer(values.rate, "--rate", 1, 1_000_000),
      maxAddresses: integer(values["max-addresses"], "--max-addresses", 1, 2 ** 32),
    },
    port: integer(values.port, "--port", 1, 65535),
    output: values.json ? "json" : values.xml ? "xml" : "text",
    outFile: values.out,
    verbose: values.verbose,
  };
}

/** The known devices of a --refresh file: a JSON list, or an object with `knownDevices`. */
export async function readKnownDevices(file: string): Promise<KnownDevice[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new UsageError(`--refresh ${file}: ${why}`);
  }
  const list =
    raw && typeof raw === "object" && !Array.isArray(raw)
      ? (raw as { knownDevices?: unknown }).knownDevices
      : raw;
  if (!Array.isArray(list)) throw new UsageError(`--refresh ${file}: expected a JSON list of known devices`);
  return list.map((entry: unknown, i) => {
    const d = (entry ?? {}) as Record<string, unknown>;
    const where = `--refresh ${file}: entry ${i + 1}`;
    if (typeof d.ip !== "string" || !isIPv4(d.ip))
      throw new UsageError(`${where}: "ip" must be an IPv4 address`);
    if (!Number.isInteger(d.credential) || (d.credential as number) < 0)
      throw new UsageError(`${where}: "credential" must be a whole number ≥ 0 (index of the credential)`);
    const known: KnownDevice = { ip: d.ip, credential: d.credential as number };
    if (d.port !== undefined) {
      if (!Number.isInteger(d.port) || (d.port as number) < 1 || (d.port as number) > 65535)
        throw new UsageError(`${where}: "port" must be from 1 to 65535`);
      known.port = d.port as number;
    }
    if (d.snmpVersion !== undefined) {
      if (d.snmpVersion !== "1" && d.snmpVersion !== "2c" && d.snmpVersion !== "3")
        throw new UsageError(`${where}: "snmpVersion" must be "1", "2c" or "3"`);
      known.snmpVersion = d.snmpVersion;
    }
    return known;
  });
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
