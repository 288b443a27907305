import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { serveWeb } from "./serve-web.ts";

let dist: string;
let app: FastifyInstance;
let url: string;
const script = `console.log(${JSON.stringify("x".repeat(4000))});`;

before(async () => {
  dist = await mkdtemp(path.join(tmpdir(), "dp-web-"));
  await mkdir(path.join(dist, "assets"));
  await mkdir(path.join(dist, ".vite"));
  await writeFile(path.join(dist, "index.html"), "<!doctype html><title>Device Portal</title>");
  await writeFile(path.join(dist, "assets", "index-AbCdEf12.js"), script);
  await writeFile(path.join(dist, "assets", "index-AbCdEf12.js.gz"), gzipSync(script));
  await writeFile(path.join(dist, ".vite", "manifest.json"), "{}");
  await writeFile(path.join(dist, "favicon.svg"), "<svg/>");
  app = Fastify();
  app.get("/api/v1/ping", async () => ({ pong: true }));
  assert.equal(await serveWeb(app, { root: dist }), true);
  url = await app.listen({ host: "127.0.0.1", port: 0 });
});

after(async () => {
  await app.close();
  await rm(dist, { recursive: true, force: true });
});

const html = { accept: "text/html,application/xhtml+xml" };

test("the app's own routes answer index.html, uncached", async () => {
  for (const page of ["/", "/devices", "/devices/3f1c?status=error", "/login?next=%2Fdevices"]) {
    const response = await fetch(url + page, { headers: html });
    assert.equal(response.status, 200, page);
    assert.match(response.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.match(await response.text(), /Device Portal/);
  }
});

test("hashed assets come precompressed and cached for good", async () => {
  const response = await fetch(`${url}/assets/index-AbCdEf12.js`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-encoding"), "gzip");
  assert.match(response.headers.get("cache-control") ?? "", /immutable/);
  assert.equal(await response.text(), script);
});

test("the API keeps its JSON 404 and its routes", async () => {
  assert.deepEqual(await (await fetch(`${url}/api/v1/ping`)).json(), { pong: true });
  const missing = await fetch(`${url}/api/v1/nothing-here`, { headers: html });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: string }).error, "not-found");
});

test("a missing asset is a 404, not the app's HTML; the build manifest is not served", async () => {
  assert.equal((await fetch(`${url}/assets/gone-12345678.js`, { headers: html })).status, 404);
  assert.equal((await fetch(`${url}/.vite/manifest.json`)).status, 404);
  assert.equal((await fetch(`${url}/../package.json`)).status, 404);
});

test("writes outside /api do not get the app", async () => {
  const response = await fetch(`${url}/devices`, { method: "POST", headers: html });
  assert.equal(response.status, 404);
});

test("nothing is served when the web app was not built", async () => {
  const bare = Fastify();
  assert.equal(await serveWeb(bare, { root: path.join(dist, "missing") }), false);
  await bare.ready();
  assert.equal((await bare.inject({ url: "/", headers: html })).statusCode, 404);
  await bare.close();
});
