import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { roles } from "./rights.ts";
import { registerRouteRights, roleScopeLevel, routeAllows, routeGuard } from "./route-rights.ts";

describe("route rights", () => {
  it("registers every route with its declared right and scope, without the implicit HEAD", async () => {
    const app = Fastify();
    registerRouteRights(app);
    await app.register(async (child) => {
      child.get("/api/v1/things", { ...routeGuard(["fleet", "read"]) }, async () => ({}));
      child.post("/api/v1/things", { ...routeGuard(["tenants", "write"], "account") }, async () => ({}));
      child.get("/api/v1/forgotten", async () => ({}));
      child.route({
        method: ["PUT", "PATCH"],
        url: "/api/v1/both",
        config: { right: "signed-in" },
        handler: async () => ({}),
      });
    });
    await app.ready();
    assert.deepEqual(app.routeRights, [
      { method: "GET", url: "/api/v1/things", right: ["fleet", "read"], scope: undefined },
      { method: "POST", url: "/api/v1/things", right: ["tenants", "write"], scope: "account" },
      { method: "GET", url: "/api/v1/forgotten", right: undefined, scope: undefined },
      { method: "PUT", url: "/api/v1/both", right: "signed-in", scope: undefined },
      { method: "PATCH", url: "/api/v1/both", right: "signed-in", scope: undefined },
    ]);
    await app.close();
  });

  it("allows a role by the matrix and by its scope level", () => {
    assert.deepEqual(
      roles.map((role) => roleScopeLevel(role)),
      ["platform", "account", "account", "account", "customer", "customer"],
    );
    const tenantsWrite = (scope?: "platform" | "account" | "customer") =>
      roles.filter((role) => routeAllows(role, ["tenants", "write"], scope));
    assert.deepEqual(tenantsWrite(), ["platform-admin", "account-admin", "customer-admin"]);
    assert.deepEqual(tenantsWrite("account"), ["platform-admin", "account-admin"]);
    assert.deepEqual(tenantsWrite("platform"), ["platform-admin"]);
    assert.deepEqual(
      roles.filter((role) => routeAllows(role, ["billing", "read"], undefined)),
      ["platform-admin", "account-admin", "account-billing", "customer-admin"],
    );
    assert.ok(roles.every((role) => routeAllows(role, "signed-in", undefined)));
  });
});
