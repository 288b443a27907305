import type { SnmpCredentials, SnmpV3User } from "../snmp/target.ts";

/**
 * Credential numbering of docs/collector-protocol.md: index i < communities.length is community i,
 * the rest are the v3 users in order. A scan reports the index that worked; a refresh uses it alone.
 */
export interface CredentialList {
  communities: readonly string[];
  v3Users: readonly SnmpV3User[];
}

/** One try of the system probe: a credential index and the SNMP version to use it with. */
export interface CredentialTry {
  index: number;
  credentials: SnmpCredentials;
}

/** Every try of a discovery, in order: each community with v2c then v1, then each v3 user. */
export function discoveryTries(list: CredentialList): CredentialTry[] {
  const tries: CredentialTry[] = [];
  for (let i = 0; i < list.communities.length + list.v3Users.length; i++) tries.push(...triesFor(list, i));
  return tries;
}

/**
 * The tries of one credential (a refresh): a community with the version that worked when known,
 * else v2c then v1; a v3 user as it is. Empty when the index names no credential.
 */
export function triesFor(list: CredentialList, index: number, version?: "1" | "2c" | "3"): CredentialTry[] {
  if (!Number.isInteger(index) || index < 0) return [];
  const community = list.communities[index];
  if (community !== undefined) {
    const versions: Array<"1" | "2c"> = version === "1" || version === "2c" ? [version] : ["2c", "1"];
    return versions.map((v) => ({ index, credentials: { version: v, community } }));
  }
  const user = list.v3Users[index - list.communities.length];
  return user ? [{ index, credentials: { version: "3", user } }] : [];
}
