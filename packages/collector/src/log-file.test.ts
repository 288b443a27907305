import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { createFileLogger, parseByteSize, RotatingFile, redact, redactedMark } from "./log-file.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dp-log-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sizes = () =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, statSync(join(dir, n)).size]),
  );
const total = () => Object.values(sizes()).reduce((a, b) => a + b, 0);
const read = (name: string) => readFileSync(join(dir, name), "utf8");

describe("RotatingFile", () => {
  test("never more than maxBytes per file and files × maxBytes in all, oldest lines dropped", () => {
    const file = new RotatingFile({ path: join(dir, "ice.log"), maxBytes: 200, files: 3 });
    for (let i = 0; i < 500; i++) {
      file.writeLine(`line ${String(i).padStart(4, "0")} ${"x".repeat(i % 37)}`);
      for (const size of Object.values(sizes())) assert.ok(size <= 200, `a file grew to ${size}`);
      assert.ok(total() <= 600);
    }
    file.close();
    assert.deepEqual(Object.keys(sizes()), ["ice.log", "ice.log.1", "ice.log.2"]);
    // Newest in ice.log, then .1, then .2, each file whole lines in order.
    const lines = ["ice.log.2", "ice.log.1", "ice.log"].flatMap((n) => read(n).split("\n").filter(Boolean));
    const numbers = lines.map((l) => Number(l.slice(5, 9)));
    assert.equal(numbers.at(-1), 499);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => (numbers[0] as number) + i),
    );
    assert.ok((numbers[0] as number) > 400, "old lines were rotated out");
    assert.ok(total() > 400, "files are used, not emptied early");
  });

  test("a line longer than a file is cut at a character boundary", () => {
    const file = new RotatingFile({ path: join(dir, "ice.log"), maxBytes: 64, files: 2 });
    file.writeLine("é".repeat(100));
    file.writeLine("short");
    file.close();
    const old = readFileSync(join(dir, "ice.log.1"));
    assert.ok(old.length <= 64);
    assert.match(old.toString("utf8"), /^é+…\n$/u);
    assert.equal(read("ice.log"), "short\n");
  });

  test("one file: starts over instead of renaming", () => {
    const file = new RotatingFile({ path: join(dir, "ice.log"), maxBytes: 100, files: 1 });
    for (let i = 0; i < 50; i++) file.writeLine(`line ${i}`);
    file.close();
    assert.deepEqual(Object.keys(sizes()), ["ice.log"]);
    assert.ok((sizes()["ice.log"] as number) <= 100);
    assert.match(read("ice.log"), /line 49\n$/);
  });

  test("a new process continues the file and its size, and removes files beyond the bound", () => {
    const path = join(dir, "ice.log");
    const first = new RotatingFile({ path, maxBytes: 100, files: 5 });
    for (let i = 0; i < 80; i++) first.writeLine(`first ${i}`);
    first.close();
    assert.equal(Object.keys(sizes()).length, 5);
    writeFileSync(join(dir, "ice.log.old"), "not ours"); // other names are left alone
    writeFileSync(join(dir, "ice.log.12"), "x".repeat(500));

    const before = read("ice.log");
    const second = new RotatingFile({ path, maxBytes: 100, files: 2 });
    assert.deepEqual(Object.keys(sizes()).sort(), ["ice.log", "ice.log.1", "ice.log.old"]);
    second.writeLine("second 0");
    assert.ok(read("ice.log").startsWith(before) || read("ice.log.1") === before, "appended, not truncated");
    for (let i = 1; i < 30; i++) second.writeLine(`second ${i}`);
    second.close();
    assert.ok((sizes()["ice.log"] as number) <= 100);
    assert.ok((sizes()["ice.log.1"] as number) <= 100);
    assert.match(read("ice.log"), /second 29\n$/);
  });

  test("an oversized file from a run with a larger bound is rotated at open", () => {
    writeFileSync(join(dir, "ice.log"), "y".repeat(1000));
    const file = new RotatingFile({ path: join(dir, "ice.log"), maxBytes: 100, files: 2 });
    file.writeLine("new");
    file.close();
    assert.equal(read("ice.log"), "new\n");
    // The kept history file may be the oversized one only until the next rotation.
    const again = new RotatingFile({ path: join(dir, "ice.log"), maxBytes: 100, files: 2 });
    for (let i = 0; i < 30; i++) again.writeLine(`again ${i}`);
    again.close();
    for (const size of Object.values(sizes())) assert.ok(size <= 100);
  });

  test("the file removed under it (an admin, a cleanup job): the next rotation opens a new one", () => {
    const path = join(dir, "ice.log");
    const file = new RotatingFile({ path, maxBytes: 60, files: 2 });
    file.writeLine("one");
    rmSync(path);
    for (let i = 0; i < 20; i++) file.writeLine(`after ${i}`);
    file.close();
    assert.match(read("ice.log"), /after 19\n$/);
  });

  test("cannot open: throws at start; a failing write is reported once, never thrown", () => {
    assert.throws(() => new RotatingFile({ path: join(dir, "missing", "ice.log"), maxBytes: 100, files: 2 }));
    const errors: Error[] = [];
    const file = new RotatingFile({ path: join(dir, "ice.log"), maxBytes: 100, files: 2 }, (e) =>
      errors.push(e),
    );
    // The folder disappears: rotation cannot rename, the lines are lost, the caller goes on.
    rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < 30; i++) file.writeLine(`line ${i}`);
    file.close();
    assert.equal(errors.length, 1);
  });
});

