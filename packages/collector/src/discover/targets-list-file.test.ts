import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseScanTargets } from "./targets.ts";
import { TargetError } from "./targets-error.ts";
import { parseTargetList, readTargetListFile } from "./targets-list-file.ts";

function refuses(content: string, message: string, name = "printers.csv") {
  assert.throws(
    () => parseTargetList(content, name),
    (err: unknown) => err instanceof TargetError && err.message === message && err.input === name,
  );
}

describe("target list files", () => {
  test("plain: one target per line, comments and blank lines ignored, line numbers kept", () => {
    const text = "# site A\n\n192.0.2.0/24\n  192.0.2.10-50   # copiers\n198.51.100.7\n\n# end\n";
    assert.deepEqual(parseTargetList(text, "list.txt"), [
      { text: "192.0.2.0/24", source: "list.txt line 3" },
      { text: "192.0.2.10-50", source: "list.txt line 4" },
      { text: "198.51.100.7", source: "list.txt line 5" },
    ]);
  });

  test("plain with Windows line endings and a byte-order mark", () => {
    assert.deepEqual(parseTargetList("\uFEFF192.0.2.1\r\n\r\n192.0.2.2\r\n", "list.txt"), [
      { text: "192.0.2.1", source: "list.txt line 1" },
      { text: "192.0.2.2", source: "list.txt line 3" },
    ]);
  });

  test("CSV with commas: the address column is found by name, other columns ignored", () => {
    const csv =
      'Name,Location,IP Address,Serial\nAccounting,"Floor 2, east",192.0.2.10,X1\nLobby,Floor 0,192.0.2.11,X2\n';
    assert.deepEqual(parseTargetList(csv, "assets.csv"), [
      { text: "192.0.2.10", source: "assets.csv line 2" },
      { text: "192.0.2.11", source: "assets.csv line 3" },
    ]);
  });

  test("CSV with semicolons (a European spreadsheet), commas inside values", () => {
    const csv = "Gerät;Standort;IP\nMFP 1;Halle 3, Tor 2;192.0.2.20\nMFP 2;Büro;192.0.2.21-25\n";
    assert.deepEqual(parseTargetList(csv, "geraete.csv"), [
      { text: "192.0.2.20", source: "geraete.csv line 2" },
      { text: "192.0.2.21-25", source: "geraete.csv line 3" },
    ]);
  });

  test("CSV with a byte-order mark, Windows line endings, quoted header, blank cells and comments", () => {
    const csv =
      '\uFEFF"host";"model"\r\n192.0.2.30;"C4500"\r\n;"no address yet"\r\n# retired\r\n\r\n192.0.2.31;"M400"\r\n';
    assert.deepEqual(parseTargetList(csv, "export.csv"), [
      { text: "192.0.2.30", source: "export.csv line 2" },
      { text: "192.0.2.31", source: "export.csv line 6" },
    ]);
  });

  test("CSV header names: ip beats host, case and separators do not matter, one column works", () => {
    assert.deepEqual(parseTargetList("Host,IP_Address\nprn-01,192.0.2.40\n", "a.csv"), [
      { text: "192.0.2.40", source: "a.csv line 2" },
    ]);
    assert.deepEqual(parseTargetList("ip\n192.0.2.41\n192.0.2.42\n", "b.csv"), [
      { text: "192.0.2.41", source: "b.csv line 2" },
      { text: "192.0.2.42", source: "b.csv line 3" },
    ]);
    assert.deepEqual(parseTargetList("name\tipv4\nA\t192.0.2.43\n", "c.tsv"), [
      { text: "192.0.2.43", source: "c.tsv line 2" },
    ]);
  });

  test("entries feed the scan with their line, so a bad one is found in the file", () => {
    const entries = parseTargetList("ip;name\n192.0.2.1;a\n192.0.2.1;b\n192.0.2.999;c\n", "printers.csv");
    assert.throws(() => parseScanTargets({ targets: entries }), {
      message: "printers.csv line 4: 192.0.2.999 is not a valid IPv4 address",
    });
    const scan = parseScanTargets({ targets: entries.slice(0, 2) });
    assert.equal(scan.count, 1);
  });

  test("an empty list file is refused", () => {
    refuses("", "printers.csv is empty: it holds no address, range or CIDR");
    refuses(
      "\uFEFF\r\n# nothing yet\r\n   \r\n",
      "printers.csv is empty: it holds no address, range or CIDR",
    );
    refuses(
      'ip;name\n;"no address"\n',
      'printers.csv is empty: its column "ip" holds no address, range or CIDR',
    );
  });

  test("a CSV without an address column is refused, naming the columns it has", () => {
    refuses(
      "Name,Location,Serial\nA,B,C\n",
      'printers.csv has no address column: its header row has "Name", "Location", "Serial", none named ip, ip address, address or host',
    );
    refuses(
      "192.0.2.1,192.0.2.2\n",
      'printers.csv has no address column: its header row has "192.0.2.1", "192.0.2.2", none named ip, ip address, address or host; its first row holds addresses, not column names: add a header row such as ip;name or write one address per line',
    );
  });

  test("files are read from disk, in UTF-8 or Excel's UTF-16", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dp-targets-"));
    const utf8 = join(dir, "list.txt");
    writeFileSync(utf8, "192.0.2.1\n192.0.2.0/30\n");
    assert.deepEqual(await readTargetListFile(utf8), [
      { text: "192.0.2.1", source: "list.txt line 1" },
      { text: "192.0.2.0/30", source: "list.txt line 2" },
    ]);
    const utf16 = join(dir, "excel.txt");
    writeFileSync(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("IP\tName\r\n192.0.2.5\tA\r\n", "utf16le")]),
    );
    assert.deepEqual(await readTargetListFile(utf16), [{ text: "192.0.2.5", source: "excel.txt line 2" }]);
  });
});
