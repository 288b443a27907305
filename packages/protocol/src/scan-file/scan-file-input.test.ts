import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectXmlError } from "../xml/expect-xml-error.ts";
import { XmlError, type XmlErrorCode } from "../xml/safe-xml.ts";
import { minimalScan, realisticScan } from "./scan-file.fixtures.ts";
import { maxScanFileXmlLength, scanFileFromXml, scanFileToXml } from "./scan-file.ts";

/** Asserts scanFileFromXml throws an XmlError with `code`, a message matching `message`, and `field`. */
function rejects(
  xml: string,
  code: XmlErrorCode,
  message: RegExp,
  field?: string,
  options?: { maxLength?: number },
): XmlError {
  return expectXmlError(() => scanFileFromXml(xml, options), code, message, field);
}

/** Five devices, one line each, so a test can change one of them. */
const base = scanFileToXml(realisticScan(5));
const small = scanFileToXml(minimalScan);

/** The document with `edit` applied to the line of the `index`-th `<reading>`. */
function editDevice(index: number, edit: (line: string) => string): string {
  let seen = -1;
  const out = base
    .split("\n")
    .map((line) => (line.startsWith("<reading") && ++seen === index ? edit(line) : line))
    .join("\n");
  assert.notEqual(out, base, "the edit changed nothing");
  return out;
}

function edit(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  assert.notEqual(out, xml, `no ${String(from)} in the document`);
  return out;
}

