import type { Collector } from "../../api/types.ts";

export type Health = "online" | "offline" | "revoked" | "pending";

/** Revoked beats everything; a collector that never made contact is still waiting to be installed. */
export function healthOf(c: Pick<Collector, "revokedAt" | "online" | "lastContactAt">): Health {
  if (c.revokedAt) return "revoked";
  if (!c.lastContactAt) return "pending";
  return c.online ? "online" : "offline";
}

export const healthColors: Record<Health, string> = {
  online: "green",
  offline: "red",
  revoked: "gray",
  pending: "blue",
};