describe("createFileLogger", () => {
  test("ISO timestamp, level, one line per event, level threshold", () => {
    const log = createFileLogger({
      path: join(dir, "ice.log"),
      maxBytes: 10_000,
      files: 2,
      level: "info",
      now: () => new Date("2026-11-30T10:00:00.000Z"),
    });
    log.debug("hidden");
    log.info("started");
    log.error("two\nlines\r\nand a bell \u0007");
    log.close();
    assert.equal(
      read("ice.log"),
      "2026-11-30T10:00:00.000Z info: started\n" +
        "2026-11-30T10:00:00.000Z error: two\\nlines\\nand a bell \\x07\n",
    );
  });

  test("secrets given at start and added later never reach the file", () => {
    const token = "q5Xh3m-7Jc_LzP0aWv9yTt2kRb8sNd4eGf6uHi1oMl0";
    const log = createFileLogger({
      path: join(dir, "ice.log"),
      maxBytes: 10_000,
      files: 2,
      secrets: [token],
    });
    log.info(`enrolling with token ${token}`);
    log.addSecrets("s3cr/t community", undefined, "");
    log.warn('settings {"communities":["s3cr/t community"]} url ?c=s3cr%2Ft%20community');
    log.close();
    const text = read("ice.log");
    assert.doesNotMatch(text, /q5Xh3m|s3cr/);
    assert.equal(text.split(redactedMark).length - 1, 3);
  });
});

describe("redact", () => {
  test("every occurrence, longest secret first, escaped forms too", () => {
    assert.equal(redact("a public b public", ["public"]), `a ${redactedMark} b ${redactedMark}`);
    assert.equal(redact("key=abcdef", ["abc", "abcdef"]), `key=${redactedMark}`);
    assert.equal(redact('{"k":"a\\"b"}', ['a"b']), `{"k":"${redactedMark}"}`);
    assert.equal(redact("nothing here", ["", "zzz"]), "nothing here");
  });
});

test("parseByteSize", () => {
  assert.equal(parseByteSize("5242880"), 5 * 1024 * 1024);
  assert.equal(parseByteSize("5M"), 5 * 1024 * 1024);
  assert.equal(parseByteSize("5MiB"), 5 * 1024 * 1024);
  assert.equal(parseByteSize("512k"), 512 * 1024);
  assert.equal(parseByteSize("1g"), 1024 ** 3);
  assert.equal(parseByteSize("12b"), 12);
  assert.equal(parseByteSize("-1"), undefined);
  assert.equal(parseByteSize("lots"), undefined);
});
