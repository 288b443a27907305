import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseScanTargets, TargetError } from "./targets.ts";

// A real collection before each heap reading; without it, garbage would blur the figures.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapUsedAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

function refuses(settings: Parameters<typeof parseScanTargets>[0], message: string) {
  assert.throws(
    () => parseScanTargets(settings),
    (err: unknown) => err instanceof TargetError && err.message === message,
  );
}

describe("scan targets", () => {
  test("the settings' example: ascending, each address once, exclusions applied", () => {
    const scan = parseScanTargets({
      targets: ["203.0.113.5", "198.51.100.10-198.51.100.60", "192.0.2.0/24"],
      exclusions: ["192.0.2.1"],
    });
    assert.equal(scan.count, 253 + 51 + 1);
    const all = [...scan];
    assert.equal(all.length, scan.count);
    assert.equal(all[0], "192.0.2.2");
    assert.equal(all[252], "192.0.2.254");
    assert.equal(all[253], "198.51.100.10");
    assert.equal(all.at(-1), "203.0.113.5");
    assert.deepEqual(
      [...scan.addressNumbers()],
      [...scan.addressNumbers()].sort((a, b) => a - b),
    );
  });

  test("overlapping and duplicate targets count once", () => {
    const scan = parseScanTargets({
      targets: [
        "192.0.2.0/24",
        "192.0.2.10-192.0.2.50",
        "192.0.2.40-60",
        "192.0.2.5",
        "192.0.2.5",
        "192.0.2.250-192.0.3.3",
      ],
    });
    assert.equal(scan.count, 254 + 1 + 4); // .1–.254, then .255 (not network/broadcast of a range), 192.0.3.0–3
    assert.equal(new Set(scan).size, scan.count);
    assert.deepEqual(
      scan.intervals.map((i) => [i.first, i.last]),
      [[0xc0000201, 0xc0000303]],
    );
    // Each target still reports its own addresses.
    assert.deepEqual(
      scan.targets.map((t) => [t.input, t.addresses]),
      [
        ["192.0.2.0/24", 254],
        ["192.0.2.10-192.0.2.50", 41],
        ["192.0.2.40-60", 21],
        ["192.0.2.5", 1],
        ["192.0.2.5", 1],
        ["192.0.2.250-192.0.3.3", 10],
      ],
    );
  });

  test("exclusions split intervals; excluding everything leaves nothing", () => {
    const scan = parseScanTargets({
      targets: ["192.0.2.0/24"],
      exclusions: ["192.0.2.10-19", "192.0.2.100", "192.0.2.128/25", "198.51.100.0/24"],
    });
    assert.deepEqual(scan.targets[0]?.intervals, [
      "192.0.2.1-192.0.2.9",
      "192.0.2.20-192.0.2.99",
      "192.0.2.101-192.0.2.127",
    ]);
    assert.equal(scan.count, 9 + 80 + 27);
    assert.deepEqual(scan.targets[0]?.notes, ["network and broadcast addresses left out", "138 excluded"]);
    assert.equal(scan.contains("192.0.2.15"), false);
    assert.equal(scan.contains("192.0.2.20"), true);
    const none = parseScanTargets({ targets: ["192.0.2.5"], exclusions: ["192.0.2.0/24"] });
    assert.equal(none.count, 0);
    assert.deepEqual([...none], []);
    assert.deepEqual(none.targets[0]?.notes, ["all excluded"]);
  });

  test("contains() answers for addresses and numbers, false for anything else", () => {
    const scan = parseScanTargets({
      targets: ["10.0.0.0/16", "192.0.2.7", "198.51.100.1-9"],
      maxAddresses: 70_000,
    });
    for (const yes of ["10.0.0.1", "10.0.255.254", "192.0.2.7", "198.51.100.9", 0xc0000207]) {
      assert.equal(scan.contains(yes), true, String(yes));
    }
    for (const no of [
      "10.0.0.0",
      "10.0.255.255",
      "10.1.0.1",
      "192.0.2.8",
      "198.51.100.10",
      "",
      "x",
      "::1",
      1.5,
      -1,
    ]) {
      assert.equal(scan.contains(no), false, String(no));
    }
  });

  test("a /16 iterates 65,534 addresses without an array: memory does not follow the range size", () => {
    const scan = parseScanTargets({ targets: ["10.20.0.0/16"] });
    assert.equal(scan.count, 65_534);
    const walks = [() => scan.addressNumbers(), () => scan.addresses()];
    // Warm up first, so compiled code and its feedback are on the heap before the first reading.
    for (const walk of walks) for (const _ of walk());
    // Read the heap halfway through each walk: had the generator built the list, it would hold
    // 65k entries at that point (≥ 512 kB as numbers, several MB as strings).
    for (const walk of walks) {
      const before = heapUsedAfterGc();
      let seen = 0;
      let midway = 0;
      let previous: unknown;
      for (const address of walk()) {
        assert.notEqual(address, previous);
        previous = address;
        seen++;
        if (seen === 32_768) midway = heapUsedAfterGc();
      }
      assert.equal(seen, 65_534);
      assert.ok(midway - before < 400_000, `heap grew by ${midway - before} bytes while iterating`);
    }
  });

  test("a /8 (with the limit raised) is built without allocating its 16.7 M addresses", () => {
    const before = heapUsedAfterGc();
    const scan = parseScanTargets({ targets: ["10.0.0.0/8"], maxAddresses: 2 ** 24 });
    assert.equal(scan.count, 16_777_214);
    const firstThree: string[] = [];
    for (const address of scan) {
      firstThree.push(address);
      if (firstThree.length === 3) break;
    }
    assert.deepEqual(firstThree, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    assert.equal(scan.contains("10.255.255.254"), true);
    assert.ok(heapUsedAfterGc() - before < 1_000_000);
  });

  test("chunks() cuts the addresses into ordered batches", () => {
    const scan = parseScanTargets({ targets: ["192.0.2.1-10", "192.0.2.20-22"] });
    const chunks = [...scan.chunks(4)];
    assert.deepEqual(
      chunks.map((c) => c.length),
      [4, 4, 4, 1],
    );
    assert.deepEqual(chunks.flat(), [...scan]);
    assert.equal(chunks[2]?.[2], "192.0.2.20");
    assert.throws(() => scan.chunks(0).next(), RangeError);
  });

  test("/31 and /32 targets keep all their addresses", () => {
    assert.deepEqual([...parseScanTargets({ targets: ["192.0.2.6/31"] })], ["192.0.2.6", "192.0.2.7"]);
    assert.deepEqual([...parseScanTargets({ targets: ["192.0.2.9/32"] })], ["192.0.2.9"]);
    assert.deepEqual([...parseScanTargets({ targets: ["192.0.2.8/30"] })], ["192.0.2.9", "192.0.2.10"]);
  });

  test("never-scanned addresses are dropped from a range and reported", () => {
    const scan = parseScanTargets({ targets: ["223.255.255.254-224.0.0.9"] });
    assert.deepEqual([...scan], ["223.255.255.254", "223.255.255.255"]);
    assert.deepEqual(scan.targets[0]?.notes, [
      "left out 224.0.0.0-224.0.0.9: multicast (224.0.0.0/4), never scanned",
    ]);
  });

  test("a /8 typed by mistake is refused, naming it and the setting", () => {
    refuses(
      { targets: ["192.0.2.0/24", "192.0.0.0/8"] },
      "192.0.0.0/8 is 16,777,214 addresses, more than the limit of 65,536 (setting maxAddresses)",
    );
  });

  test("the limit applies to the total after overlaps and exclusions", () => {
    refuses(
      { targets: ["10.1.0.0/16", "10.2.0.0/24"] },
      "the targets add up to 65,788 addresses (overlaps counted once, exclusions taken out), more than the limit of 65,536 (setting maxAddresses); the largest: 10.1.0.0/16 (65,534), 10.2.0.0/24 (254)",
    );
    assert.equal(parseScanTargets({ targets: ["10.1.0.0/16", "10.1.0.0/24"] }).count, 65_534);
    assert.equal(
      parseScanTargets({ targets: ["10.1.0.0/16", "10.2.0.0/24"], exclusions: ["10.1.0.0/24"] }).count,
      65_534 - 255 + 254,
    );
    refuses(
      { targets: ["192.0.2.0/24"], maxAddresses: 100 },
      "192.0.2.0/24 is 254 addresses, more than the limit of 100 (setting maxAddresses)",
    );
    assert.equal(parseScanTargets({ targets: ["192.0.2.0/24"], maxAddresses: 254 }).count, 254);
    assert.throws(() => parseScanTargets({ targets: [], maxAddresses: 0 }), RangeError);
  });

  test("a bad target or exclusion stops the whole plan, named (with its list-file line)", () => {
    refuses({ targets: ["192.0.2.0/24", "192.0.2.300"] }, "192.0.2.300 is not a valid IPv4 address");
    refuses(
      { targets: ["192.0.2.0/24"], exclusions: ["192.0.2.0/40"] },
      "192.0.2.0/40: invalid prefix /40 (the prefix is a whole number from 0 to 32)",
    );
    refuses(
      { targets: [{ text: "192.0.2.9-1", source: "printers.csv line 7" }] },
      "printers.csv line 7: 192.0.2.9-1 is reversed: 192.0.2.9 comes after 192.0.2.1 (write 192.0.2.1-192.0.2.9)",
    );
    refuses(
      { targets: [{ text: "10.0.0.0/8", source: "printers.csv line 2" }] },
      "printers.csv line 2: 10.0.0.0/8 is 16,777,214 addresses, more than the limit of 65,536 (setting maxAddresses)",
    );
  });

  test("the report describes each target as written and what it came to", () => {
    const scan = parseScanTargets({
      targets: ["192.0.2.0/24", { text: "198.51.100.10-12", source: "list.txt line 3" }],
      exclusions: ["192.0.2.1"],
    });
    assert.deepEqual(scan.targets[1], {
      input: "198.51.100.10-12",
      source: "list.txt line 3",
      kind: "range",
      intervals: ["198.51.100.10-198.51.100.12"],
      addresses: 3,
      notes: [],
    });
    assert.deepEqual(scan.report(), [
      "192.0.2.0/24: 253 addresses, 192.0.2.2-192.0.2.254 (network and broadcast addresses left out; 1 excluded)",
      "list.txt line 3: 198.51.100.10-12: 3 addresses, 198.51.100.10-198.51.100.12",
      "excluded 192.0.2.1: 1 address, 192.0.2.1",
      "256 addresses to scan",
    ]);
  });
});
