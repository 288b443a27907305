import type { Session } from "../session/session.tsx";

export type NavKey =
  | "dashboard"
  | "devices"
  | "alerts"
  | "supplies"
  | "collectors"
  | "accounts"
  | "customers"
  | "sites"
  | "users"
  | "audit";

export interface NavItem {
  key: NavKey;
  to: string;
}

/** The main navigation: only what the user's rights (and scope) let them open. */
export function navigationItems(session: Pick<Session, "can" | "scopeKind">): NavItem[] {
  const scope = session.scopeKind;
  const items: (NavItem | false)[] = [
    session.can("fleet") && { key: "dashboard", to: "/" },
    session.can("fleet") && { key: "devices", to: "/devices" },
    session.can("service") && { key: "alerts", to: "/alerts" },
    session.can("supplies") && { key: "supplies", to: "/supplies" },
    session.can("collectors") && { key: "collectors", to: "/collectors" },
    scope === "platform" && session.can("tenants") && { key: "accounts", to: "/accounts" },
    scope !== "customer" && session.can("tenants") && { key: "customers", to: "/customers" },
    session.can("tenants") && { key: "sites", to: "/sites" },
    session.can("users") && { key: "users", to: "/users" },
    session.can("audit") && { key: "audit", to: "/audit" },
  ];
  return items.filter((i): i is NavItem => i !== false);
}
