import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import type { TargetEntry } from "./targets.ts";
import { TargetError } from "./targets-error.ts";

/**
 * An imported list of targets: either one address, range or CIDR per line ("#" starts a comment),
 * or a CSV export (an asset list, a spreadsheet) whose header row names an address column.
 */

/** Names of an address column, compared lowercase without spaces, dashes or underscores. Best first. */
const addressColumns = [
  "ip",
  "ipaddress",
  "ipv4",
  "ipv4address",
  "ipaddr",
  "deviceip",
  "printerip",
  "hostip",
  "adresseip",
  "ipadresse",
  "direccionip",
  "indirizzoip",
  "address",
  "addr",
  "target",
  "range",
  "cidr",
  "host",
  "hostaddress",
];
const delimiters = [",", ";", "\t"];

export async function readTargetListFile(path: string): Promise<TargetEntry[]> {
  return parseTargetList(decode(await readFile(path)), basename(path));
}

/** The entries of a list file's text; `name` appears in error messages and entry sources. */
export function parseTargetList(content: string, name: string): TargetEntry[] {
  const text = content.replace(/^\uFEFF/, "");
  const firstLine = meaningfulLines(text).next().value;
  if (firstLine === undefined) throw emptyList(name);
  const entries = looksLikeCsvHeader(firstLine.text) ? parseCsvList(text, name) : parsePlainList(text, name);
  if (entries.length === 0) throw emptyList(name);
  return entries;
}

/** Excel saves "Unicode text" as UTF-16 with a byte-order mark; everything else is taken as UTF-8. */
function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  return bytes.toString("utf8");
}

function emptyList(name: string): TargetError {
  return new TargetError(name, `${name} is empty: it holds no address, range or CIDR`);
}

/** Non-blank lines without their comments, with 1-based line numbers. */
function* meaningfulLines(text: string): Generator<{ text: string; line: number }> {
  const lines = text.split(/\r\n|\r|\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (line !== "") yield { text: line, line: index + 1 };
  }
}

function looksLikeCsvHeader(line: string): boolean {
  return delimiters.some((d) => line.includes(d)) || addressColumns.includes(normalise(line));
}

function parsePlainList(text: string, name: string): TargetEntry[] {
  return Array.from(meaningfulLines(text), ({ text, line }) => ({ text, source: `${name} line ${line}` }));
}

function parseCsvList(text: string, name: string): TargetEntry[] {
  const { delimiter, column, header } = findAddressColumn(text, name);
  const entries: TargetEntry[] = [];
  const rows = readCsv(text, name, { delimiter, info: true, from: 2 }) as unknown as Array<{
    record: string[];
    info: { lines: number };
  }>;
  for (const { record, info } of rows) {
    const cell = record[column]?.trim() ?? "";
    // Asset lists often hold devices without an address yet: skip the row rather than fail.
    if (cell !== "") entries.push({ text: cell, source: `${name} line ${info.lines}` });
  }
  if (entries.length === 0) {
    throw new TargetError(name, `${name} is empty: its column "${header}" holds no address, range or CIDR`);
  }
  return entries;
}

/** The delimiter whose header row has an address column (`,` `;` or tab, as spreadsheets export). */
function findAddressColumn(
  text: string,
  name: string,
): { delimiter: string; column: number; header: string } {
  let widest: string[] = [];
  for (const delimiter of delimiters) {
    const header = (readCsv(text, name, { delimiter, to: 1 })[0] ?? []).map((cell) => cell.trim());
    const names = header.map(normalise);
    const best = addressColumns.find((known) => names.includes(known));
    if (best !== undefined) {
      const column = names.indexOf(best);
      return { delimiter, column, header: header[column] as string };
    }
    if (header.length > widest.length) widest = header;
  }
  const found = widest.map((h) => `"${h}"`).join(", ");
  const looksLikeData = widest.some((h) => /^\d+\.\d+\.\d+\.\d+/.test(h));
  const hint = looksLikeData
    ? "; its first row holds addresses, not column names: add a header row such as ip;name or write one address per line"
    : "";
  throw new TargetError(
    name,
    `${name} has no address column: its header row has ${found}, none named ip, ip address, address or host${hint}`,
  );
}

function readCsv(
  text: string,
  name: string,
  options: { delimiter: string; to?: number; from?: number; info?: boolean },
) {
  try {
    return parseCsv(text, {
      ...options,
      comment: "#",
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      bom: true,
    });
  } catch (err) {
    throw new TargetError(name, `${name} is not a readable CSV file: ${(err as Error).message}`);
  }
}

function normalise(header: string): string {
  return header.toLowerCase().replace(/[\s_.-]+/g, "");
}
