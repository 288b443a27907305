/** Shared by the benches: run the real `ice read` CLI as a child process and time it. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot } from "../packages/collector/src/testing/snmpsim.ts";

/** The CLI entry: `--cli <file>` / env `DP_ICE_CLI`, default packages/collector/src/cli.ts. */
export function iceCli(cliArg: string | undefined): string {
  const cli = resolve(cliArg ?? process.env.DP_ICE_CLI ?? resolve(repoRoot, "packages/collector/src/cli.ts"));
  if (!existsSync(cli)) throw new Error(`ice CLI not found: ${cli}`);
  return cli;
}

export interface IceRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, process start included. */
  ms: number;
  timedOut: boolean;
}

/**
 * `node <cli> read <host> --port <port> --community <community> --json` with the Node that runs
 * the bench (Node 24 under `npm run`). Only the address, port and community go to the reader.
 */
export function runIceRead(
  cli: string,
  target: { host: string; port: number; community: string },
  timeoutMs = 30_000,
): Promise<IceRun> {
  const args = [
    "read",
    target.host,
    "--port",
    String(target.port),
    "--community",
    target.community,
    "--json",
  ];
  return runCli(cli, args, timeoutMs);
}

/** `node <cli> ...cliArgs` with the bench's Node, timed from spawn to exit (`runCli("-e", ["0"])` = bare Node start). */
export function runCli(cli: string, cliArgs: string[], timeoutMs = 30_000): Promise<IceRun> {
  const args = [cli, ...cliArgs];
  return new Promise((resolveRun) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], cwd: repoRoot });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = "") => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      clearTimeout(timer);
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + extra,
        ms,
        timedOut,
      });
    };
    child.once("error", (e) => finish(null, null, String(e)));
    child.once("close", (code, signal) => finish(code, signal));
  });
}

/** One-line description of a failed run, for reports. */
export function describeFailure(run: IceRun): string {
  if (run.timedOut) return `timed out after ${Math.round(run.ms)} ms`;
  const last = run.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? "";
  const how = run.signal ? `signal ${run.signal}` : `exit code ${run.code}`;
  return last ? `${how}: ${last.slice(0, 200)}` : how;
}

/** Minimal `--name value` / `--flag` parser; positional arguments in `_`. */
export function parseArgs(argv: string[]): { _: string[]; [k: string]: string | true | string[] } {
  const out: { _: string[]; [k: string]: string | true | string[] } = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith("--"))
        out[a.slice(2)] = argv[++i] as string;
      else out[a.slice(2)] = true;
    } else out._.push(a);
  }
  return out;
}

export function stringArg(args: ReturnType<typeof parseArgs>, name: string): string | undefined {
  const v = args[name];
  return typeof v === "string" ? v : undefined;
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
