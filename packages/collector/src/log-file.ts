/**
 * The collector's only file on disk: a size-bounded, rotating log.
 *
 * `ice.log` is written until the next line would take it past `maxBytes`; then `ice.log.K-2` →
 * `ice.log.K-1` (the oldest is replaced), …, `ice.log` → `ice.log.1`, and a new `ice.log` is
 * started. Every file stays within `maxBytes` (a longer line is cut), so the log never takes
 * more than `maxBytes × files` bytes. Lines are written with one synchronous `write(2)` each:
 * when the process dies, every line logged before is in the file (the kernel has it; only a
 * power cut can lose what it had not flushed yet).
 *
 * Secrets never reach the file: the logger replaces every secret it was given (and its URL- and
 * JSON-escaped forms) by `[redacted]`, and a line is one event (line breaks are escaped).
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { createLogger, type Logger, type LogLevel } from "./log.ts";

export const defaultLogFile = "ice.log";
export const defaultLogMaxBytes = 5 * 1024 * 1024;
export const defaultLogFiles = 3;
/** Smaller files would hold a handful of lines: most likely a mistake in the command line. */
export const minLogMaxBytes = 1024;
export const maxLogFiles = 100;

export interface RotatingFileOptions {
  /** The current file; older ones are `path.1` … `path.(files-1)`. */
  path: string;
  /** Largest size of one file in bytes. */
  maxBytes: number;
  /** How many files, the current one included (1 = no history: the file starts over). */
  files: number;
}

/** Appends lines to `path`, rotating by renaming; never more than `maxBytes × files` bytes. */
export class RotatingFile {
  readonly path: string;
  readonly maxBytes: number;
  readonly files: number;
  #fd: number | undefined;
  #size = 0;
  #failed = false;
  #onError: (err: Error) => void;

  /** Opens (or creates) the file; throws when it cannot, so a bad path fails at start. */
  constructor(options: RotatingFileOptions, onError: (err: Error) => void = () => {}) {
    if (!Number.isInteger(options.maxBytes) || options.maxBytes < 2)
      throw new RangeError(`maxBytes must be a whole number of bytes ≥ 2, got ${options.maxBytes}`);
    if (!Number.isInteger(options.files) || options.files < 1 || options.files > maxLogFiles)
      throw new RangeError(`files must be a whole number from 1 to ${maxLogFiles}, got ${options.files}`);
    this.path = options.path;
    this.maxBytes = options.maxBytes;
    this.files = options.files;
    this.#onError = onError;
    this.#removeSurplus();
    this.#open();
    // Started with a smaller maxBytes than last time: do not keep an oversized file.
    if (this.#size > this.maxBytes) this.#rotate();
  }

  /** The files this log may use, newest first. */
  get allPaths(): string[] {
    return Array.from({ length: this.files }, (_, i) => this.#nth(i));
  }

  /** Writes one line (a newline is added). A failing disk loses the line, never the process. */
  writeLine(line: string): void {
    let bytes: Buffer = Buffer.from(`${line}\n`, "utf8");
    if (bytes.length > this.maxBytes) bytes = cut(bytes, this.maxBytes);
    try {
      if (this.#fd === undefined) this.#open();
      if (this.#size > 0 && this.#size + bytes.length > this.maxBytes) this.#rotate();
      this.#size += writeAll(this.#fd as number, bytes);
      this.#failed = false;
    } catch (err) {
      // Report once per run of failures (a full disk would otherwise report every line).
      if (!this.#failed) this.#onError(err as Error);
      this.#failed = true;
      this.#closeFd();
    }
  }

  /** Flushes to the disk and closes; a later write opens the file again. */
  close(): void {
    if (this.#fd === undefined) return;
    try {
      fsyncSync(this.#fd);
    } catch {
      // Nothing more to do about it at exit.
    }
    this.#closeFd();
  }

  #nth(i: number): string {
    return i === 0 ? this.path : `${this.path}.${i}`;
  }

  #open(): void {
    this.#fd = openSync(this.path, "a", 0o640);
    this.#size = fstatSync(this.#fd).size;
  }

  #closeFd(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Already gone.
    }
    this.#fd = undefined;
  }

  #rotate(): void {
    this.#closeFd();
    if (this.files === 1) {
      this.#fd = openSync(this.path, "w", 0o640);
      this.#size = 0;
      return;
    }
    for (let i = this.files - 2; i >= 0; i--) {
      const from = this.#nth(i);
      if (exists(from)) renameSync(from, this.#nth(i + 1));
    }
    this.#open();
  }

  /** Files `path.N` with N ≥ files, left by a run that kept more files: removed, to keep the bound. */
  #removeSurplus(): void {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // The open below reports a missing folder.
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const suffix = name.slice(prefix.length);
      if (/^[1-9]\d*$/.test(suffix) && Number(suffix) >= this.files) unlinkSync(join(dir, name));
    }
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function writeAll(fd: number, bytes: Buffer): number {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  return done;
}

/** The first `max` bytes of a line, cut at a character boundary, still ending with a newline. */
function cut(bytes: Buffer, max: number): Buffer {
  const marker = Buffer.from("…\n", "utf8");
  let end = Math.max(0, max - marker.length);
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // not inside a UTF-8 character
  const out = Buffer.concat([bytes.subarray(0, end), marker]);
  return out.length <= max ? out : Buffer.from("\n");
}

export const redactedMark = "[redacted]";

/**
 * `text` with every secret replaced by `[redacted]`, also where it appears URL-encoded or
 * JSON-escaped. Longer secrets first, so a secret that contains another is hidden whole.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    if (form !== "" && out.includes(form)) out = out.split(form).join(redactedMark);
  }
  return out;
}

export interface FileLogger extends Logger {
  readonly file: RotatingFile;
  /** From now on these never appear in the log (the daemon adds the token, keys, communities). */
  addSecrets(...secrets: Array<string | undefined>): void;
  /** `text` with the secrets known so far hidden (for what goes elsewhere, e.g. the health report). */
  redact(text: string): string;
  close(): void;
}

export interface FileLoggerOptions extends RotatingFileOptions {
  level?: LogLevel;
  secrets?: string[];
  now?: () => Date;
  /** Where a failure to write the log is reported (stderr by default). */
  onError?: (err: Error) => void;
}

/**
 * A Logger writing `2026-11-30T10:00:00.000Z info: message` lines to a rotating file. Opening
 * throws when the file cannot be created, so the caller can fail at start with a clear message.
 */
export function createFileLogger(options: FileLoggerOptions): FileLogger {
  const onError =
    options.onError ??
    ((err: Error) => process.stderr.write(`ice: cannot write the log ${options.path}: ${err.message}\n`));
  const file = new RotatingFile(options, onError);
  const secrets = new Set<string>();
  const now = options.now ?? (() => new Date());
  const sink = (line: string) => file.writeLine(`${now().toISOString()} ${oneLine(redact(line, secrets))}`);
  const logger = createLogger(options.level ?? "info", sink);
  const addSecrets = (...more: Array<string | undefined>) => {
    for (const s of more) if (s) secrets.add(s);
  };
  addSecrets(...(options.secrets ?? []));
  return { ...logger, file, addSecrets, redact: (text) => redact(text, secrets), close: () => file.close() };
}

/** One event, one line: line breaks and other control characters are escaped. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  return text.replace(/\r?\n/g, "\\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** `--log-max-bytes`: bytes, or with a binary suffix: `512k`, `5M`, `5MiB`, `1G`. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+)\s*(?:([kmg])(?:i?b)?|b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "").toLowerCase()] ?? 1;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : undefined;
}
