import { createHash } from "node:crypto";
import { badRequest } from "../http/errors.ts";
import type { SecretBox } from "../secrets.ts";
import {
  type authProtocols,
  type EffectiveSettingsView,
  type KnownDevice,
  type LevelSettingsInput,
  type LevelSettingsView,
  maskedCommunity,
  type privProtocols,
  type SettingsLevel,
  secretMask,
} from "./schemas.ts";

/**
 * Collector settings in their three forms:
 * - stored (collector_settings.settings, one partial document per level): secrets sealed with the
 *   portal's secret key, as base64, under names of their own so a sealed value can never be sent
 *   as a community by mistake;
 * - viewed (the API): secrets masked;
 * - delivered (to the collector): merged over account → customer → site → collector, with the
 *   defaults of docs/collector-protocol.md, secrets in clear (inside the envelope only).
 */

type AuthProtocol = (typeof authProtocols)[number];
type PrivProtocol = (typeof privProtocols)[number];

interface Ping {
  enabled?: boolean | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
}
interface Snmp {
  discoveryTimeoutMs?: number | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
}
interface Scalars {
  concurrency?: number | undefined;
  packetsPerSecond?: number | undefined;
  maxAddresses?: number | undefined;
  discoveryIntervalMinutes?: number | undefined;
  refreshIntervalMinutes?: number | undefined;
}

export interface StoredV3User {
  name: string;
  authProtocol?: AuthProtocol | undefined;
  authKeySealed?: string | undefined;
  privProtocol?: PrivProtocol | undefined;
  privKeySealed?: string | undefined;
  context?: string | undefined;
}

export interface StoredLevel extends Scalars {
  targets?: string[] | undefined;
  exclusions?: string[] | undefined;
  communitiesSealed?: string[] | undefined;
  v3Users?: StoredV3User[] | undefined;
  ping?: Ping | undefined;
  snmp?: Snmp | undefined;
}

export interface V3User {
  name: string;
  authProtocol?: AuthProtocol;
  authKey?: string;
  privProtocol?: PrivProtocol;
  privKey?: string;
  context?: string;
}

/** What the collector gets (every field set). */
export interface CollectorSettings {
  targets: string[];
  exclusions: string[];
  communities: string[];
  v3Users: V3User[];
  ping: { enabled: boolean; timeoutMs: number; retries: number };
  snmp: { discoveryTimeoutMs: number; timeoutMs: number; retries: number };
  concurrency: number;
  packetsPerSecond: number;
  maxAddresses: number;
  discoveryIntervalMinutes: number;
  refreshIntervalMinutes: number;
  knownDevices: KnownDevice[];
}

/** The defaults of docs/collector-protocol.md ("Missing fields take the defaults shown"). */
export const defaultSettings: Omit<CollectorSettings, "knownDevices"> = {
  targets: [],
  exclusions: [],
  communities: ["public"],
  v3Users: [],
  ping: { enabled: true, timeoutMs: 1000, retries: 1 },
  snmp: { discoveryTimeoutMs: 1000, timeoutMs: 1000, retries: 1 },
  concurrency: 512,
  packetsPerSecond: 2000,
  maxAddresses: 65536,
  discoveryIntervalMinutes: 720,
  refreshIntervalMinutes: 20,
};

export const settingsFields = [
  "targets",
  "exclusions",
  "communities",
  "v3Users",
  "ping",
  "snmp",
  "concurrency",
  "packetsPerSecond",
  "maxAddresses",
  "discoveryIntervalMinutes",
  "refreshIntervalMinutes",
] as const;
type SettingsField = (typeof settingsFields)[number];

const scalarFields = [
  "concurrency",
  "packetsPerSecond",
  "maxAddresses",
  "discoveryIntervalMinutes",
  "refreshIntervalMinutes",
] as const;

const sealText = (box: SecretBox, text: string) => box.seal(text).toString("base64");
const openText = (box: SecretBox, sealed: string) => box.openText(Buffer.from(sealed, "base64"));

/** Drops undefined fields, so stored documents and digests have one spelling. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The stored document for a PUT: clear secrets sealed, masks replaced by the secrets `previous`
 * (this level's stored document) holds. Throws 400 for a mask that names no stored secret.
 */
