import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bypassesProxy, chooseProxy, parseProxyUrl } from "./proxy.ts";

const portal = new URL("https://portal.example.com/");
const plain = new URL("http://portal.example.com/");

describe("chooseProxy", () => {
  it("takes an explicit proxy, none, or the environment (lower case first, HTTPS falling back to HTTP)", () => {
    assert.equal(
      chooseProxy(portal, { proxy: "http://u:p@proxy:3128", env: {} })?.url.href,
      "http://u:p@proxy:3128/",
    );
    assert.equal(chooseProxy(portal, { proxy: false, env: { HTTPS_PROXY: "http://proxy:3128" } }), undefined);
    assert.equal(chooseProxy(portal, { env: {} }), undefined);
    assert.deepEqual(
      chooseProxy(portal, { env: { https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:2" } })?.source,
      "https_proxy",
    );
    assert.equal(
      chooseProxy(portal, { env: { HTTP_PROXY: "http://only-http:3128" } })?.url.host,
      "only-http:3128",
    );
    assert.equal(chooseProxy(plain, { env: { HTTPS_PROXY: "http://only-https:3128" } }), undefined);
    assert.equal(
      chooseProxy(portal, { env: { HTTPS_PROXY: "proxy.corp:8080" } })?.url.href,
      "http://proxy.corp:8080/",
    );
    assert.equal(chooseProxy(portal, { env: { HTTPS_PROXY: "  " } }), undefined);
  });

  it("refuses proxy URLs it cannot use", () => {
    assert.throws(() => parseProxyUrl("socks5://proxy:1080"), /http:\/\/ or https:\/\//);
  });

  it("applies NO_PROXY", () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: "http://proxy:3128", NO_PROXY: noProxy });
    assert.equal(chooseProxy(portal, { env: env("example.com") }), undefined);
    assert.ok(chooseProxy(portal, { env: env("other.com") }));
  });
});

describe("bypassesProxy (NO_PROXY)", () => {
  const cases: [string, string, boolean][] = [
    ["https://portal.example.com/", "*", true],
    ["https://portal.example.com/", "", false],
    ["https://portal.example.com/", "example.com", true],
    ["https://portal.example.com/", ".example.com", true],
    ["https://example.com/", ".example.com", true],
    ["https://portal.example.com/", "*.example.com", true],
    ["https://example.com/", "*.example.com", false],
    ["https://badexample.com/", "example.com", false],
    ["https://PORTAL.Example.com./", "portal.example.com", true],
    ["https://portal.example.com/", "other.org, portal.example.com", true],
    ["https://portal.example.com/", "other.org portal.example.com", true],
    ["https://portal.example.com/", "portal.example.com:443", true],
    ["https://portal.example.com/", "portal.example.com:8443", false],
    ["https://portal.example.com:8443/", "portal.example.com:8443", true],
    ["https://127.0.0.1:4443/", "127.0.0.1", true],
    ["https://127.0.0.1:4443/", "127.0.0.2", false],
    ["https://10.1.2.3/", "10.0.0.0/8", true],
    ["https://11.1.2.3/", "10.0.0.0/8", false],
    ["https://10.1.2.3/", "10.0.0.0/99", false],
    ["https://[::1]:4443/", "::1", true],
    ["https://[::1]:4443/", "[::1]:4443", true],
    ["https://[::1]:4443/", "[::1]:80", false],
  ];
  for (const [url, noProxy, expected] of cases)
    it(`${url} with NO_PROXY="${noProxy}" → ${expected ? "direct" : "proxy"}`, () => {
      assert.equal(bypassesProxy(new URL(url), noProxy), expected);
    });
});
