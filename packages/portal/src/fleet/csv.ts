/**
 * CSV (RFC 4180) for spreadsheet users: comma-separated, CRLF, quoted where needed. A cell that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading apostrophe, since device
 * names and locations come from the network and are not to be trusted.
 */

export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
