import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { decodeOid, encodeOid, encodeValue, integerContent, parseOid, Type } from "./ber.ts";
import { findRecord, loadSnmprec, lowerBound, parseSnmprec } from "./snmprec.ts";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures");

describe("parseSnmprec", () => {
  it("reads every tag and keeps records in numeric OID order", () => {
    const rec = parseSnmprec(
      [
        "1.3.6.1.2.1.1.10.0|2|-5",
        "1.3.6.1.2.1.1.9.0|4|text with | bar",
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.32473",
        "1.3.6.1.2.1.1.3.0|67|4294967295",
        "1.3.6.1.2.1.2.2.1.6.2|4x|00005E005321",
        "1.3.6.1.2.1.4.20.1.1.192.0.2.1|64|192.0.2.1",
        "1.3.6.1.2.1.4.20.1.1.192.0.2.2|64x|c0000202",
        "1.3.6.1.2.1.2.2.1.10.1|65|123",
        "1.3.6.1.2.1.2.2.1.5.1|66|1000000000",
        "1.3.6.1.2.1.5.1.0|68x|9f780441",
        "1.3.6.1.2.1.31.1.1.1.6.1|70|18446744073709551615",
        "1.3.6.1.2.1.99.1.0|5|",
        "1.3.6.1.2.1.99.2.0|4e|a\\x00b\\n",
        "1.3.6.1.2.1.99.3.0|2x|ff",
      ].join("\r\n"),
    );
    assert.deepEqual(rec.issues, []);
    assert.deepEqual(
      rec.records.map((r) => r.oid),
      [
        "1.3.6.1.2.1.1.2.0",
        "1.3.6.1.2.1.1.3.0",
        "1.3.6.1.2.1.1.9.0",
        "1.3.6.1.2.1.1.10.0",
        "1.3.6.1.2.1.2.2.1.5.1",
        "1.3.6.1.2.1.2.2.1.6.2",
        "1.3.6.1.2.1.2.2.1.10.1",
        "1.3.6.1.2.1.4.20.1.1.192.0.2.1",
        "1.3.6.1.2.1.4.20.1.1.192.0.2.2",
        "1.3.6.1.2.1.5.1.0",
        "1.3.6.1.2.1.31.1.1.1.6.1",
        "1.3.6.1.2.1.99.1.0",
        "1.3.6.1.2.1.99.2.0",
        "1.3.6.1.2.1.99.3.0",
      ],
    );
    const by = (oid: string) => rec.records.find((r) => r.oid === oid);
    assert.equal(by("1.3.6.1.2.1.1.10.0")?.value, -5);
    assert.deepEqual(by("1.3.6.1.2.1.1.9.0")?.value, Buffer.from("text with | bar"));
    assert.deepEqual(by("1.3.6.1.2.1.1.2.0")?.value, [1, 3, 6, 1, 4, 1, 32473]);
    assert.deepEqual(by("1.3.6.1.2.1.2.2.1.6.2")?.value, Buffer.from("00005e005321", "hex"));
    assert.deepEqual(by("1.3.6.1.2.1.4.20.1.1.192.0.2.2")?.value, Buffer.from([192, 0, 2, 2]));
    assert.equal(by("1.3.6.1.2.1.31.1.1.1.6.1")?.value, 2n ** 64n - 1n);
    assert.equal(by("1.3.6.1.2.1.99.1.0")?.value, null);
    assert.deepEqual(by("1.3.6.1.2.1.99.2.0")?.value, Buffer.from([0x61, 0, 0x62, 10]));
    assert.equal(by("1.3.6.1.2.1.99.3.0")?.value, 255);
    assert.equal(by("1.3.6.1.2.1.5.1.0")?.type, Type.Opaque);
  });

  it("keeps the exact bytes of non-ASCII text, like snmpsim", () => {
    const rec = parseSnmprec(Buffer.from("1.3.6.1.2.1.1.6.0|4|Büro 3\n", "utf8"));
    assert.deepEqual(rec.records[0]?.value, Buffer.from("Büro 3", "utf8"));
  });

  it("skips and reports bad lines without throwing", () => {
    const rec = parseSnmprec(
      [
        "# a comment",
        "",
        "1.3.6.1.2.1.1.1.0|4|fine",
        "no bars at all",
        "1.3.6.x.1|2|1",
        "1.3.6.1.2.1.1.7.0|2|seventy",
        "1.3.6.1.2.1.1.7.0|2|2147483648",
        "1.3.6.1.2.1.1.8.0|65|-1",
        "1.3.6.1.2.1.1.9.0|99|x",
        "1.3.6.1.2.1.1.10.0|2:numeric|min=1",
        "1.3.6.1.2.1.1.11.0|4x|abc",
        "1.3.6.1.2.1.1.12.0|6|0",
        "1.3.6.1.2.1.1.13.0|64|300.1.2.3",
        "1.3.6.1.2.1.1.1.0|4|duplicate",
        "1.3.6.1.2.1.1.14.0|67|1",
      ].join("\n"),
    );
    assert.deepEqual(
      rec.records.map((r) => r.oid),
      ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.14.0"],
    );
    assert.deepEqual(rec.records[0]?.value, Buffer.from("fine"));
    assert.equal(rec.issues.length, 11);
    assert.deepEqual(
      rec.issues.filter((i) => i.line > 0).map((i) => i.line),
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    );
    assert.match(rec.issues.find((i) => i.line === 10)?.reason ?? "", /variation/);
    assert.match(rec.issues.at(-1)?.reason ?? "", /duplicate/);
  });

  it("finds exact and next records by binary search", () => {
    const { records } = parseSnmprec(
      "1.3.6.1.2.1.1.1.0|4|a\n1.3.6.1.2.1.1.2.0|6|1.3.6\n1.3.6.1.2.1.2.1.0|2|1\n",
    );
    assert.equal(findRecord(records, [1, 3, 6, 1, 2, 1, 1, 2, 0]), 1);
    assert.equal(findRecord(records, [1, 3, 6, 1, 2, 1, 1, 2]), -1);
    assert.equal(lowerBound(records, [1, 3, 6, 1, 2, 1, 1, 2], false), 1);
    assert.equal(lowerBound(records, [1, 3, 6, 1, 2, 1, 1, 2, 0], false), 2);
    assert.equal(lowerBound(records, [1, 3, 6, 1, 2, 1, 2, 1, 0], false), 3);
    assert.equal(lowerBound(records, [1], false), 0);
  });

  it("loads the project's own fixtures without issues", () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".snmprec"));
    assert.ok(files.length >= 2);
    for (const f of files) {
      const rec = loadSnmprec(join(FIXTURES, f));
      assert.deepEqual(rec.issues, [], f);
      assert.equal(rec.name, f.replace(/\.snmprec$/, ""));
      assert.ok(rec.records.length > 50, f);
    }
  });
});

