import assert from "node:assert/strict";
import { test } from "node:test";
import { ipv4ToInt, nftRuleset, parseCidr } from "../../packages/collector/src/testing/netns.ts";
import {
  benchRules,
  extrapolate,
  extrapolateTotal,
  formatDuration,
  parseCounters,
  parseSetSizes,
  pickPrinters,
  probeRate,
  progressStreams,
  silentSamples,
} from "./layout.ts";

test("pickPrinters: 250 distinct addresses spread over the /16, last byte 1–254, reproducible", () => {
  const cidr = parseCidr("127.77.0.0/16");
  const a = pickPrinters(cidr, 250);
  assert.equal(a.length, 250);
  assert.equal(new Set(a).size, 250);
  assert.deepEqual(pickPrinters(cidr, 250), a);
  assert.notDeepEqual(pickPrinters(cidr, 250, 7), a);
  for (const ip of a) {
    const last = ipv4ToInt(ip) & 255;
    assert.ok(last >= 1 && last <= 254, ip);
    assert.ok(ip.startsWith("127.77."), ip);
  }
  // Spread: every 1/250 slice holds exactly one, so the third octet covers the whole range.
  const third = a.map((ip) => Number(ip.split(".")[2]));
  assert.ok(Math.min(...third) <= 1 && Math.max(...third) >= 254);
  assert.deepEqual(
    a.map(ipv4ToInt),
    [...a.map(ipv4ToInt)].sort((x, y) => x - y),
  );
  assert.throws(() => pickPrinters(parseCidr("127.77.0.0/24"), 250), /cannot place/);
});

test("silentSamples skips printers, .0 and .255", () => {
  const cidr = parseCidr("127.77.0.0/16");
  assert.deepEqual(silentSamples(cidr, ["127.77.0.1", "127.77.0.3"], 3), [
    "127.77.0.2",
    "127.77.0.4",
    "127.77.0.5",
  ]);
});

test("benchRules: counters and the probed set go before the drop rule", () => {
  const cidr = parseCidr("127.77.0.0/20");
  const r = benchRules(cidr);
  const text = nftRuleset({ subnet: cidr.text, answering: ["127.77.0.9"], table: "dpbench", ...r });
  assert.match(text, /set probed \{ type ipv4_addr; size 4096; flags dynamic; \}/);
  assert.ok(text.indexOf("add @probed") < text.indexOf("!= @answering drop"));
  assert.match(text, /counter snmp_req_silent \{\}/);
});

test("parseCounters / parseSetSizes read nft -j output", () => {
  const counters = parseCounters(
    JSON.stringify({
      nftables: [
        { metainfo: { version: "1.0.6" } },
        { counter: { family: "inet", name: "ping_resp", table: "dpbench", packets: 2, bytes: 168 } },
        { counter: { family: "inet", name: "unknown", table: "dpbench", packets: 9, bytes: 9 } },
      ],
    }),
  );
  assert.deepEqual(counters.ping_resp, { packets: 2, bytes: 168 });
  assert.deepEqual(counters.snmp_resp, { packets: 0, bytes: 0 });
  assert.deepEqual(
    parseSetSizes(
      JSON.stringify({
        nftables: [
          { metainfo: {} },
          { set: { name: "answering", elem: ["127.77.0.2"] } },
          { set: { name: "probed", elem: ["127.77.0.1", "127.77.0.2"] } },
          { set: { name: "pinged" } },
        ],
      }),
    ),
    { answering: 1, "answering:silent": 0, probed: 2, "probed:silent": 1, pinged: 0, "pinged:silent": 0 },
  );
});

test("probeRate takes the steady-state slope; extrapolate and formatDuration", () => {
  // Start-up: nothing for 2 s, then 10 addresses/s.
  const samples = [0, 5, 10, 15, 20, 25, 30].map((t) => {
    const n = Math.max(0, (t - 2) * 10);
    return { t, probed: n, pinged: 0, snmp: n };
  });
  assert.equal(probeRate(samples), 10);
  assert.equal(probeRate(samples, "snmp"), 10);
  assert.equal(probeRate([{ t: 4, probed: 2, pinged: 0, snmp: 2 }]), 0.5);
  assert.equal(probeRate([]), 0);
  assert.equal(extrapolate(65536, 0.5), 131072);
  assert.equal(extrapolate(65536, 0), Number.POSITIVE_INFINITY);
  assert.equal(formatDuration(131072), "36.4 h");
  assert.equal(formatDuration(95.04), "95.0 s");
  assert.equal(formatDuration(600), "10.0 min");
});

test("a stopped run: probes one by one without ping → every address is SNMP work", () => {
  const samples = [10, 20, 30, 40, 50, 60].map((t) => ({ t, probed: t / 2, pinged: 0, snmp: t / 2 }));
  const streams = progressStreams(samples.at(-1) as (typeof samples)[number], samples, 65536, 250);
  assert.deepEqual(
    streams.map((s) => [s.name, s.done, s.total]),
    [["SNMP-probed", 30, 65536]],
  );
  assert.equal(Math.round(extrapolateTotal(60, streams)), 60 + (65536 - 30) * 2);
});

test("a stopped run that pings: the slower of the ping sweep and the printers' SNMP decides", () => {
  // Ping sweep done at 40 s; printers read one per 2 s (concurrency 1).
  const samples = [10, 20, 30, 40, 50, 60].map((t) => ({
    t,
    probed: Math.min(65536, t * 1700),
    pinged: Math.min(65536, t * 1700),
    snmp: t / 2,
  }));
  const streams = progressStreams(samples.at(-1) as (typeof samples)[number], samples, 65536, 250);
  assert.deepEqual(
    streams.map((s) => [s.name, s.done, s.total]),
    [
      ["pinged", 65536, 65536],
      ["SNMP-probed", 30, 250],
    ],
  );
  assert.equal(Math.round(extrapolateTotal(60, streams)), 60 + 220 * 2);
});
