/**
 * The portal's settings (docs/collector-protocol.md, "Settings") as the daemon uses them. The
 * protocol carries them as a JSON object; this reads the fields the daemon schedules and scans
 * with. A field that is missing takes its default; a field that is present but unusable also
 * takes its default, with a warning, so one bad value from the portal does not stop collection.
 * The scan engine checks the scan fields again (resolveScanSettings) and refuses nonsense there.
 */
import { isIPv4 } from "node:net";
import type { ScanSettingsInput } from "../scan/settings.ts";
import type { SnmpV3User } from "../snmp/target.ts";
import { defaultDiscoveryIntervalMinutes, defaultRefreshIntervalMinutes } from "./daemon.ts";
import type { DaemonSettings, KnownDevice } from "./ports.ts";

export interface CollectorSettings extends DaemonSettings {
  version?: number;
  targets: string[];
  exclusions: string[];
  communities: string[];
  v3Users: SnmpV3User[];
  discoveryIntervalMinutes: number;
  refreshIntervalMinutes: number;
  knownDevices: KnownDevice[];
  /** The scan engine's part: ping, snmp, concurrency, packetsPerSecond, maxAddresses. */
  scan: ScanSettingsInput;
}

const authProtocols = new Set(["md5", "sha", "sha224", "sha256", "sha384", "sha512"]);
/** The protocol's names, and the SNMP client's. */
const privProtocols: Record<string, SnmpV3User["privProtocol"]> = {
  des: "des",
  aes: "aes",
  aes128: "aes",
  aes256: "aes256b",
  aes256b: "aes256b",
  aes256r: "aes256r",
};

/** Reads the settings object of an `enrolled`, `settings` or `ack` answer. */
export function readSettings(raw: unknown, warn: (message: string) => void = () => {}): CollectorSettings {
  const o = isObject(raw) ? raw : {};
  if (!isObject(raw)) warn("the portal sent settings that are not an object; using the defaults");
  const bad = (field: string, why: string) => warn(`settings: ${field} ${why}`);

  const strings = (field: string): string[] => {
    const v = o[field];
    if (v === undefined) return [];
    if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v;
    bad(field, "is not a list of strings; using none");
    return [];
  };
  const minutes = (field: string, fallback: number): number => {
    const v = o[field];
    if (v === undefined) return fallback;
    if (typeof v === "number" && Number.isFinite(v) && v >= 1 && v <= 60 * 24 * 366) return v;
    bad(field, `must be a number of minutes from 1 to a year, not ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  };

  const settings: CollectorSettings = {
    raw: raw ?? null,
    targets: strings("targets"),
    exclusions: strings("exclusions"),
    communities: o.communities === undefined ? ["public"] : strings("communities"),
    v3Users: v3Users(o.v3Users, bad),
    discoveryIntervalMinutes: minutes("discoveryIntervalMinutes", defaultDiscoveryIntervalMinutes),
    refreshIntervalMinutes: minutes("refreshIntervalMinutes", defaultRefreshIntervalMinutes),
    knownDevices: knownDevices(o.knownDevices, bad),
    scan: {},
  };
  if (typeof o.version === "number") settings.version = o.version;
  const scan: Record<string, unknown> = {};
  for (const key of ["ping", "snmp", "concurrency", "packetsPerSecond", "maxAddresses"] as const) {
    if (o[key] !== undefined) scan[key] = o[key];
  }
  settings.scan = {
    ...(scan as ScanSettingsInput),
    communities: settings.communities,
    v3Users: settings.v3Users,
  };
  return settings;
}

function v3Users(v: unknown, bad: (field: string, why: string) => void): SnmpV3User[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    bad("v3Users", "is not a list; using none");
    return [];
  }
  const users: SnmpV3User[] = [];
  v.forEach((u, i) => {
    if (!isObject(u) || typeof u.name !== "string" || u.name === "") {
      // Dropping a user would renumber the credentials after it: keep a user that cannot log in.
      bad(`v3Users[${i}]`, "has no name; it will not log in");
      users.push({ name: "(invalid)" });
      return;
    }
    const user: SnmpV3User = { name: u.name };
    if (typeof u.authKey === "string" && u.authKey !== "") {
      const proto = String(u.authProtocol ?? "sha").toLowerCase();
      user.authProtocol = (authProtocols.has(proto) ? proto : "sha") as SnmpV3User["authProtocol"];
      if (!authProtocols.has(proto)) bad(`v3Users[${i}].authProtocol`, `"${proto}" is unknown; using sha`);
      user.authKey = u.authKey;
      if (typeof u.privKey === "string" && u.privKey !== "") {
        const p = String(u.privProtocol ?? "aes").toLowerCase();
        user.privProtocol = privProtocols[p] ?? "aes";
        if (!privProtocols[p]) bad(`v3Users[${i}].privProtocol`, `"${p}" is unknown; using aes`);
        user.privKey = u.privKey;
      }
    }
    if (typeof u.context === "string" && u.context !== "") user.context = u.context;
    users.push(user);
  });
  return users;
}

function knownDevices(v: unknown, bad: (field: string, why: string) => void): KnownDevice[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    bad("knownDevices", "is not a list; using none");
    return [];
  }
  const out: KnownDevice[] = [];
  let skipped = 0;
  for (const d of v) {
    if (
      isObject(d) &&
      typeof d.ip === "string" &&
      isIPv4(d.ip) &&
      Number.isInteger(d.credential) &&
      (d.credential as number) >= 0
    ) {
      const device: KnownDevice = { ip: d.ip, credential: d.credential as number };
      if (d.snmpVersion === "1" || d.snmpVersion === "2c" || d.snmpVersion === "3")
        device.snmpVersion = d.snmpVersion;
      out.push(device);
    } else skipped++;
  }
  if (skipped > 0)
    bad(
      "knownDevices",
      `has ${skipped} entr${skipped === 1 ? "y" : "ies"} without an IPv4 address and credential index, left out`,
    );
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
