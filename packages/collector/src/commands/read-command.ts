import { parseArgs } from "node:util";
import type { DeviceRecord } from "@device-portal/protocol";
import { createLogger } from "../log.ts";
import { loadProfilesFrom } from "../profiles/catalog.ts";
import { readDevice } from "../read/read-device.ts";
import { SnmpNoAnswerError } from "../snmp/errors.ts";
import type { SnmpV3User, SnmpVersion } from "../snmp/target.ts";

const usage = `usage: ice read <host> [--port 161] [--community c1,c2,...] [--snmp-version 1|2c|3]
                [--v3-user NAME --v3-auth sha|sha256|md5 --v3-auth-key KEY --v3-priv aes|aes256|des --v3-priv-key KEY
                 --v3-context NAME]
                [--timeout ms] [--retries n] [--json | --xml] [--verbose] [--profiles DIR]

exit codes: 0 read, 2 no SNMP answer, 3 answers but not a printer/MFP, 1 other error`;

/** A mistake in the command line: exit 1 with the message and the usage. */
class UsageError extends Error {}

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
      "v3-user": { type: "string" },
      "v3-auth": { type: "string", default: "sha" },
      "v3-auth-key": { type: "string" },
      "v3-priv": { type: "string", default: "aes" },
      "v3-priv-key": { type: "string" },
      "v3-context": { type: "string" },
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

const authNames: Record<string, SnmpV3User["authProtocol"]> = {
  md5: "md5",
  sha: "sha",
  sha1: "sha",
  sha224: "sha224",
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
};
const privNames: Record<string, SnmpV3User["privProtocol"]> = {
  des: "des",
  aes: "aes",
  aes128: "aes",
  aes256: "aes256b",
};

function v3User(values: Record<string, string | boolean | undefined>): SnmpV3User | undefined {
  const name = values["v3-user"];
  if (typeof name !== "string") return undefined;
  const user: SnmpV3User = { name };
  const context = values["v3-context"];
  if (typeof context === "string" && context !== "") user.context = context;
  const authKey = values["v3-auth-key"];
  if (typeof authKey === "string") {
    const proto = authNames[String(values["v3-auth"]).toLowerCase()];
    if (!proto) throw new UsageError(`--v3-auth must be one of ${Object.keys(authNames).join(", ")}`);
    user.authProtocol = proto;
    user.authKey = authKey;
  }
  const privKey = values["v3-priv-key"];
  if (typeof privKey === "string") {
    if (!user.authKey)
      throw new UsageError("--v3-priv-key needs --v3-auth-key (no privacy without authentication)");
    const proto = privNames[String(values["v3-priv"]).toLowerCase()];
    if (!proto) throw new UsageError(`--v3-priv must be one of ${Object.keys(privNames).join(", ")}`);
    user.privProtocol = proto;
    user.privKey = privKey;
  }
  return user;
}

function integer(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
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
