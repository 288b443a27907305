/**
 * Accuracy bench: `npm run bench:accuracy -- [fixtures dir] [--cli file] [--only stem,…]
 * [--concurrency N] [--json out.json]`.
 *
 * Serves the folder with snmpsimd, runs the real `ice read 127.0.0.1 --port P --community <stem>
 * --json` for every recording that has an entry in the folder's expected.json, and scores the
 * printed record against that entry's `expected` (rules: bench/accuracy/score.ts, bench/README.md).
 * The reader gets only address, port and community (the community is how snmpsim selects the
 * recording). A measurement, not a test: exits 0 unless the harness itself fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { deviceRecordSchema } from "@device-portal/protocol";
import { fixturesDir, listRecordings, startSnmpsim } from "../packages/collector/src/testing/snmpsim.ts";
import {
  type Check,
  type ExpectedEntry,
  fieldKinds,
  percent,
  type ReadOutcome,
  type ReadRecord,
  scoreDevice,
  summarise,
} from "./accuracy/score.ts";
import { describeFailure, iceCli, mapLimit, parseArgs, runIceRead, stringArg } from "./ice.ts";

const kindLabels: Record<(typeof fieldKinds)[number], string> = {
  vendor: "vendor",
  model: "model",
  serial: "serial",
  firmware: "firmware",
  mac: "mac",
  counters: "page counters",
  supplies: "supply levels",
  presence: "presence (has_*)",
};

function show(v: unknown): string {
  if (v === undefined) return "—";
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function parseRecord(stdout: string): ReadRecord {
  const text = stdout.trim();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Tolerate log lines around the JSON document.
    const start = text.indexOf("{");
    const end = text.lastIndexOf("}");
    if (start < 0 || end <= start) throw new Error("no JSON object on stdout");
    value = JSON.parse(text.slice(start, end + 1));
  }
  if (Array.isArray(value)) value = value[0];
  if (!value || typeof value !== "object") throw new Error("stdout JSON is not an object");
  return value as ReadRecord;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = resolve(args._[0] ?? fixturesDir());
  const cli = iceCli(stringArg(args, "cli"));
  const concurrency = Number(stringArg(args, "concurrency") ?? 1);
  const only = stringArg(args, "only")?.split(",");

  const expectedFile = join(dir, "expected.json");
  const doc = JSON.parse(readFileSync(expectedFile, "utf8")) as { devices?: ExpectedEntry[] };
  const entries = new Map<string, ExpectedEntry>();
  for (const e of doc.devices ?? []) entries.set(e.file.replace(/\.snmprec$/, ""), e);
  const stems = listRecordings(dir).filter((s) => !only || only.includes(s));
  const withoutExpectation = stems.filter((s) => !entries.has(s));
  const scored = stems.filter((s) => entries.has(s));

  const sim = await startSnmpsim({ dataDir: dir });
  const started = Date.now();
  const schemaProblems: string[] = [];
  const readFailures: string[] = [];
  let checks: Check[];
  try {
    console.log(`accuracy: ${scored.length} recordings from ${dir}`);
    console.log(`reader: ${cli} (snmpsimd on ${sim.host}:${sim.port}, ${concurrency} at a time)\n`);
    const perDevice = await mapLimit(scored, concurrency, async (stem) => {
      const entry = entries.get(stem) as ExpectedEntry;
      const run = await runIceRead(cli, { host: sim.host, port: sim.port, community: stem });
      let outcome: ReadOutcome;
      if (run.code !== 0 || run.timedOut) {
        outcome = { error: describeFailure(run) };
      } else {
        try {
          const record = parseRecord(run.stdout);
          outcome = { record };
          const valid = deviceRecordSchema.safeParse(record);
          if (!valid.success) {
            const issues = valid.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`);
            schemaProblems.push(`${stem}: ${issues.join("; ")}${valid.error.issues.length > 3 ? "; …" : ""}`);
          }
        } catch (err) {
          outcome = { error: `unparsable output: ${(err as Error).message}` };
        }
      }
      if ("error" in outcome) readFailures.push(`${stem}: ${outcome.error}`);
      return scoreDevice(entry, outcome);
    });
    checks = perDevice.flat();
  } finally {
    await sim.stop();
  }

  const summary = summarise(checks);
  const rows = fieldKinds.map((k) => {
    const t = summary.byKind[k];
    return [kindLabels[k], `${t.hits}/${t.asserted}`, percent(t)];
  });
  const w0 = Math.max(...rows.map((r) => (r[0] as string).length), 10);
  console.log(`${"field".padEnd(w0)}  ${"hits/asserted".padStart(13)}  ${"score".padStart(7)}`);
  for (const [a, b, c] of rows)
    console.log(`${(a as string).padEnd(w0)}  ${(b as string).padStart(13)}  ${(c as string).padStart(7)}`);

  const special = checks.filter((c) => c.hit && c.rule);
  if (special.length > 0) {
    console.log("\nhits by a rule other than equality:");
    const byRule = new Map<string, Check[]>();
    for (const c of special) byRule.set(c.rule as string, [...(byRule.get(c.rule as string) ?? []), c]);
    for (const [rule, list] of byRule) {
      console.log(`  ${rule} (${list.length}):`);
      for (const c of list)
        console.log(`    ${c.file}  ${c.field}  expected ${show(c.expected)}  got ${show(c.got)}`);
    }
  }

  const misses = checks.filter((c) => !c.hit);
  console.log(`\nmisses (${misses.length}):`);
  for (const c of misses) {
    console.log(
      `  ${c.file}  ${c.field}  expected ${show(c.expected)}  got ${show(c.got)}  — ${c.reason ?? ""}`,
    );
  }
  if (readFailures.length > 0)
    console.log(`\nread failures (${readFailures.length}):\n  ${readFailures.join("\n  ")}`);
  if (schemaProblems.length > 0) {
    console.log(
      `\nrecords that fail deviceRecordSchema (${schemaProblems.length}):\n  ${schemaProblems.join("\n  ")}`,
    );
  }
  if (withoutExpectation.length > 0)
    console.log(`\nnot scored (no entry in expected.json): ${withoutExpectation.join(", ")}`);
  const noAssertions = scored.filter((s) => !checks.some((c) => c.file === entries.get(s)?.file));
  if (noAssertions.length > 0)
    console.log(`read, nothing scored (no asserted field of these kinds): ${noAssertions.join(", ")}`);

  const outFile = stringArg(args, "json");
  if (outFile) {
    writeFileSync(
      outFile,
      `${JSON.stringify({ dir, cli, summary, checks, readFailures, schemaProblems }, null, 2)}\n`,
    );
    console.log(`\nwrote ${outFile}`);
  }
  console.log(`\n${scored.length} recordings read in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`overall: ${percent(summary.overall)} (${summary.overall.hits}/${summary.overall.asserted})`);
}

main().catch((err: unknown) => {
  console.error(`bench:accuracy failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
