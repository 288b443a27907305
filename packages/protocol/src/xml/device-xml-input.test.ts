import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fullRecord } from "./device-xml.fixtures.ts";
import { deviceFromXml, deviceFromXmlElement, deviceToXml, maxDeviceXmlLength } from "./device-xml.ts";
import { expectXmlError } from "./expect-xml-error.ts";
import { parseXml, XmlError, type XmlErrorCode } from "./safe-xml.ts";

/** Asserts deviceFromXml throws an XmlError with `code`, a message matching `message`, and `field`. */
function rejects(xml: string, code: XmlErrorCode, message: RegExp, field?: string): XmlError {
  return expectXmlError(() => deviceFromXml(xml), code, message, field);
}

function timed<T>(fn: () => T): { ms: number; value: T | undefined; error: unknown } {
  const start = performance.now();
  try {
    const value = fn();
    return { ms: performance.now() - start, value, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, value: undefined, error };
  }
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<device ip="10.0.0.1" location="&lol9;"><sysDescr>&lol9;</sysDescr></device>`;

describe("deviceFromXml: hostile input", () => {
  it("rejects a DOCTYPE with line and column", () => {
    const e = rejects(
      `<?xml version="1.0"?>\n<!DOCTYPE device SYSTEM "device.dtd">\n<device ip="1"/>`,
      "dtd-forbidden",
      /DOCTYPE/,
    );
    assert.equal(e.line, 2);
    assert.equal(e.column, 1);
  });

  it("rejects external entities (XXE)", () => {
    rejects(
      `<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><device ip="&xxe;"/>`,
      "dtd-forbidden",
      /DOCTYPE/,
    );
  });

  it("rejects an ENTITY declaration even without DOCTYPE, in any case", () => {
    rejects(`<!ENTITY a "b"><device ip="1"/>`, "dtd-forbidden", /ENTITY/);
    rejects(`<!doctype device><device ip="1"/>`, "dtd-forbidden", /doctype/);
  });

  it("rejects billion laughs fast, without expanding anything", () => {
    const { ms, error } = timed(() => deviceFromXml(billionLaughs));
    assert.ok(error instanceof XmlError && error.code === "dtd-forbidden", String(error));
    // Bounds far above the few ms it takes, so a loaded machine passes; an expansion would not.
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it("rejects a flood of undefined entity references fast", () => {
    const xml = `<device ip="1"><sysDescr>${"&lol9;".repeat(100_000)}</sysDescr></device>`;
    const { ms, error } = timed(() => deviceFromXml(xml));
    assert.ok(error instanceof XmlError && error.code === "malformed", String(error));
    assert.match((error as XmlError).message, /undefined entity &lol9;/);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it("rejects oversized input before looking at it", () => {
    const xml = `<device ip="1"><sysDescr>${"x".repeat(maxDeviceXmlLength)}</sysDescr></device>`;
    const { ms, error } = timed(() => deviceFromXml(xml));
    assert.ok(error instanceof XmlError && error.code === "too-large", String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it("rejects deep nesting", () => {
    const xml = `<device ip="1">${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}</device>`;
    const { error } = timed(() => deviceFromXml(xml));
    assert.ok(error instanceof XmlError && error.code === "malformed", String(error));
    assert.match((error as XmlError).message, /nested deeper/);
  });

  it("rejects control characters, raw or as character references", () => {
    const raw = rejects(`<device ip="1" location="a\u0001b"/>`, "invalid-char", /U\+0001/);
    assert.equal(raw.column, 27);
    rejects(`<device ip="1"><sysDescr>\u0000</sysDescr></device>`, "invalid-char", /U\+0000/);
    rejects(`<device ip="1" location="&#1;"/>`, "invalid-char", /&#1;/);
    rejects(`<device ip="1" location="&#x0;"/>`, "invalid-char", /&#x0;/);
    rejects(`<device ip="1"><sysDescr>&#xFFFE;</sysDescr></device>`, "invalid-char", /&#xFFFE;/);
    rejects(`<device ip="1"><sysDescr>&#xD800;</sysDescr></device>`, "invalid-char", /&#xD800;/);
    rejects(`<device ip="1" location="a\ud800b"/>`, "invalid-char", /U\+D800/);
    rejects(`<device ip="1" location="\uffff"/>`, "invalid-char", /U\+FFFF/);
  });

  it("does not let element, attribute or counter names reach a prototype", () => {
    rejects(`<device ip="1" __proto__="x"/>`, "unexpected-structure", /unknown attribute "__proto__"/);
    rejects(`<device ip="1"><__proto__/></device>`, "malformed", /__proto__/);
    const r = deviceFromXml(
      `<device ip="1"><counters><counter name="__proto__">5</counter><counter name="constructor">6</counter></counters></device>`,
    );
    assert.equal(Object.getPrototypeOf(r.counters), Object.prototype);
    assert.equal(({} as Record<string, unknown>).constructor, Object);
    assert.equal(r.counters.constructor, 6);
  });
});

