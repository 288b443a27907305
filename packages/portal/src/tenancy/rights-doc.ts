import { readFile, writeFile } from "node:fs/promises";
import { type Access, activities, rightsMatrix, roles } from "./rights.ts";

/**
 * The rights matrix as docs/rights.md shows it, between two marker comments. Regenerate with
 * `node packages/portal/src/tenancy/rights-doc.ts --write`; rights-doc.test.ts keeps them in step.
 */
export const rightsDocUrl = new URL("../../../../docs/rights.md", import.meta.url);
export const matrixStart =
  "<!-- rights-matrix:start (generated from packages/portal/src/tenancy/rights.ts) -->";
export const matrixEnd = "<!-- rights-matrix:end -->";

const cell: Record<Access, string> = { write: "write", read: "read", none: "—" };

/** A Markdown table with padded columns, as the formatter (Biome) leaves it. */
export function renderRightsTable(): string {
  const rows = [
    ["Role", ...activities],
    ...roles.map((role) => [role, ...activities.map((a) => cell[rightsMatrix[role][a]])]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Reads the matrix back out of a document's table (what the doc claims), whatever its spacing. */
export function parseRightsTable(doc: string): Record<string, Record<string, string>> {
  const start = doc.indexOf(matrixStart);
  const end = doc.indexOf(matrixEnd);
  if (start < 0 || end < start) throw new Error("docs/rights.md: the rights-matrix markers are missing");
  const lines = doc
    .slice(start + matrixStart.length, end)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("|"));
  const split = (line: string) =>
    line
      .slice(1, -1)
      .split("|")
      .map((c) => c.trim());
  const [header, , ...rows] = lines;
  if (!header) throw new Error("docs/rights.md: the rights matrix has no table");
  const columns = split(header).slice(1);
  const matrix: Record<string, Record<string, string>> = {};
  for (const line of rows) {
    const [role, ...cells] = split(line);
    const access: Record<string, string> = {};
    columns.forEach((column, i) => {
      const value = cells[i] ?? "";
      access[column] = value === cell.none ? "none" : value;
    });
    matrix[role as string] = access;
  }
  return matrix;
}

export function replaceRightsTable(doc: string): string {
  const start = doc.indexOf(matrixStart);
  const end = doc.indexOf(matrixEnd);
  if (start < 0 || end < start) throw new Error("docs/rights.md: the rights-matrix markers are missing");
  return `${doc.slice(0, start + matrixStart.length)}\n${renderRightsTable()}\n${doc.slice(end)}`;
}

if (import.meta.main && process.argv.includes("--write")) {
  const doc = await readFile(rightsDocUrl, "utf8");
  await writeFile(rightsDocUrl, replaceRightsTable(doc));
  console.log("docs/rights.md: rights matrix regenerated");
}
