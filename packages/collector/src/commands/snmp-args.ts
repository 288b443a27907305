import type { SnmpV3User } from "../snmp/target.ts";

/** Command-line pieces that `ice read` and `ice scan` share. */

/** A mistake in the command line: the command exits 1 with the message and its usage. */
export class UsageError extends Error {}

/** parseArgs options for one SNMPv3 user (`--v3-user NAME …`). */
export const v3Options = {
  "v3-user": { type: "string" },
  "v3-auth": { type: "string", default: "sha" },
  "v3-auth-key": { type: "string" },
  "v3-priv": { type: "string", default: "aes" },
  "v3-priv-key": { type: "string" },
  "v3-context": { type: "string" },
} as const;

export function integer(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
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

/** The SNMPv3 user the --v3-* flags describe, or undefined without --v3-user. */
export function v3User(values: Record<string, unknown>): SnmpV3User | undefined {
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
