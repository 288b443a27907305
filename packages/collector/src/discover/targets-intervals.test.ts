import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  countAddresses,
  formatInterval,
  intervalsContain,
  mergeIntervals,
  subtractIntervals,
} from "./targets-intervals.ts";

const i = (first: number, last: number) => ({ first, last });

describe("intervals", () => {
  test("merging sorts, joins overlapping and touching intervals, keeps gaps", () => {
    assert.deepEqual(mergeIntervals([i(20, 30), i(1, 5), i(4, 10), i(11, 12), i(14, 14), i(25, 26)]), [
      i(1, 12),
      i(14, 14),
      i(20, 30),
    ]);
    assert.deepEqual(mergeIntervals([]), []);
  });

  test("subtracting splits, trims and removes", () => {
    const from = [i(0, 100), i(200, 210)];
    assert.deepEqual(subtractIntervals(from, [i(10, 19), i(50, 50), i(95, 205)]), [
      i(0, 9),
      i(20, 49),
      i(51, 94),
      i(206, 210),
    ]);
    assert.deepEqual(subtractIntervals(from, [i(0, 300)]), []);
    assert.deepEqual(subtractIntervals(from, []), from);
    assert.deepEqual(subtractIntervals(from, [i(101, 199)]), from);
  });

  test("counting and membership work at the ends of the address space", () => {
    const all = [i(0, 2 ** 32 - 1)];
    assert.equal(countAddresses(all), 2 ** 32);
    assert.equal(intervalsContain(all, 2 ** 32 - 1), true);
    const some = [i(5, 9), i(20, 20), i(100, 200)];
    const members = [5, 9, 20, 100, 150, 200];
    const outsiders = [0, 4, 10, 19, 21, 99, 201, 2 ** 32 - 1];
    for (const n of members) assert.equal(intervalsContain(some, n), true, String(n));
    for (const n of outsiders) assert.equal(intervalsContain(some, n), false, String(n));
    assert.equal(intervalsContain([], 1), false);
  });

  test("intervals print in the forms a target is written in", () => {
    assert.equal(formatInterval(i(0xc0000201, 0xc00002fe)), "192.0.2.1-192.0.2.254");
    assert.equal(formatInterval(i(0xc0000205, 0xc0000205)), "192.0.2.5");
  });
});
