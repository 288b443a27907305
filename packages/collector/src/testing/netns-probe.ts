/**
 * Probes for code running inside a silent-host namespace (see netns.ts): one ping, one UDP
 * datagram, an isolation check. Also runnable as the namespace script of netns.test.ts:
 *
 *   node netns-probe.ts --check 127.77.0.10,127.77.0.11 [--echo 127.77.0.10 --echo-port 9999]
 *                       [--closed-port 9998]
 *
 * starts a UDP echo server on the `--echo` addresses, then probes each `--check` address with
 * `ping -c1 -W1` and a UDP datagram to the echo port (and to the closed port), and prints one JSON
 * object: `{ isolated, results: [{ address, ping, udp, closedPort }] }`.
 */
import { execFile, spawn } from "node:child_process";
import dgram from "node:dgram";
import { parseArgs } from "node:util";
import { findExecutable } from "./netns.ts";

/** `ping -c1 -W<s> -n <address>`: true when an echo reply came back. */
export function pingOnce(address: string, timeoutSeconds = 1): Promise<boolean> {
  const ping = findExecutable("ping");
  if (!ping) return Promise.reject(new Error("ping not found (apt-get install iputils-ping)"));
  return new Promise((done) => {
    const child = spawn(ping, ["-c1", `-W${timeoutSeconds}`, "-n", address], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), (timeoutSeconds + 5) * 1000);
    child.once("error", () => {
      clearTimeout(timer);
      done(false);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      done(code === 0);
    });
  });
}

/**
 * What a UDP datagram to `address:port` gets within `timeoutMs`, from a connected socket:
 * "reply" (a datagram came back), "refused" (ICMP port unreachable came back: the host is there,
 * the port closed) or "silent" (nothing at all: an absent host).
 */
export function udpProbe(
  address: string,
  port: number,
  payload: Buffer = Buffer.from("probe"),
  timeoutMs = 1000,
): Promise<"reply" | "refused" | "silent"> {
  return new Promise((done) => {
    const socket = dgram.createSocket("udp4");
    let settled = false;
    const finish = (result: "reply" | "refused" | "silent") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      done(result);
    };
    const timer = setTimeout(() => finish("silent"), timeoutMs);
    socket.on("message", () => finish("reply"));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      finish(err.code === "ECONNREFUSED" ? "refused" : "silent"),
    );
    socket.connect(port, address, () => {
      socket.send(payload, (err) => {
        if (err) finish((err as NodeJS.ErrnoException).code === "ECONNREFUSED" ? "refused" : "silent");
      });
    });
  });
}

/** `ip -o link show` names: inside a fresh namespace only `lo`. */
export function linkNames(): Promise<string[]> {
  const ip = findExecutable("ip");
  if (!ip) return Promise.reject(new Error("ip not found (apt-get install iproute2)"));
  return new Promise((done, fail) =>
    execFile(ip, ["-o", "link", "show"], (err, stdout) => {
      if (err) fail(err);
      else done([...stdout.matchAll(/^\d+:\s+([^:@\s]+)/gm)].map((m) => m[1] as string));
    }),
  );
}

/**
 * Throws unless this process is in a namespace of its own (only `lo`). Code that loads nftables
 * rules or serves on port 161 calls this first, so that it never changes the machine's network.
 */
export async function assertIsolatedNetns(): Promise<void> {
  const names = await linkNames();
  if (names.length !== 1 || names[0] !== "lo")
    throw new Error(
      `not inside a fresh network namespace (links: ${names.join(", ")}); run through netns.ts / unshare --net`,
    );
}

/** UDP echo servers on `addresses:port`; resolves with a close function. */
export async function startUdpEcho(addresses: readonly string[], port: number): Promise<() => Promise<void>> {
  const sockets = await Promise.all(
    addresses.map(
      (address) =>
        new Promise<dgram.Socket>((ok, fail) => {
          const socket = dgram.createSocket("udp4");
          socket.once("error", fail);
          socket.on("message", (msg, from) => socket.send(msg, from.port, from.address));
          socket.bind(port, address, () => ok(socket));
        }),
    ),
  );
  return () => Promise.all(sockets.map((s) => new Promise<void>((ok) => s.close(() => ok())))).then(() => {});
}

export interface ProbeResult {
  address: string;
  ping: boolean;
  udp: "reply" | "refused" | "silent";
  closedPort?: "reply" | "refused" | "silent";
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      check: { type: "string", default: "" },
      echo: { type: "string", default: "" },
      "echo-port": { type: "string", default: "9999" },
      "closed-port": { type: "string" },
    },
  });
  const list = (s: string) => s.split(",").filter(Boolean);
  let isolated = true;
  try {
    await assertIsolatedNetns();
  } catch {
    isolated = false;
  }
  const port = Number(values["echo-port"]);
  // Only serve inside a namespace; outside, report and probe nothing.
  const close = isolated ? await startUdpEcho(list(values.echo), port) : async () => {};
  const results: ProbeResult[] = [];
  if (isolated) {
    for (const address of list(values.check)) {
      const [ping, udp, closedPort] = await Promise.all([
        pingOnce(address),
        udpProbe(address, port),
        values["closed-port"] ? udpProbe(address, Number(values["closed-port"])) : undefined,
      ]);
      results.push({ address, ping, udp, ...(closedPort ? { closedPort } : {}) });
    }
  }
  await close();
  process.stdout.write(`${JSON.stringify({ isolated, results })}\n`);
}

if (import.meta.main) await main(process.argv.slice(2));
