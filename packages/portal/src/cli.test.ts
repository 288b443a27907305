import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";

const cli = new URL("./cli.ts", import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/** `device-portal start` as a newcomer runs it, with its own data folder and a free port. */
function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [cli, "start"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: "0",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const url = /Device Portal on (http\S+)/.exec(out)?.[1];
      if (url) {
        clearInterval(timer);
        resolve({ child, output: () => out, url });
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((r) => started.child.once("exit", (code) => r(code)));
  started.child.kill("SIGTERM");
  return exited;
}

describe("device-portal start (the README's start command)", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("runs on an embedded PostgreSQL in its data folder, creates the admin once, and starts again on the same data", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dp-start-"));
    // mkdtemp makes 0700; the embedded PostgreSQL (as the OS user postgres when root) must enter it.
    await chmod(dataDir, 0o755);
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, DEMO: "off" };

    const first = await start(env);
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(first.output(), /platform admin created: admin@localhost \/ \S{12,}/);
    assert.deepEqual(await (await fetch(`${first.url}/healthz`)).json(), { ok: true });
    assert.equal(await stop(first), 0);
    // The generated secret key is readable by its owner only.
    assert.equal((await stat(path.join(dataDir, "secret-key"))).mode & 0o077, 0);

    const second = await start(env);
    assert.doesNotMatch(second.output(), /platform admin created/);
    assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
    assert.equal(await stop(second), 0);
  });

  it("refuses plain HTTP on an address other than loopback", async () => {
    const child = spawn(process.execPath, [cli, "start"], {
      env: { PATH: process.env.PATH ?? "", HOST: "0.0.0.0", DATA_DIR: "/nonexistent/never-made" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise((r) => child.once("exit", r));
    assert.equal(code, 1);
    assert.match(
      err,
      /refusing plain HTTP on 0\.0\.0\.0: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUST_PROXY/,
    );
  });

  it("says what is wrong with a bad setting", async () => {
    const child = spawn(process.execPath, [cli, "start"], {
      env: { PATH: process.env.PATH ?? "", PORT: "not-a-port" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    assert.equal(await new Promise((r) => child.once("exit", r)), 1);
    assert.match(err, /bad settings: PORT: /);
  });
});