describe("deviceFromXml: malformed XML", () => {
  const cases: [string, string, RegExp][] = [
    ["empty input", "", /empty/],
    ["whitespace only", " \n ", /empty/],
    ["a comment only", "<!-- nothing -->", /no root element|Start tag/],
    ["text after the root and a comment", `<device ip="1"/><!-- c -->x`, /text after the root/],
    ["plain text", "hello", /malformed XML/],
    ["unclosed element", `<device ip="1"><counters></device>`, /counters/],
    ["mismatched end tag", `<device ip="1"><sysDescr>x</sysdescr></device>`, /sysDescr/],
    ["unquoted attribute", `<device ip=1/>`, /ip/],
    ["repeated attribute", `<device ip="1" ip="2"/>`, /repeated/],
    ["raw ampersand", `<device ip="1"><sysDescr>A & B</sysDescr></device>`, /&/],
    ["raw ampersand in attribute", `<device ip="1" name="A & B"/>`, /&/],
    ["raw < in attribute", `<device ip="1" name="a<b"/>`, /&lt;/],
    ["undefined entity", `<device ip="1" name="&nbsp;"/>`, /undefined entity &nbsp;/],
    ["two root elements", `<device ip="1"/><device ip="2"/>`, /more than one root/],
    ["text after the root", `<device ip="1"/>trailing`, /malformed XML/],
  ];
  for (const [what, xml, message] of cases) {
    it(`rejects ${what}`, () => {
      rejects(xml, "malformed", message);
    });
  }

  it("gives line and column for well-formedness errors", () => {
    const e = rejects(
      `<device ip="1">\n  <sysDescr>x</sysDescr>\n  <counters>\n</device>`,
      "malformed",
      /counters/,
    );
    assert.ok(e.line !== undefined && e.line >= 3, e.message);
  });
});

describe("deviceFromXml: unexpected structure", () => {
  const cases: [string, string, RegExp][] = [
    ["another root", `<printer ip="1"/>`, /expected a <device> element, found <printer>/],
    ["an unknown element", `<device ip="1"><colour/></device>`, /unexpected element <colour> in <device>/],
    ["an unknown attribute", `<device ip="1" ipv6="::1"/>`, /unknown attribute "ipv6" on <device>/],
    ["a namespace declaration", `<device xmlns="urn:x" ip="1"/>`, /unknown attribute "xmlns"/],
    [
      "a repeated element",
      `<device ip="1"><sysDescr>a</sysDescr><sysDescr>b</sysDescr></device>`,
      /more than once/,
    ],
    [
      "a repeated counter",
      `<device ip="1"><counters><counter name="total">1</counter><counter name="total">2</counter></counters></device>`,
      /counter "total" appears more than once/,
    ],
    [
      "a counter without name",
      `<device ip="1"><counters><counter>1</counter></counters></device>`,
      /no "name"/,
    ],
    [
      "text in a list",
      `<device ip="1"><supplies>toner</supplies></device>`,
      /unexpected text "toner" in <supplies>/,
    ],
    [
      "a wrong list item",
      `<device ip="1"><supplies><counter name="x">1</counter></supplies></device>`,
      /unexpected element <counter> in <supplies>, expected <supply>/,
    ],
    [
      "an element inside a value",
      `<device ip="1"><sysDescr>a<b/></sysDescr></device>`,
      /unexpected element <b> in <sysDescr>/,
    ],
    [
      "an unknown supply attribute",
      `<device ip="1"><supplies><supply type="toner" state="ok" colour="red"/></supplies></device>`,
      /unknown attribute "colour" on <supply> #1/,
    ],
    ["text in <device>", `<device ip="1">hello</device>`, /unexpected text "hello" in <device>/],
  ];
  for (const [what, xml, message] of cases) {
    it(`rejects ${what}`, () => {
      rejects(xml, "unexpected-structure", message);
    });
  }
});

