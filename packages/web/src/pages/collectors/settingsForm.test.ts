import assert from "node:assert/strict";
import { test } from "node:test";
import {
  emptyV3User,
  formFromView,
  inputFromForm,
  isTarget,
  secretMask,
  serverFieldErrors,
  validateForm,
} from "./settingsForm.ts";

test("what is not set at a level stays out of the document (inherited)", () => {
  const form = formFromView({ refreshIntervalMinutes: 30 });
  assert.deepEqual(inputFromForm(form), { refreshIntervalMinutes: 30 });
  form.targets = { set: true, text: "10.0.0.0/24\n 10.0.1.5 , 10.0.2.1-10.0.2.40\n\n" };
  form.scalars.refreshIntervalMinutes.set = false;
  assert.deepEqual(inputFromForm(form), { targets: ["10.0.0.0/24", "10.0.1.5", "10.0.2.1-10.0.2.40"] });
});

test("stored SNMPv3 keys are kept by sending the mask, typed keys replace them", () => {
  const form = formFromView({
    v3Users: [
      { name: "mps", authProtocol: "sha256", privProtocol: "aes", hasAuthKey: true, hasPrivKey: true },
    ],
  });
  assert.deepEqual(inputFromForm(form).v3Users, [
    { name: "mps", authProtocol: "sha256", authKey: secretMask, privProtocol: "aes", privKey: secretMask },
  ]);
  const user = form.v3Users.users[0];
  assert.ok(user);
  user.privKey = "a-new-secret";
  assert.equal(inputFromForm(form).v3Users?.[0]?.privKey, "a-new-secret");
  form.v3Users.users.push({ ...emptyV3User(), name: "new", authProtocol: "", privProtocol: "" });
  assert.deepEqual(inputFromForm(form).v3Users?.[1], { name: "new" });
});

test("target syntax: address, CIDR /8–/32, range not wider than a /8", () => {
  for (const ok of ["10.0.0.1", "192.168.1.0/24", "10.0.0.0/8", "10.0.0.1-10.0.0.254", "10.0.0.1 - 10.0.0.2"])
    assert.equal(isTarget(ok), true, ok);
  for (const bad of [
    "10.0.0.256",
    "10.0.0.0/7",
    "10.0.0.0/33",
    "10.0.0.9-10.0.0.1",
    "1.0.0.0-3.0.0.0",
    "printer.local",
    "::1",
  ])
    assert.equal(isTarget(bad), false, bad);
});

test("validation names the field and the problem", () => {
  const form = formFromView({});
  form.targets = { set: true, text: "10.0.0.1\nnot-an-address" };
  form.ping = { set: true, enabled: true, timeoutMs: 20, retries: 2 };
  form.scalars.refreshIntervalMinutes = { set: true, value: 90 };
  form.scalars.concurrency = { set: true, value: "" };
  form.scalars.maxAddresses = { set: true, value: 0 };
  form.communities = { set: true, values: ["public", "bad\u0001"] };
  form.v3Users = {
    set: true,
    users: [
      { ...emptyV3User(), name: "a", authKey: "short" },
      { ...emptyV3User(), name: "a" },
    ],
  };
  assert.deepEqual(validateForm(form), {
    targets: { key: "badTargets", values: "not-an-address" },
    "ping.timeoutMs": { key: "range", min: 50, max: 10_000 },
    refreshIntervalMinutes: { key: "range", min: 20, max: 60 },
    maxAddresses: { key: "range", min: 1, max: 2 ** 24 },
    communities: { key: "community" },
    "v3Users.0.authKey": { key: "keyLength" },
    "v3Users.1.name": { key: "duplicateName" },
  });
  assert.deepEqual(validateForm(formFromView({ refreshIntervalMinutes: 20, communities: ["••••1"] })), {});
});

test("the portal's validation answer maps onto the form's fields", () => {
  assert.deepEqual(
    serverFieldErrors([
      { instancePath: "/targets/3", message: "prefix /7 must be /8 to /32" },
      { instancePath: "/v3Users/0/authKey", message: "at least 8 characters" },
      { instancePath: "/snmp/timeoutMs", message: "too big" },
      { instancePath: "", message: "whole body" },
    ]),
    {
      targets: "prefix /7 must be /8 to /32",
      "v3Users.0.authKey": "at least 8 characters",
      "snmp.timeoutMs": "too big",
    },
  );
  assert.deepEqual(serverFieldErrors("nonsense"), {});
});
