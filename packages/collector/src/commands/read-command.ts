import { parseArgs } from "node:util";
import type { DeviceRecord } from "@device-portal/protocol";
import { createLogger } from "../log.ts";
import { loadProfilesFrom } from "../profiles/catalog.ts";
import { readDevice } from "../read/read-device.ts";
import { SnmpNoAnswerError } from "../snmp/errors.ts";
import type { SnmpV3User, SnmpVersion } from "../snmp/target.ts";
import { integer, UsageError, v3Options, v3User } from "./snmp-args.ts";

const usage = `usage: ice read <host> [--port 161] [--community c1,c2,...] [--snmp-version 1|2c|3]
                [--v3-user NAME --v3-auth sha|sha256|md5 --v3-auth-key KEY --v3-priv aes|aes256|des --v3-priv-key KEY
                 --v3-context NAME]
                [--timeout ms] [--retries n] [--json | --xml] [--verbose] [--profiles DIR]

exit codes: 0 read, 2 no SNMP answer, 3 answers but not a printer/MFP, 1 other error`;

export async function runReadCommand(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseReadArgs>;
  try {
    options = parseReadArgs(argv);
  } catch (err) {
    process.stderr.write(`ice read: ${(err as Error).message}\n${usage}\n`);
    return 1;
  }
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const log = createLogger(options.verbose ? "debug" : "warn");
  try {
    const profiles = options.profilesDir ? await loadProfilesFrom(options.profilesDir) : undefined;
    const result = await readDevice({ ...options, log, ...(profiles && { profiles }) });
    if (result.kind === "not-printer") {
      const what = result.sysDescr ? `: ${result.sysDescr.slice(0, 80)}` : "";
      process.stderr.write(`ice read: ${result.ip} answers SNMP but is not a printer or MFP${what}\n`);
      return 3;
    }
    process.stdout.write(`${await format(result.record, options.output)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof SnmpNoAnswerError) {
      process.stderr.write(
        `ice read: no SNMP answer from ${options.host} (tried ${describeTries(options)})\n`,
      );
      return 2;
    }
    process.stderr.write(`ice read: ${(err as Error).message}\n`);
    return 1;
  }
}

function parseReadArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", default: "161" },
      community: { type: "string", default: "public" },
      "snmp-version": { type: "string", default: "auto" },
      ...v3Options,
      timeout: { type: "string", default: "1000" },
      retries: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
      xml: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      profiles: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help" as const;
  if (positionals.length !== 1) throw new UsageError("give exactly one host");
  if (values.json && values.xml) throw new UsageError("choose --json or --xml, not both");
  const version = values["snmp-version"];
  if (!["auto", "1", "2c", "3"].includes(version)) throw new UsageError(`--snmp-version must be 1, 2c or 3`);
  const communities = values.community.split(",").filter((c) => c !== "");
  if (communities.length === 0) throw new UsageError("--community needs at least one community");
  return {
    host: positionals[0] as string,
    port: integer(values.port, "--port", 1, 65535),
    communities,
    version: version as SnmpVersion | "auto",
    v3User: v3User(values),
    timeoutMs: integer(values.timeout, "--timeout", 1, 600_000),
    retries: integer(values.retries, "--retries", 0, 20),
    output: values.json ? ("json" as const) : values.xml ? ("xml" as const) : ("text" as const),
    verbose: values.verbose,
    profilesDir: values.profiles,
  };
}

function describeTries(o: {
  communities: string[];
  version: string;
  v3User?: SnmpV3User | undefined;
}): string {
  if (o.version === "3") return `SNMPv3 user ${o.v3User?.name ?? "?"}`;
  const versions = o.version === "auto" ? "v2c and v1" : `v${o.version}`;
  return `${versions} with ${o.communities.length} communit${o.communities.length === 1 ? "y" : "ies"}`;
}

async function format(record: DeviceRecord, output: "json" | "xml" | "text"): Promise<string> {
  if (output === "json") return JSON.stringify(record, null, 2);
  // Loaded only when asked for: the XML codec brings zod and the XML library with it.
  if (output === "xml") return (await import("@device-portal/protocol")).deviceToXml(record);
  return formatText(record);
}

/** A short human-readable summary for a person at a terminal. */
function formatText(r: DeviceRecord): string {
  const lines = [
    `${r.ip}  ${[r.vendor, r.model].filter(Boolean).join(" ") || "(unknown model)"}`,
    `  serial ${r.serial ?? "-"}  mac ${r.mac ?? "-"}  firmware ${r.firmware ?? "-"}`,
  ];
  if (r.name || r.location) lines.push(`  name ${r.name ?? "-"}  location ${r.location ?? "-"}`);
  const counters = Object.entries(r.counters);
  if (counters.length > 0) {
    lines.push(
      `  counters (${r.counterUnit ?? "unit unknown"}): ${counters.map(([k, v]) => `${k} ${v}`).join(", ")}`,
    );
  }
  for (const s of r.supplies) {
    const level = s.levelPercent === null ? s.state : `${s.levelPercent} %`;
    lines.push(
      `  ${s.type}${s.color ? ` ${s.color}` : ""}: ${level}${s.description ? `  (${s.description})` : ""}`,
    );
  }
  const status = [r.status.device, r.status.printer, ...r.status.errors].filter(Boolean).join(", ");
  if (status) lines.push(`  status: ${status}`);
  for (const a of r.alerts) lines.push(`  alert ${a.severity}: ${a.description ?? a.code ?? ""}`);
  return lines.join("\n");
}
