import { hasPrefix } from "../snmp/oid.ts";
import type { ResolvedProfile } from "./load.ts";

export interface DeviceFingerprint {
  sysObjectId?: string | undefined;
  sysDescr?: string | undefined;
  /**
   * For devices that hide sysObjectID: `1.3.6.1.4.1.<n>` of the first private OID they answer.
   * Used like a sysObjectID prefix, never reported as one.
   */
  enterpriseOid?: string | undefined;
}

/**
 * The most specific matching profile, or undefined. Scoring: a matched sysObjectID prefix
 * scores its arc count (longer is more specific); a matched sysDescr pattern scores 100, so a
 * rebrand told apart by sysDescr beats its maker's plain enterprise match.
 */
export function matchProfile(
  profiles: ResolvedProfile[],
  device: DeviceFingerprint,
): ResolvedProfile | undefined {
  let best: ResolvedProfile | undefined;
  let bestScore = 0;
  for (const profile of profiles) {
    if (profile.abstract) continue;
    profile.match.forEach((entry, i) => {
      const score = scoreEntry(entry.sysObjectId, profile.matchPatterns[i], device);
      if (score > bestScore) {
        best = profile;
        bestScore = score;
      }
    });
  }
  return best;
}

function scoreEntry(
  prefix: string | undefined,
  pattern: RegExp | undefined,
  device: DeviceFingerprint,
): number {
  let score = 0;
  if (prefix !== undefined) {
    if (device.sysObjectId !== undefined) {
      if (!hasPrefix(device.sysObjectId, prefix)) return 0;
      score += prefix.split(".").length;
    } else {
      // Only the enterprise is known: any prefix inside it matches, as weakly as the enterprise itself.
      const ent = device.enterpriseOid;
      if (!ent || !(hasPrefix(prefix, ent) || hasPrefix(ent, prefix))) return 0;
      score += Math.min(prefix.split(".").length, ent.split(".").length);
    }
  }
  if (pattern !== undefined) {
    if (!device.sysDescr || !pattern.test(device.sysDescr)) return 0;
    score += 100;
  }
  return score;
}
