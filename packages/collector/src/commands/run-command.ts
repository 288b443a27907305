/**
 * `ice run`: the collector as a service. Enrols with the portal, scans on the portal's schedule,
 * uploads, until SIGTERM or SIGINT; writes nothing to disk but its rotating log.
 *
 * Exit codes: 0 stopped by a signal (after a clean shutdown), 1 usage error or a log file that
 * cannot be opened, 70 an unexpected internal error (the service manager restarts it).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LogLevel } from "../log.ts";
import {
  createFileLogger,
  defaultLogFile,
  defaultLogFiles,
  defaultLogMaxBytes,
  type FileLogger,
  maxLogFiles,
  minLogMaxBytes,
  parseByteSize,
} from "../log-file.ts";

const usage = `usage: ice run --portal URL [--token TOKEN] [--ca FILE] [--proxy URL] [--allow-http-fallback]
              [--log-file ice.log] [--log-max-bytes 5M] [--log-files 3] [--log-level info]

  --portal URL            the portal, e.g. https://portal.example.com/
  --token TOKEN           the enrolment token of the site (or the environment variable ICE_TOKEN,
                          which keeps it out of the process list)
  --ca FILE               PEM file of the CA(s) that signed the portal's certificate, when it is
                          not a public one (a private CA, a TLS-inspecting proxy)
  --proxy URL             HTTP(S) proxy for the portal, e.g. http://user:pass@proxy:3128
                          (default: the HTTPS_PROXY / HTTP_PROXY / NO_PROXY environment variables)
  --allow-http-fallback   when HTTPS cannot connect at all, try plain HTTP (messages stay encrypted)
  --log-file PATH         the only file ICE writes (default ./ice.log); rotated to PATH.1 … PATH.N-1
  --log-max-bytes SIZE    largest size of one log file (default 5M; k, M, G accepted)
  --log-files N           log files kept, the current one included (default 3)
  --log-level LEVEL       debug, info, warn or error (default info)

Stops cleanly on SIGTERM or SIGINT (exit 0).`;

class UsageError extends Error {}

export interface RunOptions {
  portal: URL;
  token: string;
  caFile: string | undefined;
  proxy: string | undefined;
  allowHttpFallback: boolean;
  logFile: string;
  logMaxBytes: number;
  logFiles: number;
  logLevel: Exclude<LogLevel, "silent">;
  /** Not in the usage: the SNMP port of every device, for labs and tests against a simulator. */
  snmpPort: number | undefined;
}

export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RunOptions | "help" {
  const { values, positionals } = parseArgs({
    args: joinTokenValue(argv),
    allowPositionals: true,
    options: {
      portal: { type: "string" },
      token: { type: "string" },
      ca: { type: "string" },
      proxy: { type: "string" },
      "allow-http-fallback": { type: "boolean", default: false },
      "log-file": { type: "string", default: defaultLogFile },
      "log-max-bytes": { type: "string", default: String(defaultLogMaxBytes) },
      "log-files": { type: "string", default: String(defaultLogFiles) },
      "log-level": { type: "string", default: "info" },
      "snmp-port": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.portal) throw new UsageError("--portal is required");
  let portal: URL;
  try {
    portal = new URL(values.portal);
  } catch {
    throw new UsageError(`--portal is not a URL: ${values.portal}`);
  }
  if (portal.protocol !== "https:" && portal.protocol !== "http:")
    throw new UsageError("--portal must be an https:// URL");
  // Plain HTTP only to a portal on this machine (the local default), as the portal itself
  // serves plain HTTP only on loopback; the messages are sealed either way.
  if (portal.protocol === "http:" && !isLoopbackHost(portal.hostname))
    throw new UsageError(
      "--portal must be an https:// URL (--allow-http-fallback lets ICE fall back to plain HTTP when HTTPS cannot connect; http:// is accepted for a portal on this machine only)",
    );
  if (!portal.pathname.endsWith("/")) portal.pathname += "/";
  const token = values.token ?? env.ICE_TOKEN;
  if (!token) throw new UsageError("--token (or the ICE_TOKEN environment variable) is required");
  const logMaxBytes = parseByteSize(values["log-max-bytes"]);
  if (logMaxBytes === undefined || logMaxBytes < minLogMaxBytes)
    throw new UsageError(
      `--log-max-bytes must be a size of at least ${minLogMaxBytes} bytes (e.g. 5M, 512k)`,
    );
  const logFiles = Number(values["log-files"]);
  if (!/^\d+$/.test(values["log-files"]) || logFiles < 1 || logFiles > maxLogFiles)
    throw new UsageError(`--log-files must be a whole number from 1 to ${maxLogFiles}`);
  const logLevel = values["log-level"];
  if (!["debug", "info", "warn", "error"].includes(logLevel))
    throw new UsageError("--log-level must be debug, info, warn or error");
  let snmpPort: number | undefined;
  if (values["snmp-port"] !== undefined) {
    snmpPort = Number(values["snmp-port"]);
    if (!/^\d+$/.test(values["snmp-port"]) || snmpPort < 1 || snmpPort > 65535)
      throw new UsageError("--snmp-port must be a whole number from 1 to 65535");
  }
  // Without --proxy the portal client reads HTTPS_PROXY / NO_PROXY itself.
  const proxy = values.proxy;
  if (proxy !== undefined) {
    try {
      new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
    } catch {
      throw new UsageError("--proxy is not a URL");
    }
  }
  return {
    portal,
    token: token.trim(),
    caFile: values.ca,
    proxy,
    allowHttpFallback: values["allow-http-fallback"],
    logFile: resolve(values["log-file"]),
    logMaxBytes,
    logFiles,
    logLevel: logLevel as RunOptions["logLevel"],
    snmpPort,
  };
}

/**
 * `--token VALUE` as `--token=VALUE`: a base64url token may start with "-", which parseArgs
 * would otherwise take for an option ("argument is ambiguous").
 */
function joinTokenValue(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg === "--token" && i + 1 < argv.length) out.push(`--token=${argv[++i]}`);
    else out.push(arg);
  }
  return out;
}

