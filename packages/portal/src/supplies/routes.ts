import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { DomainPlugin } from "../domains.ts";
import { findDevice } from "../fleet/device-store.ts";
import { deviceParamsSchema } from "../fleet/schemas.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import type { ZodApp } from "../tenancy/route-support.ts";
import { listLowSupplies } from "./low-supplies.ts";
import {
  presentLowSupply,
  presentSupply,
  presentSupplyChange,
  presentSupplyReading,
  type SupplyChangeRow,
  type SupplyReadingRow,
  suppliesOfDevice,
} from "./presenters.ts";
import {
  deviceSuppliesQuerySchema,
  deviceSuppliesSchema,
  lowSuppliesQuerySchema,
  lowSupplyPageSchema,
  suppliesTag,
} from "./schemas.ts";

/** The supplies domain: a device's supplies with history and changes, and the low-supplies list. */
export const suppliesRoutes: DomainPlugin = async (app, { ctx }) => {
  const zodApp: ZodApp = app.withTypeProvider<ZodTypeProvider>();
  deviceSupplyRoutes(zodApp, ctx);
  lowSupplyRoutes(zodApp, ctx);
};

function deviceSupplyRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/devices/:deviceId/supplies",
    {
      ...routeGuard(["supplies", "read"]),
      schema: {
        tags: [suppliesTag],
        summary: "A device's supplies: current level and forecast, daily history, replacements",
        params: deviceParamsSchema,
        querystring: deviceSuppliesQuerySchema,
        response: { 200: deviceSuppliesSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const { deviceId } = request.params;
      return ctx.db.tenant(scope, async (sql) => {
        const device = await findDevice(sql, scope, deviceId);
        const key = [device.account_id, device.device_id];
        const supplies = await suppliesOfDevice(sql, device);
        const history = (
          await sql.query<SupplyReadingRow>(
            `select distinct on (supply_key, (read_at at time zone 'UTC')::date)
                    supply_key, read_at, level_percent, state
             from supply_readings
             where account_id = $1 and device_id = $2 and read_at >= now() - make_interval(days => $3)
             order by supply_key, (read_at at time zone 'UTC')::date, read_at desc`,
            [...key, request.query.days],
          )
        ).rows;
        const changes = (
          await sql.query<SupplyChangeRow>(
            `select supply_key, changed_at, level_before, level_after, total_at_change,
                    total_at_change - lag(total_at_change) over (partition by supply_key order by changed_at)
                      as pages_since_previous
             from supply_changes where account_id = $1 and device_id = $2
             order by supply_key, changed_at desc`,
            key,
          )
        ).rows;
        return {
          deviceId,
          items: supplies.map((s) => ({
            ...presentSupply(s),
            history: history.filter((h) => h.supply_key === s.supply_key).map(presentSupplyReading),
            changes: changes.filter((c) => c.supply_key === s.supply_key).map(presentSupplyChange),
          })),
        };
      });
    },
  );
}

function lowSupplyRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/supplies/low",
    {
      ...routeGuard(["supplies", "read"]),
      schema: {
        tags: [suppliesTag],
        summary: "Supplies at or below a level (or low, empty, or forecast to run out), lowest first",
        querystring: lowSuppliesQuerySchema,
        response: { 200: lowSupplyPageSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const query = request.query;
      const page = await ctx.db.tenant(scope, (sql) => listLowSupplies(sql, scope, query));
      return { items: page.rows.map(presentLowSupply), nextCursor: page.nextCursor };
    },
  );
}