export function sealLevel(input: LevelSettingsInput, previous: StoredLevel, box: SecretBox): StoredLevel {
  const stored: StoredLevel = {
    targets: input.targets,
    exclusions: input.exclusions,
    ping: input.ping && compact(input.ping),
    snmp: input.snmp && compact(input.snmp),
  };
  for (const field of scalarFields) stored[field] = input[field];

  if (input.communities) {
    stored.communitiesSealed = input.communities.map((community, index) => {
      const mask = maskedCommunity.exec(community);
      if (!mask) return sealText(box, community);
      const position = mask[1] === undefined ? index : Number(mask[1]) - 1;
      const kept = previous.communitiesSealed?.[position];
      if (kept === undefined)
        throw badRequest(`communities[${index}]: ${community} names no stored community of this level`);
      return kept;
    });
  }

  if (input.v3Users) {
    stored.v3Users = input.v3Users.map((user, index) => {
      const before = previous.v3Users?.find((u) => u.name === user.name);
      const key = (given: string | null | undefined, kept: string | undefined, what: string) => {
        if (given === null) return undefined;
        if (given === undefined || given === secretMask) {
          if (given === secretMask && kept === undefined)
            throw badRequest(`v3Users[${index}].${what}: no stored key to keep for user ${user.name}`);
          return kept;
        }
        return sealText(box, given);
      };
      const authKeySealed = key(user.authKey, before?.authKeySealed, "authKey");
      const privKeySealed = key(user.privKey, before?.privKeySealed, "privKey");
      if (privKeySealed && !authKeySealed)
        throw badRequest(`v3Users[${index}]: a privacy key needs an authentication key (authPriv)`);
      return compact({
        name: user.name,
        authProtocol: user.authProtocol,
        authKeySealed,
        privProtocol: user.privProtocol,
        privKeySealed,
        context: user.context,
      });
    });
  }
  return compact(stored);
}

/** A stored level as the API shows it. */
export function viewLevel(stored: StoredLevel): LevelSettingsView {
  const { communitiesSealed, v3Users, ...rest } = stored;
  return compact({
    ...rest,
    communities: communitiesSealed?.map((_, i) => `${secretMask}${i + 1}`),
    v3Users: v3Users?.map(viewV3User),
  });
}

function viewV3User(user: StoredV3User | V3User) {
  const sealed = user as StoredV3User;
  const clear = user as V3User;
  return compact({
    name: user.name,
    authProtocol: user.authProtocol,
    privProtocol: user.privProtocol,
    context: user.context,
    hasAuthKey: Boolean(sealed.authKeySealed ?? clear.authKey),
    hasPrivKey: Boolean(sealed.privKeySealed ?? clear.privKey),
  });
}

type ClearLevel = Omit<StoredLevel, "communitiesSealed" | "v3Users"> & {
  communities?: string[] | undefined;
  v3Users?: V3User[] | undefined;
};

function openLevel(stored: StoredLevel, box: SecretBox): ClearLevel {
  const { communitiesSealed, v3Users, ...rest } = stored;
  return {
    ...rest,
    communities: communitiesSealed?.map((s) => openText(box, s)),
    v3Users: v3Users?.map(({ authKeySealed, privKeySealed, ...user }) =>
      compact({
        ...user,
        authKey: authKeySealed === undefined ? undefined : openText(box, authKeySealed),
        privKey: privKeySealed === undefined ? undefined : openText(box, privKeySealed),
      }),
    ),
  };
}

export type SettingsSources = Record<string, SettingsLevel | "default">;

/**
 * Merges the levels (highest first: account, customer, site, collector) over the defaults: a
 * lower level's field replaces the one above; ping and snmp merge field by field.
 */
export function mergeLevels(
  levels: readonly { level: SettingsLevel; settings: StoredLevel }[],
  box: SecretBox,
  knownDevices: KnownDevice[],
): { settings: CollectorSettings; sources: SettingsSources } {
  const settings: CollectorSettings = structuredClone({ ...defaultSettings, knownDevices });
  const sources: SettingsSources = Object.fromEntries(settingsFields.map((f) => [f, "default"]));
  const merged = settings as unknown as Record<SettingsField, unknown>;
  for (const { level, settings: stored } of levels) {
    const clear = openLevel(stored, box);
    for (const field of settingsFields) {
      const value = clear[field];
      if (value === undefined) continue;
      merged[field] =
        field === "ping" || field === "snmp"
          ? { ...(merged[field] as object), ...(value as object) }
          : structuredClone(value);
      sources[field] = level;
    }
  }
  return { settings, sources };
}

/** The merged settings as the API shows them. */
export function viewEffective(settings: CollectorSettings): EffectiveSettingsView {
  return {
    ...settings,
    communities: settings.communities.map(() => secretMask),
    v3Users: settings.v3Users.map(viewV3User),
  };
}

/**
 * Identifies what a collector would get, without secrets in clear: a hash over the stored levels
 * (sealed secrets stay the same until someone sets them again) and the known devices.
 */
export function settingsDigest(
  levels: readonly { level: SettingsLevel; settings: StoredLevel }[],
  /** knownDevicesDigest (settings-store.ts): changes when the known devices do. */
  knownDevices: string,
): string {
  return createHash("sha256").update(JSON.stringify({ levels, knownDevices })).digest("hex");
}

/** The fields a PUT changed (for the audit log: names only, never values). */
export function changedFields(before: StoredLevel, after: StoredLevel): string[] {
  const name = (field: string) => (field === "communitiesSealed" ? "communities" : field);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter(
      (key) =>
        JSON.stringify(before[key as keyof StoredLevel]) !== JSON.stringify(after[key as keyof StoredLevel]),
    )
    .map(name)
    .sort();
}
