import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as snmp from "net-snmp";
import { compareOids, hasPrefix, isUnder } from "./oid.ts";
import { asNumber, asText, toSnmpValue } from "./value.ts";

const T = snmp.ObjectType;

describe("varbind values", () => {
  test("Counter64 arrives as a Buffer and becomes a bigint / safe number", () => {
    const v = toSnmpValue({ oid: "1.3", type: T.Counter64, value: Buffer.from("0100000000", "hex") });
    assert.deepEqual(v, { kind: "counter64", value: 4294967296n });
    assert.equal(asNumber(v), 4294967296);
  });
  test("a Counter64 beyond 2^53 is not turned into a wrong number", () => {
    const v = toSnmpValue({ oid: "1.3", type: T.Counter64, value: Buffer.from("ffffffffffffffff", "hex") });
    assert.equal(asNumber(v), undefined);
  });
  test("Null, exceptions and garbage are no value", () => {
    assert.equal(toSnmpValue({ oid: "1.3", type: T.Null, value: null }), undefined);
    assert.equal(toSnmpValue({ oid: "1.3", type: T.NoSuchObject, value: null }), undefined);
    assert.equal(toSnmpValue({ oid: "1.3", type: T.EndOfMibView, value: null }), undefined);
    assert.equal(toSnmpValue({ oid: "1.3", type: T.Integer, value: "12" }), undefined);
    assert.equal(toSnmpValue({ oid: "1.3", type: T.Counter, value: -1 }), undefined);
    assert.equal(toSnmpValue({ oid: "1.3", type: 99, value: 1 }), undefined);
  });
  test("text: UTF-8 when valid, else Latin-1; control characters and padding removed", () => {
    assert.equal(asText({ kind: "octets", value: Buffer.from("Büro 2. OG", "utf8") }), "Büro 2. OG");
    assert.equal(asText({ kind: "octets", value: Buffer.from([0x42, 0xfc, 0x72, 0x6f]) }), "Büro");
    assert.equal(asText({ kind: "octets", value: Buffer.from("SN123\u0000\u0000", "latin1") }), "SN123");
    assert.equal(asText({ kind: "octets", value: Buffer.from("   ") }), undefined);
  });
  test("numbers from decimal text, not from other text", () => {
    assert.equal(asNumber({ kind: "octets", value: Buffer.from(" 4711 ") }), 4711);
    assert.equal(asNumber({ kind: "octets", value: Buffer.from("47a") }), undefined);
    assert.equal(asNumber({ kind: "oid", value: "1.3.6" }), undefined);
  });
});

describe("OIDs", () => {
  test("numeric order, arc by arc", () => {
    assert.equal(compareOids("1.3.6.1.2", "1.3.6.1.10"), -1);
    assert.equal(compareOids("1.3.6.1", "1.3.6.1.0"), -1);
    assert.equal(compareOids("1.3.6.1", "1.3.6.1"), 0);
  });
  test("prefixes on whole arcs", () => {
    assert.ok(isUnder("1.3.6.1.4.1.1347.1", "1.3.6.1.4.1.1347"));
    assert.ok(!isUnder("1.3.6.1.4.1.13470", "1.3.6.1.4.1.1347"));
    assert.ok(!isUnder("1.3.6.1.4.1.1347", "1.3.6.1.4.1.1347"));
    assert.ok(hasPrefix("1.3.6.1.4.1.1347", "1.3.6.1.4.1.1347"));
  });
});
