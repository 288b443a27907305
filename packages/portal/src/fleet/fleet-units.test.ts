import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SqlFilter } from "../tenancy/pagination.ts";
import { csvCell, csvLine } from "./csv.ts";
import { keysetPlan, pageWithCursor } from "./keyset.ts";
import { deviceWebUrl } from "./presenters.ts";
import { monthBoundaries } from "./volumes.ts";

describe("month boundaries", () => {
  it("counts calendar months back across a year end, in UTC", () => {
    assert.deepEqual(
      monthBoundaries(3, new Date("2025-01-31T23:59:59Z")).map((d) => d.toISOString()),
      [
        "2024-11-01T00:00:00.000Z",
        "2024-12-01T00:00:00.000Z",
        "2025-01-01T00:00:00.000Z",
        "2025-02-01T00:00:00.000Z",
      ],
    );
    assert.deepEqual(
      monthBoundaries(1, new Date("2024-02-29T12:00:00Z")).map((d) => d.toISOString()),
      ["2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"],
    );
  });
});

describe("CSV cells", () => {
  it("quotes separators, quotes and line breaks", () => {
    assert.equal(csvCell('say "hi", then\nleave'), '"say ""hi"", then\nleave"');
    assert.equal(csvCell(null), "");
    assert.equal(csvCell(42), "42");
    assert.equal(csvLine(["a", 1, null, true]), "a,1,,true\r\n");
  });

  it("defuses text a spreadsheet would run as a formula, not negative numbers", () => {
    for (const text of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
      assert.equal(csvCell(text).replace(/^"/, "")[0], "'");
    assert.equal(csvCell(-5), "-5");
  });
});

describe("keyset cursors", () => {
  const column = { expr: "d.vendor", type: "text" as const, nullable: true };
  const ties = [{ expr: "d.device_id", type: "uuid" as const }];
  const id = "7b0c3f5e-4a7e-4f8e-9d7e-2a1b3c4d5e6f";

  it("puts nulls last both ways and continues after the cursor's row", () => {
    const rows = [
      { sort_key: "HP", tie_0: id },
      { sort_key: null, tie_0: id },
    ];
    const { nextCursor } = pageWithCursor(rows, 1, "-vendor");
    const filter = new SqlFilter();
    const plan = keysetPlan(filter, { sort: "-vendor", column, ties, cursor: nextCursor ?? undefined });
    assert.equal(plan.orderBy, "order by d.vendor desc nulls last, d.device_id desc");
    assert.equal(plan.after, "((d.vendor, d.device_id) < ($1::text, $2::uuid) or d.vendor is null)");
    assert.deepEqual(filter.params, ["HP", id]);
  });

  it("continues inside the nulls after a null key", () => {
    const { nextCursor } = pageWithCursor(
      [
        { sort_key: null, tie_0: id },
        { sort_key: null, tie_0: id },
      ],
      1,
      "vendor",
    );
    const plan = keysetPlan(new SqlFilter(), {
      sort: "vendor",
      column,
      ties,
      cursor: nextCursor ?? undefined,
    });
    assert.equal(plan.after, "(d.vendor is null and (d.device_id) > ($1::uuid))");
  });

  it("refuses cursors that do not fit the sort", () => {
    const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString("base64url");
    const plan = (sort: string, raw: string, type: "text" | "timestamptz" | "bigint" = "text") =>
      keysetPlan(new SqlFilter(), { sort, column: { ...column, type }, ties, cursor: raw });
    assert.throws(() => plan("vendor", cursor(["model", "HP", id])), /another sort/);
    assert.throws(() => plan("vendor", cursor(["vendor", "HP", "not-a-uuid"])), /malformed/);
    assert.throws(() => plan("vendor", cursor(["vendor", "HP"])), /malformed/);
    assert.throws(() => plan("vendor", "%%%"), /malformed/);
    assert.throws(
      () => plan("total", cursor(["total", "1e3; drop table devices", id]), "bigint"),
      /malformed/,
    );
    assert.throws(() => plan("seen", cursor(["seen", "2025-01-01", id]), "timestamptz"), /malformed/);
    assert.doesNotThrow(() =>
      plan("seen", cursor(["seen", "2025-01-01 10:00:00.123456+00", id]), "timestamptz"),
    );
  });
});

describe("device web page", () => {
  it("links the device's address, IPv6 in brackets", () => {
    assert.equal(deviceWebUrl("10.0.0.5"), "http://10.0.0.5/");
    assert.equal(deviceWebUrl("fd00::5"), "http://[fd00::5]/");
    assert.equal(deviceWebUrl(null), null);
  });
});
