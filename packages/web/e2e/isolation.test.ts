import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { type E2eEnv, eventually, signedInPage, startE2e } from "./harness.ts";

/** Users of customer A1 see A1's devices and collectors only; A2's addresses lead to "not found". */
let env: E2eEnv;
let a1Serials: string[];
let a2Devices: { id: string; serial: string; model: string }[];

before(async () => {
  env = await startE2e({ octet: 80 });
  const devices = await env.db.system(
    async (sql) =>
      (
        await sql.query<{ device_id: string; customer_id: string; serial: string; model: string }>(
          "select device_id, customer_id, serial, model from devices where account_id = $1 order by serial",
          [env.tree.a.accountId],
        )
      ).rows,
  );
  a1Serials = devices.filter((d) => d.customer_id === env.tree.a.a1).map((d) => d.serial);
  a2Devices = devices
    .filter((d) => d.customer_id === env.tree.a.a2)
    .map((d) => ({ id: d.device_id, serial: d.serial, model: d.model }));
  assert.ok(a1Serials.length > 0 && a2Devices.length > 0, "both customers have devices");
});

after(async () => {
  await env?.close();
});

/** All text of the main area, hidden parts included (nothing of another customer may be in it). */
const mainText = async (page: Page) => (await page.locator("main").textContent()) ?? "";

test("a customer user's dashboard and device list hold only the own customer's devices", async () => {
  const { context, page } = await signedInPage(env, env.tree.users.customerUser);
  try {
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    assert.equal(Number(await page.getByTestId("stat-devices").textContent()), a1Serials.length);
    // Customer users have no customer filter: they see one customer.
    assert.equal(await page.getByRole("combobox", { name: "Customer" }).count(), 0);

    await page.goto("/devices");
    const rows = page.getByTestId("device-row");
    await rows.first().waitFor();
    await eventually(() => rows.count(), a1Serials.length, "A1's devices in the list");
    const text = await mainText(page);
    for (const serial of a1Serials) assert.ok(text.includes(serial), `A1 device ${serial} listed`);
    for (const d of a2Devices) assert.ok(!text.includes(d.serial), `A2 device ${d.serial} not listed`);

    // Searching for A2's serial finds nothing.
    const a2 = a2Devices[0] as (typeof a2Devices)[number];
    await page.getByRole("searchbox", { name: "Search" }).fill(a2.serial);
    await page.waitForURL((url) => url.searchParams.get("q") === a2.serial);
    await page.getByText("No results match.").waitFor();
    assert.equal(await rows.count(), 0);
  } finally {
    await context.close();
  }
});

test("another customer's device address shows not found and none of its data", async () => {
  const { context, page } = await signedInPage(env, env.tree.users.customerUser);
  try {
    for (const device of a2Devices) {
      const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/devices/${device.id}`));
      await page.goto(`/devices/${device.id}`);
      assert.equal((await answer).status(), 404);
      await page.getByText("Not found, or not visible to you.").waitFor();
      const text = await mainText(page);
      assert.ok(!text.includes(device.serial), "no serial");
      assert.ok(!text.includes(device.model), "no model");
      assert.equal(await page.getByTestId("device-counters").count(), 0);
      assert.equal(await page.getByTestId("device-supplies").count(), 0);
    }
    // The same address works for a user of dealer A (the device exists; it is just not A1's).
    const staff = await signedInPage(env, env.tree.users.technician);
    try {
      const device = a2Devices[0] as (typeof a2Devices)[number];
      await staff.page.goto(`/devices/${device.id}`);
      await staff.page.getByText(device.serial).first().waitFor();
    } finally {
      await staff.context.close();
    }
  } finally {
    await context.close();
  }
});

test("a customer admin sees the own collector only, and not the other customer's settings", async () => {
  const { context, page } = await signedInPage(env, env.tree.users.customerAdmin);
  try {
    await page.goto("/collectors");
    await page.getByRole("row").filter({ hasText: "A1 north" }).first().waitFor();
    assert.equal(await page.getByRole("row").filter({ hasText: "A2 main" }).count(), 0);

    await page.goto(`/collectors/${env.fleets.a2.collectorId}`);
    await page.getByText("Not found, or not visible to you.").waitFor();

    await page.goto(`/collector-settings/site/${env.tree.a.a2Main}`);
    await page.getByText("Not found, or not visible to you.").waitFor();
    assert.ok(!(await mainText(page)).includes(env.fleets.a2.range), "A2's scan range is not shown");
    assert.equal(await page.getByRole("textbox", { name: "Scan ranges" }).count(), 0);

    // The own site's settings are there.
    await page.goto(`/collector-settings/site/${env.tree.a.a1North}`);
    const targets = page.getByRole("textbox", { name: "Scan ranges" });
    await targets.waitFor();
    assert.equal(await targets.inputValue(), env.fleets.a1.range);
  } finally {
    await context.close();
  }
});
