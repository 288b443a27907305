import assert from "node:assert/strict";
import { it } from "node:test";
import { gzipSync } from "node:zlib";
import { realisticScan } from "./scan-file.fixtures.ts";
import { scanFileToXml } from "./scan-file.ts";

/** Budget: the collector gzips the whole document; a device may cost at most 2 KB of it. */
const budget = 2048;

it("keeps a realistic scan under 2 KB per device after gzip", (t) => {
  const count = 250;
  const scan = realisticScan(count);
  const supplies = scan.devices.map((d) => d.device.supplies.length);
  assert.ok(Math.min(...supplies) >= 4 && Math.max(...supplies) <= 8, "4–8 supplies per device");
  assert.equal(new Set(scan.devices.map((d) => d.device.serial)).size, count, "every serial differs");

  const xml = Buffer.from(scanFileToXml(scan));
  const gzipped = gzipSync(xml).length; // zlib's default level (6)
  const perDevice = gzipped / count;
  const figure = `${count} devices: ${xml.length} bytes of XML (${Math.round(xml.length / count)} per device), ${gzipped} gzipped = ${perDevice.toFixed(0)} bytes per device (budget ${budget})`;
  t.diagnostic(figure);
  console.log(`scan file size: ${figure}`);
  assert.ok(perDevice < budget, figure);
});
