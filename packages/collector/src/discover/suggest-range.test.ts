import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { InterfaceTable } from "./suggest-range.ts";
import { suggestRanges, suggestRangesForThisHost } from "./suggest-range.ts";
import { parseScanTargets } from "./targets.ts";

const v4 = (address: string, netmask: string, internal = false) => ({
  address,
  netmask,
  family: "IPv4" as const,
  internal,
});
const v6 = (address: string) => ({
  address,
  netmask: "ffff:ffff:ffff:ffff::",
  family: "IPv6" as const,
  internal: false,
});

const loopback = { lo: [v4("127.0.0.1", "255.0.0.0", true), { ...v6("::1"), internal: true }] };

describe("suggest-range", () => {
  test("a /24 interface gives its subnet", () => {
    assert.deepEqual(
      suggestRanges({ ...loopback, eth0: [v4("192.0.2.15", "255.255.255.0"), v6("fe80::1")] }),
      [{ cidr: "192.0.2.0/24", hostAddress: "192.0.2.15", addresses: 254, interfaces: ["eth0"] }],
    );
  });

  test("a subnet wider than /16 is cut to the host's /24, with a note; a /16 is kept", () => {
    assert.deepEqual(
      suggestRanges({ eth0: [v4("10.42.7.9", "255.0.0.0")], wlan0: [v4("172.16.3.4", "255.255.0.0")] }),
      [
        {
          cidr: "10.42.7.0/24",
          hostAddress: "10.42.7.9",
          addresses: 254,
          interfaces: ["eth0"],
          note: "10.0.0.0/8 is larger than /16: proposing the /24 around this host's address only",
        },
        { cidr: "172.16.0.0/16", hostAddress: "172.16.3.4", addresses: 65_534, interfaces: ["wlan0"] },
      ],
    );
  });

  test("link-local, loopback, IPv6-only and /32 interfaces are left out", () => {
    const table: InterfaceTable = {
      ...loopback,
      eth1: [v4("169.254.10.20", "255.255.0.0"), v6("fe80::2")],
      eth2: [v6("2001:db8::5")],
      tun0: [v4("198.51.100.77", "255.255.255.255")],
      down: undefined,
    };
    assert.deepEqual(suggestRanges(table), []);
  });

  test("loopback on request (tests scan simulated printers there), as a /24", () => {
    assert.deepEqual(suggestRanges(loopback, { includeLoopback: true }), [
      {
        cidr: "127.0.0.0/24",
        hostAddress: "127.0.0.1",
        addresses: 254,
        interfaces: ["lo"],
        note: "127.0.0.0/8 is larger than /16: proposing the /24 around this host's address only",
      },
    ]);
  });

  test("interfaces on one subnet are proposed once; small subnets keep their prefix", () => {
    const table = {
      br0: [v4("192.0.2.1", "255.255.255.0")],
      eth0: [v4("192.0.2.2", "255.255.255.0"), v4("198.51.100.9", "255.255.255.248")],
      p2p: [v4("203.0.113.6", "255.255.255.254")],
    };
    assert.deepEqual(
      suggestRanges(table).map((r) => [r.cidr, r.interfaces, r.addresses]),
      [
        ["192.0.2.0/24", ["br0", "eth0"], 254],
        ["198.51.100.8/29", ["eth0"], 6],
        ["203.0.113.6/31", ["p2p"], 2],
      ],
    );
  });

  test("every proposal is a valid scan target within the default limit", () => {
    const table = {
      a: [v4("10.1.2.3", "255.0.0.0")],
      b: [v4("172.20.1.1", "255.255.0.0")],
      c: [v4("192.0.2.9", "255.255.255.192")],
    };
    for (const { cidr, addresses } of suggestRanges(table)) {
      assert.equal(parseScanTargets({ targets: [cidr] }).count, addresses, cidr);
    }
  });

  test("the wrapper reads this machine's interfaces", () => {
    const ranges = suggestRangesForThisHost({ includeLoopback: true });
    assert.ok(ranges.some((r) => r.cidr === "127.0.0.0/24"));
  });
});
