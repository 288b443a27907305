import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type AuthFixture, login, startAuthFixture, testPassword } from "./testing.ts";

/** A self-signed certificate for 127.0.0.1, made with the openssl command. */
async function selfSignedCertificate(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { key: await readFile(keyFile), cert: await readFile(certFile) };
}

/** POST JSON over HTTPS, trusting only `ca`; answers the status and the Set-Cookie headers. */
function postHttps(url: string, body: unknown, ca: Buffer): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      url,
      {
        method: "POST",
        ca,
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, setCookie: response.headers["set-cookie"] ?? [] }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const sessionCookie = (cookies: string[]) => cookies.find((c) => c.startsWith("dp_session=")) ?? "";

describe("the session cookie's Secure flag", () => {
  let dir: string;
  let cert: Buffer;
  let https: AuthFixture;
  let proxied: AuthFixture;
  let direct: AuthFixture;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "dp-tls-"));
    const pair = await selfSignedCertificate(dir);
    cert = pair.cert;
    https = await startAuthFixture({ app: { https: pair } });
    proxied = await startAuthFixture({ app: { trustProxy: true } });
    direct = await startAuthFixture();
  });
  after(async () => {
    await Promise.all([https.close(), proxied.close(), direct.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("is set when the portal serves HTTPS itself", async () => {
    assert.match(https.portal.url, /^https:/);
    const answer = await postHttps(
      `${https.portal.url}/api/v1/auth/login`,
      { email: "admin@a.test", password: testPassword },
      cert,
    );
    assert.equal(answer.status, 200);
    const cookie = sessionCookie(answer.setCookie);
    assert.match(cookie, /; Secure/i);
    assert.match(cookie, /; HttpOnly/i);
    assert.match(cookie, /; SameSite=Strict/i);
  });

  it("is set behind a trusted TLS proxy that says the request came over HTTPS", async () => {
    const answer = await login(proxied.portal.url, "admin@a.test", testPassword, {
      "x-forwarded-proto": "https",
    });
    assert.equal(answer.status, 200);
    assert.match(answer.setCookie ?? "", /; Secure/i);
  });

  it("is not set over plain HTTP, whatever an untrusted X-Forwarded-Proto claims", async () => {
    const answer = await login(direct.portal.url, "admin@a.test", testPassword, {
      "x-forwarded-proto": "https",
    });
    assert.equal(answer.status, 200);
    assert.doesNotMatch(answer.setCookie ?? "", /; Secure/i);
  });
});