/** Where the command meets the process; tests replace the signals. */
export interface RunCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Calls `stop` on SIGTERM/SIGINT; returns a function that removes the handlers. */
  onStopSignal(stop: (signal: string) => void): () => void;
}

const processIo: RunCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onStopSignal(stop) {
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
    return () => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
    };
  },
};

export async function runRunCommand(argv: string[], io: RunCommandIo = processIo): Promise<number> {
  let options: RunOptions | "help";
  try {
    options = parseRunArgs(argv);
  } catch (err) {
    io.stderr(`ice run: ${(err as Error).message}\n${usage}\n`);
    return 1;
  }
  if (options === "help") {
    io.stdout(`${usage}\n`);
    return 0;
  }

  let log: FileLogger;
  try {
    log = createFileLogger({
      path: options.logFile,
      maxBytes: options.logMaxBytes,
      files: options.logFiles,
      level: options.logLevel,
      secrets: [options.token],
    });
  } catch (err) {
    io.stderr(`ice run: cannot open the log file ${options.logFile}: ${(err as Error).message}\n`);
    return 1;
  }
  io.stderr(`ice run: logging to ${options.logFile}\n`);

  // Loaded here so that `ice run --help` and usage errors cost nothing.
  const { startCollector } = await import("../daemon/wiring.ts");
  let stopSignals = () => {};
  const onFatal = (what: string) => (err: unknown) => {
    log.error(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    log.close();
    process.exit(70);
  };
  const onUncaught = onFatal("unexpected error");
  const onRejection = onFatal("unhandled promise rejection");
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onRejection);
  try {
    const collector = await startCollector(options, log);
    let stopping = false;
    stopSignals = io.onStopSignal((signal) => {
      if (stopping) {
        log.warn(`${signal} again: exiting without waiting for the shutdown`);
        log.close();
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: shutting down`);
      void collector.stop();
    });
    const outcome = await collector.run();
    await collector.stop();
    const code = outcome === "failed" ? 70 : 0;
    // A socket or timer of a dependency must not keep a stopped service from exiting.
    if (io === processIo) setTimeout(() => process.exit(code), 2000).unref();
    return code;
  } catch (err) {
    // Configuration the daemon cannot start with (an unreadable --ca file, a malformed token).
    log.error(`cannot start: ${(err as Error).message}`);
    io.stderr(`ice run: ${(err as Error).message}\n`);
    return 1;
  } finally {
    stopSignals();
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onRejection);
    log.close();
  }
}

// Runnable on its own until the `ice` CLI wires it: `npx node packages/collector/src/commands/run-command.ts --portal …`.
if (import.meta.main) process.exitCode = await runRunCommand(process.argv.slice(2));

function isLoopbackHost(hostname: string): boolean {
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === "[::1]" || hostname === "localhost"
  );
}
