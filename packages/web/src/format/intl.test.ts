import assert from "node:assert/strict";
import { test } from "node:test";
import { createFormatter, isTimeZone, zonedDayStart } from "./intl.ts";

test("dates are shown in the user's time zone", () => {
  const at = "2025-03-01T23:30:00Z";
  assert.match(createFormatter("en", "Europe/Berlin").date(at), /Mar 2, 2025/);
  assert.match(createFormatter("en", "America/New_York").date(at), /Mar 1, 2025/);
});

test("numbers and dates follow the language", () => {
  assert.equal(createFormatter("de", "UTC").number(1234567), "1.234.567");
  assert.equal(createFormatter("en", "UTC").number(1234567), "1,234,567");
  assert.match(createFormatter("de", "UTC").date("2025-03-01T12:00:00Z"), /01\.03\.2025/);
});

test("missing values are a dash, unknown zones fall back to the browser's", () => {
  const f = createFormatter("en", "Not/AZone");
  assert.equal(f.number(null), "–");
  assert.equal(f.dateTime(undefined), "–");
  assert.equal(isTimeZone("Not/AZone"), false);
  assert.equal(isTimeZone("Europe/Berlin"), true);
});

test("relative times", () => {
  const now = new Date("2025-03-10T12:00:00Z");
  assert.equal(createFormatter("en", "UTC").relative("2025-03-07T12:00:00Z", now), "3 days ago");
  assert.equal(createFormatter("de", "UTC").relative("2025-03-10T11:00:00Z", now), "vor 1 Stunde");
});

test("a picked day starts at midnight in the user's zone", () => {
  assert.equal(zonedDayStart("2025-03-01", "Europe/Berlin"), "2025-02-28T23:00:00.000Z");
  assert.equal(zonedDayStart("2025-07-01", "Europe/Berlin"), "2025-06-30T22:00:00.000Z");
  assert.equal(zonedDayStart("2025-03-01", "America/New_York"), "2025-03-01T05:00:00.000Z");
  assert.equal(zonedDayStart("2025-03-01", "UTC"), "2025-03-01T00:00:00.000Z");
  assert.equal(zonedDayStart("01.03.2025", "UTC"), undefined);
});
