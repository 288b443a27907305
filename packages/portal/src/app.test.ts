import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestPortal, type TestPortal } from "./testing/test-portal.ts";

describe("portal app", () => {
  let portal: TestPortal;
  before(async () => {
    portal = await startTestPortal();
  });
  after(() => portal.close());

  it("answers health, serves metrics in Prometheus format and an OpenAPI document", async () => {
    assert.equal((await fetch(`${portal.url}/healthz`)).status, 200);
    const metrics = await (await fetch(`${portal.url}/metrics`)).text();
    assert.match(metrics, /portal_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
    const openapi = (await (await fetch(`${portal.url}/api/openapi.json`)).json()) as { openapi: string };
    assert.match(openapi.openapi, /^3\./);
  });

  it("sends security headers", async () => {
    const response = await fetch(`${portal.url}/healthz`);
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("x-frame-options"), "SAMEORIGIN");
  });
});
