import type { LevelSettingsInput, LevelSettingsView } from "../../api/types.ts";

/**
 * The collector settings editor's model: every field either set at this level or inherited from
 * the level above (left out of the document). Limits mirror the portal's schema so the form can
 * say what is wrong before saving; the portal checks again and its answer is shown per field too.
 */

/** What the portal shows instead of a stored SNMPv3 key; sending it back keeps the key. */
export const secretMask = "••••";

export const limits = {
  targets: 256,
  communities: 16,
  v3Users: 16,
  timeoutMs: [50, 10_000],
  retries: [0, 5],
  concurrency: [1, 4096],
  packetsPerSecond: [1, 100_000],
  maxAddresses: [1, 2 ** 24],
  discoveryIntervalMinutes: [60, 10_080],
  refreshIntervalMinutes: [20, 60],
} as const;

export const scalarKeys = [
  "discoveryIntervalMinutes",
  "refreshIntervalMinutes",
  "concurrency",
  "packetsPerSecond",
  "maxAddresses",
] as const;
export type ScalarKey = (typeof scalarKeys)[number];

export const authProtocols = ["md5", "sha", "sha224", "sha256", "sha384", "sha512"] as const;
export const privProtocols = ["des", "aes", "aes256b", "aes256r"] as const;

export interface V3UserForm {
  name: string;
  authProtocol: string;
  /** Empty: keep the stored key (if any). */
  authKey: string;
  hasAuthKey: boolean;
  privProtocol: string;
  privKey: string;
  hasPrivKey: boolean;
  context: string;
}

export interface SettingsForm {
  targets: { set: boolean; text: string };
  exclusions: { set: boolean; text: string };
  communities: { set: boolean; values: string[] };
  v3Users: { set: boolean; users: V3UserForm[] };
  ping: { set: boolean; enabled: boolean; timeoutMs: number | ""; retries: number | "" };
  snmp: { set: boolean; discoveryTimeoutMs: number | ""; timeoutMs: number | ""; retries: number | "" };
  scalars: Record<ScalarKey, { set: boolean; value: number | "" }>;
}

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);

export function emptyV3User(): V3UserForm {
  return {
    name: "",
    authProtocol: "sha",
    authKey: "",
    hasAuthKey: false,
    privProtocol: "aes",
    privKey: "",
    hasPrivKey: false,
    context: "",
  };
}

export function formFromView(view: LevelSettingsView): SettingsForm {
  const scalars = Object.fromEntries(
    scalarKeys.map((k) => [k, { set: view[k] !== undefined, value: view[k] ?? "" }]),
  ) as SettingsForm["scalars"];
  return {
    targets: { set: view.targets !== undefined, text: (view.targets ?? []).join("\n") },
    exclusions: { set: view.exclusions !== undefined, text: (view.exclusions ?? []).join("\n") },
    communities: { set: view.communities !== undefined, values: view.communities ?? [] },
    v3Users: {
      set: view.v3Users !== undefined,
      users: (view.v3Users ?? []).map((u) => ({
        name: u.name,
        authProtocol: u.authProtocol ?? "",
        authKey: "",
        hasAuthKey: u.hasAuthKey,
        privProtocol: u.privProtocol ?? "",
        privKey: "",
        hasPrivKey: u.hasPrivKey,
        context: u.context ?? "",
      })),
    },
    ping: {
      set: view.ping !== undefined,
      enabled: view.ping?.enabled ?? true,
      timeoutMs: view.ping?.timeoutMs ?? "",
      retries: view.ping?.retries ?? "",
    },
    snmp: {
      set: view.snmp !== undefined,
      discoveryTimeoutMs: view.snmp?.discoveryTimeoutMs ?? "",
      timeoutMs: view.snmp?.timeoutMs ?? "",
      retries: view.snmp?.retries ?? "",
    },
    scalars,
  };
}

const num = (v: number | "") => (v === "" ? undefined : v);

