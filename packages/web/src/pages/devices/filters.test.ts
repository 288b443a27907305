import assert from "node:assert/strict";
import { test } from "node:test";
import {
  activeFilterCount,
  defaultSort,
  filtersToParams,
  filtersToQuery,
  parseFilters,
  toggleSort,
} from "./filters.ts";

test("a dashboard link opens the list with its filter", () => {
  const filters = parseFilters(new URLSearchParams("notReporting=true"));
  assert.equal(filters.notReporting, "true");
  assert.equal(filters.sort, defaultSort);
  assert.deepEqual(filtersToQuery(filters), { notReporting: "true", sort: defaultSort });
});

test("filters survive the round trip through the URL, defaults are left out", () => {
  const params = new URLSearchParams("q=HP&customerId=c1&status=error&lowSupplies=true&sort=serial");
  const again = filtersToParams(parseFilters(params));
  assert.equal(again.toString(), "q=HP&customerId=c1&status=error&lowSupplies=true&sort=serial");
  assert.equal(filtersToParams(parseFilters(new URLSearchParams(""))).toString(), "");
});

test("malformed values are dropped, not sent to the portal", () => {
  const filters = parseFilters(new URLSearchParams("status=bogus&hasAlerts=maybe&sort=drop;table"));
  assert.equal(filters.status, "");
  assert.equal(filters.hasAlerts, "");
  assert.equal(filters.sort, defaultSort);
  assert.equal(parseFilters(new URLSearchParams(`q=${"x".repeat(500)}`)).q.length, 200);
});

test("counting active filters ignores the search text", () => {
  assert.equal(activeFilterCount(parseFilters(new URLSearchParams("q=x&vendor=HP&notReporting=false"))), 2);
});

test("sorting a column: ascending, then descending", () => {
  assert.equal(toggleSort("-lastSeenAt", "serial"), "serial");
  assert.equal(toggleSort("serial", "serial"), "-serial");
  assert.equal(toggleSort("-serial", "serial"), "serial");
});
