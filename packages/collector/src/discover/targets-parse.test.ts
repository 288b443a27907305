import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TargetError } from "./targets-error.ts";
import { formatInterval } from "./targets-intervals.ts";
import { parseExclusion, parseTarget } from "./targets-parse.ts";

const covers = (text: string) => parseTarget(text).intervals.map(formatInterval);

/** Asserts that parsing `text` fails with exactly `message`, naming the input. */
function refuses(text: string, message: string, parse = parseTarget) {
  assert.throws(
    () => parse(text),
    (err: unknown) => {
      assert.ok(err instanceof TargetError, String(err));
      assert.equal(err.message, message);
      assert.equal(err.input, text.trim());
      return true;
    },
  );
}

describe("one target", () => {
  test("a single address", () => {
    assert.deepEqual(parseTarget(" 192.0.2.5 "), {
      input: "192.0.2.5",
      kind: "address",
      intervals: [{ first: 0xc0000205, last: 0xc0000205 }],
      notes: [],
    });
  });

  test("a range, long and short, with a hyphen or an en dash, spaces allowed", () => {
    assert.deepEqual(covers("192.0.2.10-192.0.2.50"), ["192.0.2.10-192.0.2.50"]);
    assert.deepEqual(covers("192.0.2.10-50"), ["192.0.2.10-192.0.2.50"]);
    assert.deepEqual(covers("192.0.2.10 – 192.0.2.50"), ["192.0.2.10-192.0.2.50"]);
    assert.deepEqual(covers("192.0.2.10-10"), ["192.0.2.10"]);
    assert.deepEqual(covers("192.0.2.250-192.0.3.5"), ["192.0.2.250-192.0.3.5"]);
    assert.equal(parseTarget("192.0.2.10-50").kind, "range");
  });

  test("a CIDR of /30 or wider loses its network and broadcast addresses", () => {
    const t = parseTarget("192.0.2.0/24");
    assert.equal(t.kind, "cidr");
    assert.deepEqual(t.intervals.map(formatInterval), ["192.0.2.1-192.0.2.254"]);
    assert.deepEqual(t.notes, ["network and broadcast addresses left out"]);
    assert.deepEqual(covers("192.0.2.4/30"), ["192.0.2.5-192.0.2.6"]);
    assert.deepEqual(covers("10.1.0.0/16"), ["10.1.0.1-10.1.255.254"]);
  });

  test("a /31 (point-to-point) and a /32 keep every address", () => {
    assert.deepEqual(parseTarget("192.0.2.6/31"), {
      input: "192.0.2.6/31",
      kind: "cidr",
      intervals: [{ first: 0xc0000206, last: 0xc0000207 }],
      notes: [],
    });
    assert.deepEqual(covers("192.0.2.9/32"), ["192.0.2.9"]);
  });

  test("host bits in a CIDR are taken as its network, with a note", () => {
    const t = parseTarget("192.0.2.77/24");
    assert.deepEqual(t.intervals.map(formatInterval), ["192.0.2.1-192.0.2.254"]);
    assert.deepEqual(t.notes, [
      "192.0.2.77/24 is taken as the network 192.0.2.0/24",
      "network and broadcast addresses left out",
    ]);
  });

  test("never-scanned addresses are dropped from a bigger target, with a note", () => {
    const t = parseTarget("223.255.255.250-224.0.0.20");
    assert.deepEqual(t.intervals.map(formatInterval), ["223.255.255.250-223.255.255.255"]);
    assert.deepEqual(t.notes, ["left out 224.0.0.0-224.0.0.20: multicast (224.0.0.0/4), never scanned"]);
    const low = parseTarget("0.255.255.0-1.0.0.3");
    assert.deepEqual(low.intervals.map(formatInterval), ["1.0.0.0-1.0.0.3"]);
    assert.match(
      low.notes[0] ?? "",
      /^left out 0\.255\.255\.0-0\.255\.255\.255: "this network" \(0\.0\.0\.0\/8\)/,
    );
    const everything = parseTarget("0.0.0.0/0");
    assert.deepEqual(everything.intervals.map(formatInterval), ["1.0.0.0-223.255.255.255"]);
    assert.deepEqual(everything.notes, [
      "network and broadcast addresses left out",
      'left out 0.0.0.1-0.255.255.255: "this network" (0.0.0.0/8), never scanned',
      "left out 224.0.0.0-239.255.255.255: multicast (224.0.0.0/4), never scanned",
      "left out 240.0.0.0-255.255.255.254: reserved (240.0.0.0/4), never scanned",
    ]);
  });

  test("a target made only of never-scanned addresses is refused", () => {
    refuses("224.0.0.1", "224.0.0.1 is multicast (224.0.0.0/4): never scanned, printers are unicast hosts");
    refuses(
      "239.255.255.250-239.255.255.253",
      "239.255.255.250-239.255.255.253 is multicast (224.0.0.0/4): never scanned, printers are unicast hosts",
    );
    refuses(
      "255.255.255.255",
      "255.255.255.255 is the broadcast address 255.255.255.255: never scanned, printers are unicast hosts",
    );
    refuses(
      "240.0.0.0/4",
      "240.0.0.0/4 is reserved (240.0.0.0/4): never scanned, printers are unicast hosts",
    );
    refuses(
      "0.0.0.0/8",
      '0.0.0.0/8 is "this network" (0.0.0.0/8): never scanned, printers are unicast hosts',
    );
    refuses("0.0.0.0", '0.0.0.0 is "this network" (0.0.0.0/8): never scanned, printers are unicast hosts');
    refuses(
      "224.0.0.0/3",
      "224.0.0.0/3 is multicast (224.0.0.0/4) and reserved (240.0.0.0/4): never scanned, printers are unicast hosts",
    );
  });

  test("invalid addresses are named", () => {
    refuses("192.0.2.256", "192.0.2.256 is not a valid IPv4 address");
    refuses("192.0.2", "192.0.2 is not a valid IPv4 address");
    refuses(
      "192.168.010.1",
      "192.168.010.1 is not a valid IPv4 address (leading zeros are ambiguous: write 192.168.10.1)",
    );
    refuses(
      "printer.example",
      "printer.example is not a valid IPv4 address (host names are not accepted here)",
    );
    refuses("192.0.2.1-192.0.2.300", "192.0.2.1-192.0.2.300: 192.0.2.300 is not a valid IPv4 address");
    refuses("192.0.2.1-", "192.0.2.1-: an address is missing");
    refuses("192.0.2.1-2-3", "192.0.2.1-2-3 is not a valid range: write from-to");
    refuses("192.0.2.1-256", "192.0.2.1-256: 256 is not a valid last octet (0 to 255)");
    refuses(
      "192.0.2.x/24",
      "192.0.2.x/24: 192.0.2.x is not a valid IPv4 address (host names are not accepted here)",
    );
    refuses("   ", "an empty target: give an address, a range or a CIDR");
  });

  test("invalid prefixes are named", () => {
    const why = "(the prefix is a whole number from 0 to 32)";
    refuses("192.0.2.0/33", `192.0.2.0/33: invalid prefix /33 ${why}`);
    refuses("192.0.2.0/", `192.0.2.0/: invalid prefix / ${why}`);
    refuses("192.0.2.0/abc", `192.0.2.0/abc: invalid prefix /abc ${why}`);
    refuses("192.0.2.0/-1", `192.0.2.0/-1: invalid prefix /-1 ${why}`);
    refuses("192.0.2.0/24/8", `192.0.2.0/24/8: invalid prefix /24/8 ${why}`);
  });

  test("a reversed range is refused, with the order that works", () => {
    refuses(
      "192.0.2.50-192.0.2.10",
      "192.0.2.50-192.0.2.10 is reversed: 192.0.2.50 comes after 192.0.2.10 (write 192.0.2.10-192.0.2.50)",
    );
    refuses(
      "192.0.2.50-10",
      "192.0.2.50-10 is reversed: 192.0.2.50 comes after 192.0.2.10 (write 192.0.2.10-192.0.2.50)",
    );
  });

  test("IPv6 is refused clearly in every form", () => {
    refuses("2001:db8::1", "2001:db8::1 is IPv6: only IPv4 targets are supported");
    refuses("2001:db8::/64", "2001:db8::/64 is IPv6: only IPv4 targets are supported");
    refuses(
      "2001:db8::1-2001:db8::9",
      "2001:db8::1-2001:db8::9: 2001:db8::1 is IPv6: only IPv4 targets are supported",
    );
    refuses("::1", "::1 is IPv6: only IPv4 targets are supported", parseExclusion);
  });

  test("an exclusion is taken whole: no network/broadcast trimming, no refusal of reserved blocks", () => {
    assert.deepEqual(parseExclusion("192.0.2.0/24").intervals.map(formatInterval), ["192.0.2.0-192.0.2.255"]);
    assert.deepEqual(parseExclusion("224.0.0.1").intervals.map(formatInterval), ["224.0.0.1"]);
    refuses(
      "192.0.2.9-1",
      "192.0.2.9-1 is reversed: 192.0.2.9 comes after 192.0.2.1 (write 192.0.2.1-192.0.2.9)",
      parseExclusion,
    );
  });
});
