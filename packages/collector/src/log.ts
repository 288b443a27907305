/** The collector's logger: levels, one line per event. The daemon later writes it to a rotating file. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** A logger writing to a sink (stderr by default) from `level` up. */
export function createLogger(
  level: LogLevel = "warn",
  sink: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const at = (l: Exclude<LogLevel, "silent">) => (message: string) => {
    if (order[l] >= order[level]) sink(`${l}: ${message}`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger that keeps its lines, for tests that assert what was logged. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger(level, (l) => lines.push(l)),
    { lines },
  );
}

export const silentLogger: Logger = createLogger("silent");
