import type { WalkRow } from "../snmp/client.ts";
import { isUnder } from "../snmp/oid.ts";
import type { SnmpValue } from "../snmp/value.ts";

/** One table row: column number → value. */
export type TableRow = Map<number, SnmpValue>;

/**
 * Groups the rows of a walked table entry (`…Entry`) by row index: `<entry>.<column>.<index>`
 * becomes rows.get(index).get(column). Rows keep the order in which the agent sent them.
 */
export function groupTable(rows: readonly WalkRow[], entryOid: string): Map<string, TableRow> {
  const table = new Map<string, TableRow>();
  for (const { oid, value } of rows) {
    if (!isUnder(oid, entryOid)) continue;
    const rest = oid.slice(entryOid.length + 1);
    const dot = rest.indexOf(".");
    if (dot < 0) continue;
    const column = Number(rest.slice(0, dot));
    const index = rest.slice(dot + 1);
    let row = table.get(index);
    if (!row) {
      row = new Map();
      table.set(index, row);
    }
    row.set(column, value);
  }
  return table;
}

/** The values of one walked column by row index. */
export function columnValues(rows: readonly WalkRow[], columnOid: string): Map<string, SnmpValue> {
  const out = new Map<string, SnmpValue>();
  for (const { oid, value } of rows) {
    if (isUnder(oid, columnOid)) out.set(oid.slice(columnOid.length + 1), value);
  }
  return out;
}
