/**
 * Test certificates for the fake portal, made with the `openssl` CLI (Debian `openssl`; CI
 * installs it) in a fresh temporary folder. Elliptic-curve keys (P-256), so a whole set takes a
 * few tens of milliseconds.
 *
 *   const pki = createTestPki();             // CA + certificates for 127.0.0.1 / localhost
 *   const portal = await startFakePortal({ tls: pki.server });
 *   const client = new PortalClient({ portalUrl: portal.httpsUrl, ca: pki.ca.cert });
 *   …
 *   pki.remove();
 *
 * Certificates (all PEM strings):
 * - `ca`: the test CA (trust it through the client's `ca` option);
 * - `server`: signed by the CA, valid now, subjectAltName IP:127.0.0.1, DNS:localhost;
 * - `expired`: signed by the CA, same names, valid only in January 2020;
 * - `wrongHost`: signed by the CA, valid now, only for DNS:wrong-host.example;
 * - `selfSigned`: valid now for 127.0.0.1 / localhost, signed by its own key (not by the CA);
 * - `otherCa`: signed by a second CA that the client does not trust.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestKeyPair {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (unencrypted). */
  key: string;
}

export interface TestPki {
  /** The temporary folder holding the files; `remove()` deletes it. */
  dir: string;
  ca: TestKeyPair;
  server: TestKeyPair;
  expired: TestKeyPair;
  wrongHost: TestKeyPair;
  selfSigned: TestKeyPair;
  otherCa: TestKeyPair;
  remove(): void;
}

/** Why the PKI cannot be made here (no `openssl` on PATH), or undefined. */
export function pkiSkipReason(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "openssl not found on PATH (Debian: apt-get install openssl; .ci/run installs it)";
  }
}

const localNames = "subjectAltName=IP:127.0.0.1,DNS:localhost";

/** Makes a CA and the certificates listed in the module header. Throws when openssl fails. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "dp-test-pki-"));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const read = (name: string) => readFileSync(path(name), "utf8");
  const pair = (name: string): TestKeyPair => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

  const makeCa = (name: string, cn: string) =>
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "3",
      "-subj",
      `/CN=${cn}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  const makeRequest = (name: string) =>
    openssl("req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  const writeExtensions = (name: string, names: string) =>
    writeFileSync(
      path(`${name}.ext`),
      `${names}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
  const signWith = (ca: string, name: string, names: string) => {
    makeRequest(name);
    writeExtensions(name, names);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-set_serial",
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    );
  };

  try {
    makeCa("ca", "Device Portal Test CA");
    makeCa("other-ca", "Untrusted Test CA");
    signWith("ca", "server", localNames);
    signWith("ca", "wrong-host", "subjectAltName=DNS:wrong-host.example");
    signWith("other-ca", "other-ca-server", localNames);

    // `openssl x509` of OpenSSL 3.0 cannot set a validity in the past; `openssl ca` can.
    makeRequest("expired");
    writeExtensions("expired", localNames);
    writeFileSync(path("index.txt"), "");
    writeFileSync(path("serial"), "1000\n");
    writeFileSync(
      path("ca.cnf"),
      [
        "[ca]",
        "default_ca = test_ca",
        "[test_ca]",
        `database = ${path("index.txt")}`,
        `new_certs_dir = ${dir}`,
        `serial = ${path("serial")}`,
        "default_md = sha256",
        "policy = any",
        "unique_subject = no",
        "[any]",
        "commonName = supplied",
        "",
      ].join("\n"),
    );
    openssl(
      "ca",
      "-batch",
      "-notext",
      "-config",
      "ca.cnf",
      "-cert",
      "ca.crt",
      "-keyfile",
      "ca.key",
      "-in",
      "expired.csr",
      "-out",
      "expired.crt",
      "-startdate",
      "20200101000000Z",
      "-enddate",
      "20200201000000Z",
      "-extfile",
      "expired.ext",
    );

    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "self-signed.key",
      "-out",
      "self-signed.crt",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      localNames,
    );

    return {
      dir,
      ca: pair("ca"),
      server: pair("server"),
      expired: pair("expired"),
      wrongHost: pair("wrong-host"),
      selfSigned: pair("self-signed"),
      otherCa: pair("other-ca-server"),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl failed making the test certificates${stderr ? `: ${stderr}` : ""}`, {
      cause: error,
    });
  }
}
