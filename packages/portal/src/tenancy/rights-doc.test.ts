import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { rightsMatrix } from "./rights.ts";
import { parseRightsTable, renderRightsTable, replaceRightsTable, rightsDocUrl } from "./rights-doc.ts";

describe("docs/rights.md", () => {
  it("shows exactly the rights matrix of tenancy/rights.ts", async () => {
    const doc = await readFile(rightsDocUrl, "utf8");
    assert.deepEqual(parseRightsTable(doc), rightsMatrix);
    assert.equal(
      replaceRightsTable(doc),
      doc,
      "regenerate: node packages/portal/src/tenancy/rights-doc.ts --write",
    );
  });

  it("notices a cell that differs", () => {
    const doc = `x\n<!-- rights-matrix:start (generated from packages/portal/src/tenancy/rights.ts) -->\n${renderRightsTable()}\n<!-- rights-matrix:end -->\n`;
    const tampered = doc.replace(/(\| customer-user +\| )read /, "$1write");
    assert.notEqual(tampered, doc);
    assert.notDeepEqual(parseRightsTable(tampered), rightsMatrix);
    assert.deepEqual(parseRightsTable(doc), rightsMatrix);
    assert.throws(() => parseRightsTable("no table here"), /markers are missing/);
  });
});
