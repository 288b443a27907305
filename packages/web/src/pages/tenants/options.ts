import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client.ts";
import type { Customer, Page, Site } from "../../api/types.ts";
import { useSession } from "../../session/session.tsx";

/** Customers and sites for pickers (one page of 200 each: search narrows within the picker). */
export function useCustomerOptions(enabled = true) {
  const session = useSession();
  return useQuery({
    queryKey: ["customers", "options"],
    queryFn: ({ signal }) => get<Page<Customer>>("/customers", { limit: 200, sort: "name" }, signal),
    enabled: enabled && session.can("tenants"),
    staleTime: 60_000,
    select: (page) => page.items,
  });
}

export function useSiteOptions(customerId?: string | null, enabled = true) {
  const session = useSession();
  return useQuery({
    queryKey: ["sites", "options", customerId ?? "all"],
    queryFn: ({ signal }) =>
      get<Page<Site>>("/sites", { limit: 200, sort: "name", customerId: customerId || undefined }, signal),
    enabled: enabled && session.can("tenants"),
    staleTime: 60_000,
    select: (page) => page.items,
  });
}