describe("deviceFromXml: schema-invalid values", () => {
  const supply = (attrs: string) => `<device ip="1"><supplies><supply ${attrs}/></supplies></device>`;
  const counter = (value: string) =>
    `<device ip="1"><counters><counter name="total">${value}</counter></counters></device>`;
  const cases: [string, string, string, RegExp][] = [
    ["a negative counter", counter("-5"), "counters.total", />=0 \(got "-5"\)/],
    ["a counter that is not a number", counter("12abc"), "counters.total", /expected number.*got "12abc"/],
    ["a fractional counter", counter("1.5"), "counters.total", /expected number.*got "1.5"/],
    ["a counter beyond 2^53-1", counter("9007199254740992"), "counters.total", /9007199254740991/],
    [
      "a supply type plasma",
      supply(`type="plasma" state="ok"`),
      "supplies[0].type",
      /expected one of .*got "plasma"/,
    ],
    ["a supply without state", supply(`type="toner"`), "supplies[0].state", /supplies\[0\]\.state/],
    [
      "a level above 100 %",
      supply(`type="toner" state="ok" levelPercent="100.5"`),
      "supplies[0].levelPercent",
      /<=100/,
    ],
    [
      "a level that is not a number",
      supply(`type="toner" state="ok" levelPercent="half"`),
      "supplies[0].levelPercent",
      /got "half"/,
    ],
    ["a zero capacity", supply(`type="toner" state="ok" maxCapacity="0"`), "supplies[0].maxCapacity", />0/],
    [
      "an unknown counter unit",
      `<device ip="1"><counters unit="clicks"/></device>`,
      "counterUnit",
      /got "clicks"/,
    ],
    [
      "an unknown printer error",
      `<device ip="1"><status><error>onFire</error></status></device>`,
      "status.errors[0]",
      /got "onFire"/,
    ],
    [
      "an unknown device state",
      `<device ip="1"><status device="sleeping"/></device>`,
      "status.device",
      /got "sleeping"/,
    ],
    ["an upper-case MAC", `<device ip="1" mac="00:17:C8:4A:0B:9E"/>`, "mac", /mac/],
    ["a missing ip", `<device vendor="HP"/>`, "ip", /ip: /],
    ["an empty ip", `<device ip=""/>`, "ip", /ip: /],
    ["a fractional uptime", `<device ip="1" uptimeSeconds="1.5"/>`, "uptimeSeconds", /got "1.5"/],
    [
      "an alert without severity",
      `<device ip="1"><alerts><alert code="x"/></alerts></device>`,
      "alerts[0].severity",
      /severity/,
    ],
  ];
  for (const [what, xml, field, message] of cases) {
    it(`rejects ${what}, naming ${field}`, () => {
      rejects(xml, "invalid-value", message, field);
    });
  }

  it("lists several problems at once", () => {
    const e = rejects(
      `<device ip="1"><counters><counter name="a">-1</counter></counters><supplies><supply type="plasma" state="ok"/></supplies></device>`,
      "invalid-value",
      /counters\.a: .*; supplies\[0\]\.type: /,
    );
    assert.equal(e.field, "counters.a");
  });
});

describe("deviceFromXml: other writers", () => {
  it("accepts a declaration, BOM, comments, indentation, CDATA, references and any child order", () => {
    const xml = `\ufeff<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<device ip='10.0.0.9' location="B&#xFC;ro 2. OG" name="a&#10;b">
  <alerts>
    <alert severity="info"/>
  </alerts>
  <counters unit="pages">
    <counter name="total"> 42 </counter>
    <counter name="mono">+7</counter>
  </counters>
  <sysDescr><![CDATA[HP <LaserJet> & co]]> &amp; more</sysDescr>
  <status printer="idle">
    <error>noPaper</error>
  </status>
  <supplies>
    <supply type="toner" state="ok" levelPercent=" 80.50 "></supply>
  </supplies>
</device>
`;
    assert.deepStrictEqual(deviceFromXml(xml), {
      ip: "10.0.0.9",
      location: "Büro 2. OG",
      name: "a\nb",
      sysDescr: "HP <LaserJet> & co &amp; more".replace("&amp;", "&"),
      counters: { total: 42, mono: 7 },
      counterUnit: "pages",
      supplies: [{ type: "toner", state: "ok", levelPercent: 80.5 }],
      status: { printer: "idle", errors: ["noPaper"] },
      alerts: [{ severity: "info" }],
    });
  });

  it("reads a <device> element that sits inside a larger document", () => {
    const scan = parseXml(`<scan id="s1">\n  <device ip="1"/>\n  ${deviceToXml(fullRecord)}\n</scan>`);
    assert.deepStrictEqual(scan.children.map(deviceFromXmlElement), [
      { ip: "1", counters: {}, supplies: [], status: { errors: [] }, alerts: [] },
      fullRecord,
    ]);
  });
});