describe("BER encoding", () => {
  it("encodes integers in minimal two's complement", () => {
    const hex = (v: number | bigint) => integerContent(v).toString("hex");
    assert.equal(hex(0), "00");
    assert.equal(hex(127), "7f");
    assert.equal(hex(128), "0080");
    assert.equal(hex(-1), "ff");
    assert.equal(hex(-129), "ff7f");
    assert.equal(hex(2 ** 31 - 1), "7fffffff");
    assert.equal(hex(-(2 ** 31)), "80000000");
    assert.equal(hex(2 ** 32 - 1), "00ffffffff");
    assert.equal(hex(2n ** 64n - 1n), "00ffffffffffffffff");
    assert.equal(encodeValue(Type.Counter64, 2n ** 63n).toString("hex"), "4609008000000000000000");
    assert.equal(encodeValue(Type.Null, null).toString("hex"), "0500");
  });

  it("encodes and decodes OIDs, large arcs included", () => {
    for (const oid of ["1.3.6.1.2.1.1.1.0", "0.0", "2.999.3", "1.3.6.1.4.1.4294967295.128.16383.16384"]) {
      const arcs = parseOid(oid) as number[];
      const tlv = encodeOid(arcs);
      assert.equal(tlv[0], 0x06);
      assert.deepEqual(decodeOid(tlv.subarray(2)), arcs, oid);
    }
    assert.equal(encodeOid([1, 3, 6, 1]).toString("hex"), "06032b0601");
    assert.equal(parseOid("1.3.6.1.4.1.4294967296"), undefined);
    assert.equal(parseOid("0"), undefined);
    assert.equal(parseOid("1.40"), undefined);
    assert.deepEqual(parseOid(".1.3.6"), [1, 3, 6]);
    assert.equal(decodeOid(Buffer.from([0x2b, 0x86])), undefined);
  });
});
