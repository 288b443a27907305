import type { Query } from "../../api/client.ts";

/**
 * The device list's filters and sort live in the URL query string, so a number on the dashboard
 * can link to exactly the devices behind it and a filtered list can be bookmarked or shared.
 */
export interface DeviceFilters {
  q: string;
  customerId: string;
  siteId: string;
  vendor: string;
  model: string;
  status: string;
  /** "true", "false" or "" (either). */
  hasAlerts: string;
  lowSupplies: string;
  notReporting: string;
  sort: string;
}

export const defaultSort = "-lastSeenAt";

const textKeys = ["q", "customerId", "siteId", "vendor", "model", "status"] as const;
const flagKeys = ["hasAlerts", "lowSupplies", "notReporting"] as const;
export const statuses = ["ok", "warning", "error", "offline"] as const;

export function parseFilters(params: URLSearchParams): DeviceFilters {
  const text = (key: string) => (params.get(key) ?? "").trim().slice(0, 200);
  const flag = (key: string) => {
    const v = params.get(key);
    return v === "true" || v === "false" ? v : "";
  };
  const status = text("status");
  return {
    q: text("q"),
    customerId: text("customerId"),
    siteId: text("siteId"),
    vendor: text("vendor"),
    model: text("model"),
    status: (statuses as readonly string[]).includes(status) ? status : "",
    hasAlerts: flag("hasAlerts"),
    lowSupplies: flag("lowSupplies"),
    notReporting: flag("notReporting"),
    sort: /^-?[a-zA-Z]+$/.test(text("sort")) ? text("sort") : defaultSort,
  };
}

/** Only what differs from "no filter" goes into the URL. */
export function filtersToParams(filters: DeviceFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of [...textKeys, ...flagKeys]) if (filters[key]) params.set(key, filters[key]);
  if (filters.sort && filters.sort !== defaultSort) params.set("sort", filters.sort);
  return params;
}

/** The portal's query for GET /devices and /devices/export.csv. */
export function filtersToQuery(filters: DeviceFilters): Query {
  const query: Query = {};
  for (const key of [...textKeys, ...flagKeys]) if (filters[key]) query[key] = filters[key];
  query.sort = filters.sort || defaultSort;
  return query;
}

export function activeFilterCount(filters: DeviceFilters): number {
  return [...textKeys, ...flagKeys].filter((k) => k !== "q" && filters[k] !== "").length;
}

/** Clicking a column: ascending first, then descending, for the same field. */
export function toggleSort(current: string, field: string): string {
  if (current === field) return `-${field}`;
  return field;
}