/** The level's document for PUT: only what is set at this level. */
export function inputFromForm(form: SettingsForm): LevelSettingsInput {
  const input: LevelSettingsInput = {};
  if (form.targets.set) input.targets = lines(form.targets.text);
  if (form.exclusions.set) input.exclusions = lines(form.exclusions.text);
  if (form.communities.set) input.communities = form.communities.values;
  if (form.v3Users.set)
    input.v3Users = form.v3Users.users.map((u) => {
      const key = (typed: string, stored: boolean) => (typed ? typed : stored ? secretMask : undefined);
      const authKey = key(u.authKey, u.hasAuthKey);
      const privKey = key(u.privKey, u.hasPrivKey);
      return {
        name: u.name.trim(),
        ...(u.authProtocol ? { authProtocol: u.authProtocol as (typeof authProtocols)[number] } : {}),
        ...(authKey !== undefined ? { authKey } : {}),
        ...(u.privProtocol ? { privProtocol: u.privProtocol as (typeof privProtocols)[number] } : {}),
        ...(privKey !== undefined ? { privKey } : {}),
        ...(u.context.trim() ? { context: u.context.trim() } : {}),
      };
    });
  if (form.ping.set)
    input.ping = {
      enabled: form.ping.enabled,
      ...(num(form.ping.timeoutMs) !== undefined ? { timeoutMs: num(form.ping.timeoutMs) } : {}),
      ...(num(form.ping.retries) !== undefined ? { retries: num(form.ping.retries) } : {}),
    };
  if (form.snmp.set) {
    const snmp: NonNullable<LevelSettingsInput["snmp"]> = {};
    if (form.snmp.discoveryTimeoutMs !== "") snmp.discoveryTimeoutMs = form.snmp.discoveryTimeoutMs;
    if (form.snmp.timeoutMs !== "") snmp.timeoutMs = form.snmp.timeoutMs;
    if (form.snmp.retries !== "") snmp.retries = form.snmp.retries;
    input.snmp = snmp;
  }
  for (const k of scalarKeys) {
    const field = form.scalars[k];
    if (field.set && field.value !== "") input[k] = field.value;
  }
  return input;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv4Number = (a: string) => a.split(".").reduce((n, p) => n * 256 + Number(p), 0);

/** An IPv4 address, a CIDR block /8 to /32, or a range first-last no wider than a /8. */
export function isTarget(value: string): boolean {
  const cidr = /^([0-9.]+)\/(\d{1,2})$/.exec(value);
  if (cidr) return ipv4.test(cidr[1] ?? "") && Number(cidr[2]) >= 8 && Number(cidr[2]) <= 32;
  const range = /^([0-9.]+)\s*-\s*([0-9.]+)$/.exec(value);
  if (range) {
    const [first, last] = [range[1] ?? "", range[2] ?? ""];
    if (!ipv4.test(first) || !ipv4.test(last)) return false;
    const size = ipv4Number(last) - ipv4Number(first) + 1;
    return size >= 1 && size <= 2 ** 24;
  }
  return ipv4.test(value);
}

export type FieldError =
  | { key: "badTargets"; values: string }
  | { key: "tooMany"; max: number }
  | { key: "range"; min: number; max: number }
  | { key: "required" }
  | { key: "community" }
  | { key: "keyLength" }
  | { key: "duplicateName" };

const inRange = (v: number | "", [min, max]: readonly [number, number]): FieldError | undefined =>
  v === "" || (Number.isInteger(v) && v >= min && v <= max) ? undefined : { key: "range", min, max };

/** Problems per field path ("targets", "ping.timeoutMs", "v3Users.0.authKey", ...). */
export function validateForm(form: SettingsForm): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  const add = (path: string, error: FieldError | undefined) => {
    if (error) errors[path] = error;
  };
  for (const key of ["targets", "exclusions"] as const) {
    if (!form[key].set) continue;
    const values = lines(form[key].text);
    const bad = values.filter((v) => v.length > 40 || !isTarget(v));
    if (bad.length) add(key, { key: "badTargets", values: bad.slice(0, 5).join(", ") });
    else if (values.length > limits.targets) add(key, { key: "tooMany", max: limits.targets });
  }
  if (form.communities.set) {
    if (form.communities.values.length > limits.communities)
      add("communities", { key: "tooMany", max: limits.communities });
    else if (form.communities.values.some((c) => !/^[\x20-\x7e]{1,64}$/.test(c) && !/^••••\d{0,3}$/.test(c)))
      add("communities", { key: "community" });
  }
  if (form.v3Users.set) {
    if (form.v3Users.users.length > limits.v3Users) add("v3Users", { key: "tooMany", max: limits.v3Users });
    const names = new Set<string>();
    form.v3Users.users.forEach((u, i) => {
      const name = u.name.trim();
      if (!name || name.length > 32) add(`v3Users.${i}.name`, { key: "required" });
      else if (names.has(name)) add(`v3Users.${i}.name`, { key: "duplicateName" });
      names.add(name);
      if (u.authKey && u.authKey.length < 8) add(`v3Users.${i}.authKey`, { key: "keyLength" });
      if (u.privKey && u.privKey.length < 8) add(`v3Users.${i}.privKey`, { key: "keyLength" });
    });
  }
  if (form.ping.set) {
    add("ping.timeoutMs", inRange(form.ping.timeoutMs, limits.timeoutMs));
    add("ping.retries", inRange(form.ping.retries, limits.retries));
  }
  if (form.snmp.set) {
    add("snmp.discoveryTimeoutMs", inRange(form.snmp.discoveryTimeoutMs, limits.timeoutMs));
    add("snmp.timeoutMs", inRange(form.snmp.timeoutMs, limits.timeoutMs));
    add("snmp.retries", inRange(form.snmp.retries, limits.retries));
  }
  for (const k of scalarKeys) {
    const field = form.scalars[k];
    // Left empty, a field of a switched-on group is still inherited.
    if (field.set) add(k, inRange(field.value, limits[k]));
  }
  return errors;
}

/** The portal's validation answer (`details[].instancePath` "/targets/3") as form paths ("targets"). */
export function serverFieldErrors(details: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!Array.isArray(details)) return errors;
  for (const d of details as { instancePath?: string; message?: string }[]) {
    const parts = (d.instancePath ?? "").split("/").filter(Boolean);
    if (!parts.length) continue;
    const path =
      parts[0] === "v3Users" && parts.length >= 3
        ? `v3Users.${parts[1]}.${parts[2]}`
        : parts[0] === "ping" || parts[0] === "snmp"
          ? parts.slice(0, 2).join(".")
          : (parts[0] as string);
    errors[path] = errors[path] ? `${errors[path]}; ${d.message ?? ""}` : (d.message ?? "");
  }
  return errors;
}
