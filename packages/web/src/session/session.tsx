import { queryOptions, useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, use, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { ApiError, api, setCsrfToken } from "../api/client.ts";
import type { Access, Activity, Me } from "../api/types.ts";
import { FullPageLoader, QueryError } from "../components/states.tsx";
import { browserTimeZone, createFormatter, type Formatter } from "../format/intl.ts";
import { applyProfileLanguage } from "../i18n/index.ts";

export const meQuery = queryOptions({
  queryKey: ["me"],
  queryFn: ({ signal }) => api<Me>("/auth/me", { signal, expectUnauthorized: true }),
  retry: false,
  staleTime: 5 * 60_000,
});

export type ScopeKind = "platform" | "account" | "customer";

export interface Session {
  me: Me;
  /** Platform staff see every account, account staff their account, customer users their customer. */
  scopeKind: ScopeKind;
  /** What the header shows: the customer's or the account's name. */
  scopeName: string;
  /** What the rights map allows: read means read or write. */
  can(activity: Activity, access?: Exclude<Access, "none">): boolean;
}

const SessionContext = createContext<Session | null>(null);

export function allows(rights: Me["rights"], activity: Activity, access: Exclude<Access, "none"> = "read") {
  const granted = rights[activity] ?? "none";
  return access === "read" ? granted !== "none" : granted === "write";
}

export function scopeKindOf(me: Pick<Me, "role" | "customerId">): ScopeKind {
  if (me.role === "platform-admin") return "platform";
  return me.customerId ? "customer" : "account";
}

/** Where the login sends the user back to afterwards. */
export function loginPath(location: { pathname: string; search: string }): string {
  const next = `${location.pathname}${location.search}`;
  return next === "/" || next.startsWith("/login") ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}

/** The signed-in area: waits for the profile, sends the signed-out to the login and back. */
export function RequireSession({ children }: { children: ReactNode }) {
  const location = useLocation();
  const me = useQuery(meQuery);
  useEffect(() => {
    if (me.data) {
      setCsrfToken(me.data.csrfToken);
      applyProfileLanguage(me.data.locale);
    }
  }, [me.data]);
  const session = useMemo<Session | null>(
    () =>
      me.data
        ? {
            me: me.data,
            scopeKind: scopeKindOf(me.data),
            scopeName: me.data.customerName ?? me.data.accountName,
            can: (activity, access = "read") => allows(me.data.rights, activity, access),
          }
        : null,
    [me.data],
  );
  if (me.error instanceof ApiError && me.error.status === 401)
    return <Navigate to={loginPath(location)} replace />;
  if (me.error) return <QueryError error={me.error} onRetry={() => void me.refetch()} />;
  if (!session) return <FullPageLoader />;
  return <SessionContext value={session}>{children}</SessionContext>;
}

export function useSession(): Session {
  const session = use(SessionContext);
  if (!session) throw new Error("useSession outside RequireSession");
  return session;
}

/** Dates and numbers in the shown language and the user's time zone (browser zone when signed out). */
export function useFormat(): Formatter {
  const { i18n } = useTranslation();
  const session = use(SessionContext);
  const timeZone = session?.me.timeZone || browserTimeZone();
  return useMemo(() => createFormatter(i18n.language, timeZone), [i18n.language, timeZone]);
}

/** The session where there is one (the language switch also sits on the login page). */
export function useOptionalSession(): Session | null {
  return use(SessionContext);
}