describe("scanFileFromXml: hostile input", () => {
  it("rejects a DOCTYPE and ENTITY declarations", () => {
    const e = rejects(
      `<?xml version="1.0"?>\n<!DOCTYPE scan SYSTEM "scan.dtd">\n${small}`,
      "dtd-forbidden",
      /DOCTYPE/,
    );
    assert.equal(e.line, 2);
    rejects(
      edit(small, "<scan ", `<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><scan `),
      "dtd-forbidden",
      /DOCTYPE/,
    );
  });

  it("rejects entity expansion (billion laughs) fast", () => {
    const entities = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join("\n");
    const xml = `<!DOCTYPE scan [<!ENTITY lol0 "lol">\n${entities}]>\n${edit(small, 'hostname=""', 'hostname="&lol9;"')}`;
    const start = performance.now();
    rejects(xml, "dtd-forbidden", /DOCTYPE/);
    assert.ok(performance.now() - start < 50);
  });

  it("rejects undefined entities", () => {
    rejects(edit(small, 'hostname=""', 'hostname="&lol9;"'), "malformed", /undefined entity &lol9;/);
  });

  it("rejects a truncated document wherever it is cut", () => {
    const end = base.lastIndexOf("</scan>");
    for (const at of [0.1, 0.33, 0.5, 0.77, 0.99].map((f) => Math.floor(end * f)).concat([end, end + 3])) {
      const cut = base.slice(0, at);
      let caught: unknown;
      try {
        scanFileFromXml(cut);
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof XmlError && caught.code === "malformed", `cut at ${at}: ${String(caught)}`);
    }
  });

  it("rejects a document longer than maxLength before parsing it", () => {
    rejects(base, "too-large", new RegExp(`${base.length} characters long, the limit is 1000`), undefined, {
      maxLength: 1000,
    });
    assert.equal(maxScanFileXmlLength, 64 * 1024 * 1024);
    assert.doesNotThrow(() => scanFileFromXml(base, { maxLength: base.length }));
  });

  it("rejects deep nesting", () => {
    const deep = edit(small, "</scan>", `${"<x>".repeat(10_000)}${"</x>".repeat(10_000)}</scan>`);
    rejects(deep, "malformed", /nested deeper than 16/);
  });

  it("rejects characters XML 1.0 does not allow", () => {
    rejects(edit(small, 'hostname=""', 'hostname="a\u0000"'), "invalid-char", /U\+0000/);
    rejects(edit(small, 'hostname=""', 'hostname="&#x1B;"'), "invalid-char", /&#x1B;/);
  });
});

describe("scanFileFromXml: root and version", () => {
  it("rejects another root element", () => {
    rejects(
      '<device ip="192.0.2.1"/>',
      "unexpected-structure",
      /expected a <scan> root element, found <device>/,
    );
    rejects("<Scan/>", "unexpected-structure", /found <Scan>/);
  });

  it("refuses a major version it does not know, before looking at the rest", () => {
    for (const version of ["2", "2.0", "0", "0.9", "10.3"]) {
      const e = rejects(
        `<scan schemaVersion="${version}"><whatever-v2-has/></scan>`,
        "unsupported-version",
        new RegExp(
          `schemaVersion "${version.replace(".", "\\.")}" is major version ${version.split(".")[0]}; this reader reads major version 1 \\(up to 1\\.0\\)`,
        ),
        "schemaVersion",
      );
      assert.ok(e instanceof XmlError);
    }
  });

  it("rejects a missing or malformed version", () => {
    rejects(edit(small, 'schemaVersion="1" ', ""), "invalid-value", /no schemaVersion/, "schemaVersion");
    for (const version of ["", "1.x", "v1", "1.0.0", "01", " 1", "1."]) {
      rejects(
        edit(small, 'schemaVersion="1"', `schemaVersion="${version}"`),
        "invalid-value",
        /is not MAJOR or MAJOR\.MINOR/,
        "schemaVersion",
      );
    }
  });
});

describe("scanFileFromXml: unexpected structure", () => {
  const cases: [string, string, RegExp, string?][] = [
    [
      "an unknown attribute on <scan>",
      edit(small, "<scan ", '<scan site="x" '),
      /unknown attribute "site" on <scan>/,
    ],
    [
      "an unknown element in <scan>",
      edit(small, "</scan>", "<summary/></scan>"),
      /unexpected element <summary> in <scan>/,
    ],
    [
      "a repeated <health>",
      edit(
        base,
        "<ranges>",
        '<health version="1" startedAt="2026-11-30T10:19:00Z" queuedScans="0"/><ranges>',
      ),
      /<health> appears more than once in <scan>/,
      "health",
    ],
    [
      "two <device> elements in one <reading>",
      editDevice(2, (line) => line.replace("</reading>", '<device ip="10.9.9.9"/></reading>')),
      /<device> appears more than once in <reading> #3/,
      "devices[2].device",
    ],
    [
      "a <reading> without <device>",
      editDevice(1, () => '<reading credential="0"/>'),
      /<reading> #2 has no <device>/,
      "devices[1].device",
    ],
    [
      "a repeated <counters> in a device",
      editDevice(3, (line) => line.replace("</device>", "<counters/></device>")),
      /devices\[3\]\.device \(ip "10\.20\.40\.\d+"\): <counters> appears more than once in <device>/,
      "devices[3].device",
    ],
    [
      "an unknown supply attribute",
      editDevice(0, (line) => line.replace("<supply ", '<supply colour="red" ')),
      /devices\[0\]\.device .*unknown attribute "colour" on <supply> #1/,
      "devices[0].device",
    ],
    [
      "an unknown attribute on a <range>",
      edit(base, /(<range [^>]*?)\/>\n<\/ranges>/, '$1 lost="3"/>\n</ranges>'),
      /unknown attribute "lost" on <range> #4 \(ranges\[3\]\)/,
      "ranges[3]",
    ],
    [
      "text in <ranges>",
      edit(base, "<ranges>", "<ranges>oops"),
      /unexpected text "oops" in <ranges>/,
      "ranges",
    ],
    [
      "an element inside a health <error>",
      edit(base, "<error>", "<error><b>x</b>"),
      /unexpected element <b> in <error> #1 \(health\.errors\[0\]\)/,
      "health.errors[0]",
    ],
    [
      "a <device> directly in <devices>",
      edit(base, "<devices>", '<devices><device ip="10.9.9.9"/>'),
      /unexpected element <device> in <devices>/,
      "devices",
    ],
  ];
  for (const [what, xml, message, field] of cases) {
    it(`rejects ${what}`, () => {
      rejects(xml, "unexpected-structure", message, field);
    });
  }
});

describe("scanFileFromXml: invalid values", () => {
  const cases: [string, string, string, RegExp][] = [
    [
      "a device failing the device schema",
      editDevice(3, (line) => line.replace(/<counter name="total">\d+</, '<counter name="total">-5<')),
      "devices[3].device.counters.total",
      /devices\[3\]\.device \(ip "10\.20\.40\.\d+"\): counters\.total: .*>=0 \(got "-5"\)/,
    ],
    [
      "an unknown supply type",
      editDevice(1, (line) => line.replace('type="toner"', 'type="plasma"')),
      "devices[1].device.supplies[0].type",
      /supplies\[0\]\.type: .*got "plasma"/,
    ],
    [
      "a credential that is not a number",
      editDevice(4, (line) => line.replace(/credential="\d+"/, 'credential="public"')),
      "devices[4].credential",
      /devices\[4\]\.credential: .*got "public"/,
    ],
    [
      "two readings of one address",
      editDevice(4, (line) => line.replace(/ip="[^"]+"/, `ip="${realisticScan(5).devices[0]?.device.ip}"`)),
      "devices[4].device.ip",
      /duplicate address, already in devices\[0\]/,
    ],
    [
      "a negative queue length",
      edit(base, 'queuedScans="1"', 'queuedScans="-1"'),
      "health.queuedScans",
      /health\.queuedScans: .*got "-1"/,
    ],
    [
      "a count that is not a number",
      edit(base, 'tried="254"', 'tried="12abc"'),
      "ranges[0].tried",
      /ranges\[0\]\.tried: .*got "12abc"/,
    ],
    [
      "an upper-case scan id",
      edit(small, /scanId="[^"]+"/, `scanId="${"5D1C2B3A-4E5F-4A6B-8C7D-9E0F1A2B3C4D"}"`),
      "scanId",
      /lower-case UUID/,
    ],
    ["an unknown kind", edit(small, 'kind="refresh"', 'kind="full"'), "kind", /kind: .*got "full"/],
    [
      "a time without zone",
      edit(small, 'startedAt="2026-11-30T10:20:00Z"', 'startedAt="2026-11-30T10:20:00"'),
      "startedAt",
      /startedAt: .*datetime/,
    ],
    [
      "a short digest",
      edit(small, /settingsDigest="0+"/, 'settingsDigest="abc"'),
      "settingsDigest",
      /SHA-256/,
    ],
    [
      "a missing <collector>",
      edit(small, /<collector [^>]*\/>\n/, ""),
      "collector",
      /collector: .*\(missing\)/,
    ],
    [
      "a missing ICE version",
      edit(small, 'version="1" hostname', "hostname"),
      "collector.version",
      /collector\.version/,
    ],
  ];
  for (const [what, xml, field, message] of cases) {
    it(`rejects ${what}, naming ${field}`, () => {
      rejects(xml, "invalid-value", message, field);
    });
  }

  it("gives the line of a device's well-formedness error", () => {
    const e = rejects(
      editDevice(2, (line) => line.replace("</sysDescr>", "</sysdescr>")),
      "malformed",
      /sysDescr/,
    );
    // declaration, <scan>, <collector>, <health>, 6 lines of ranges, <devices>, readings #1 and #2
    assert.equal(e.line, 14, e.message);
  });
});

describe("scanFileFromXml: other writers", () => {
  it("accepts indentation, comments, CDATA, a BOM and any order of the root's children", () => {
    const xml = `\ufeff<?xml version="1.0" encoding="UTF-8"?>
<!-- by hand -->
<scan schemaVersion="1.0" scanId="5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d" kind="refresh"
      startedAt="2026-11-30T10:20:00Z" endedAt="2026-11-30T10:20:01Z"
      settingsDigest="${"0".repeat(64)}">
  <devices>
    <reading credential=" 2 ">
      <device ip="192.0.2.9"/>
    </reading>
  </devices>
  <health version="1" startedAt="2026-11-30T10:19:00Z" queuedScans="0">
    <error><![CDATA[a <b> & c]]></error>
  </health>
  <collector id="c" version="1" hostname="" os=""/>
</scan>
`;
    assert.deepStrictEqual(scanFileFromXml(xml), {
      ...minimalScan,
      health: { ...minimalScan.health, errors: ["a <b> & c"] },
      devices: [
        {
          credential: 2,
          device: { ip: "192.0.2.9", counters: {}, supplies: [], status: { errors: [] }, alerts: [] },
        },
      ],
    });
  });
});
