import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { PortalContext } from "../app.ts";
import { principalOf } from "../auth/authenticate.ts";
import type { Sql } from "../db/pool.ts";
import type { DomainPlugin } from "../domains.ts";
import { badRequest } from "../http/errors.ts";
import { suppliesOfDevice } from "../supplies/presenters.ts";
import { routeGuard } from "../tenancy/route-rights.ts";
import { auditRequest, type ZodApp } from "../tenancy/route-support.ts";
import type { Scope } from "../tenancy/scope.ts";
import { csvLine } from "./csv.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { findDevice, listDevices } from "./device-store.ts";
import { pgTimestamp } from "./keyset.ts";
import {
  type DeviceAlertRow,
  type DeviceRow,
  presentDevice,
  presentDeviceDetail,
  presentReading,
  type ReadingRow,
} from "./presenters.ts";
import {
  deviceDetailSchema,
  deviceFilterSchema,
  deviceListQuerySchema,
  devicePageSchema,
  deviceParamsSchema,
  deviceUpdateSchema,
  deviceVolumesSchema,
  fleetTag,
  readingListQuerySchema,
  readingPageSchema,
  volumeQuerySchema,
} from "./schemas.ts";
import { monthBoundaries, periodVolumes, presentVolume } from "./volumes.ts";

/** Most rows one CSV export answers. */
export const exportRowLimit = 100_000;

/** The fleet domain: devices, their readings and page volumes, and the dashboard. */
export const fleetRoutes: DomainPlugin = async (app, { ctx }) => {
  const zodApp: ZodApp = app.withTypeProvider<ZodTypeProvider>();
  deviceRoutes(zodApp, ctx);
  dashboardRoutes(zodApp, ctx);
};

function deviceRoutes(app: ZodApp, ctx: PortalContext): void {
  app.get(
    "/api/v1/devices",
    {
      ...routeGuard(["fleet", "read"]),
      schema: {
        tags: [fleetTag],
        summary: "List devices: filters, sort, cursor pages",
        querystring: deviceListQuerySchema,
        response: { 200: devicePageSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const query = request.query;
      const page = await ctx.db.tenant(scope, (sql) =>
        listDevices(sql, scope, query, { cursor: query.cursor, limit: query.limit }),
      );
      return { items: page.rows.map(presentDevice), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/api/v1/devices/export.csv",
    {
      ...routeGuard(["fleet", "read"]),
      schema: {
        tags: [fleetTag],
        summary: `Devices as CSV (the list's filters and sort; at most ${exportRowLimit} rows)`,
        querystring: deviceFilterSchema,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { scope } = principal;
      const query = request.query;
      const rows = await ctx.db.tenant(scope, async (sql) => {
        const page = await listDevices(sql, scope, query, { limit: exportRowLimit });
        // Recorded in the caller's account (a platform admin's export in the platform's).
        await auditRequest(sql, request, {
          accountId: principal.accountId,
          customerId: query.customerId ?? (scope.kind === "customer" ? scope.customerId : undefined),
          action: "export.devices",
          targetType: "devices",
          details: {
            filters: exportFilters(request.query as Record<string, unknown>),
            rows: page.rows.length,
          },
        });
        return page.rows;
      });
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="devices.csv"')
        .header("cache-control", "no-store");
      return devicesCsv(rows);
    },
  );

  app.get(
    "/api/v1/devices/:deviceId",
    {
      ...routeGuard(["fleet", "read"]),
      schema: {
        tags: [fleetTag],
        summary: "One device: counters, status, supplies, open alerts",
        params: deviceParamsSchema,
        response: { 200: deviceDetailSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      return ctx.db.tenant(scope, (sql) => deviceDetail(sql, scope, request.params.deviceId));
    },
  );

  app.patch(
    "/api/v1/devices/:deviceId",
    {
      ...routeGuard(["fleet", "write"]),
      schema: {
        tags: [fleetTag],
        summary: "Change a device's asset tag or location note",
        params: deviceParamsSchema,
        body: deviceUpdateSchema,
        response: { 200: deviceDetailSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const { deviceId } = request.params;
      const body = request.body;
      return ctx.db.tenant(scope, async (sql) => {
        const device = await findDevice(sql, scope, deviceId, true);
        const sets: string[] = [];
        const params: unknown[] = [device.account_id, device.device_id];
        const changes: Record<string, unknown> = {};
        if (body.assetTag !== undefined) {
          params.push(body.assetTag || null);
          sets.push(`asset_tag = $${params.length}`);
          changes.assetTag = body.assetTag || null;
        }
        if (body.locationNote !== undefined) {
          params.push(body.locationNote || null);
          sets.push(`location_note = $${params.length}`);
          changes.locationNote = body.locationNote || null;
        }
        await sql.query(
          `update devices set ${sets.join(", ")} where account_id = $1 and device_id = $2`,
          params,
        );
        await auditRequest(sql, request, {
          accountId: device.account_id,
          customerId: device.customer_id,
          action: "device.update",
          targetType: "device",
          targetId: device.device_id,
          details: changes,
        });
        return deviceDetail(sql, scope, deviceId);
      });
    },
  );

  app.get(
    "/api/v1/devices/:deviceId/readings",
    {
      ...routeGuard(["fleet", "read"]),
      schema: {
        tags: [fleetTag],
        summary: "Meter readings of a device, newest first (from inclusive, to exclusive)",
        params: deviceParamsSchema,
        querystring: readingListQuerySchema,
        response: { 200: readingPageSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const query = request.query;
      const before = query.cursor ? readingCursor(query.cursor) : undefined;
      return ctx.db.tenant(scope, async (sql) => {
        const device = await findDevice(sql, scope, request.params.deviceId);
        const params: unknown[] = [device.account_id, device.device_id, device.customer_id];
        const conditions = ["account_id = $1", "device_id = $2", "customer_id = $3"];
        const bound = (op: string, value: string | undefined) => {
          if (value === undefined) return;
          params.push(value);
          conditions.push(`read_at ${op} $${params.length}::timestamptz`);
        };
        bound(">=", query.from);
        bound("<", query.to);
        bound("<", before);
        const rows = (
          await sql.query<ReadingRow & { cursor: string }>(
            `select read_at, read_at::text as cursor, counters, counter_unit, anomaly from meter_readings
             where ${conditions.join(" and ")} order by read_at desc limit ${query.limit + 1}`,
            params,
          )
        ).rows;
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          items: page.map(presentReading),
          nextCursor:
            rows.length > query.limit && last ? Buffer.from(last.cursor).toString("base64url") : null,
        };
      });
    },
  );

  app.get(
    "/api/v1/devices/:deviceId/volumes",
    {
      ...routeGuard(["fleet", "read"]),
      schema: {
        tags: [fleetTag],
        summary: "Monthly page volumes of a device (mono, colour, total), oldest month first",
        params: deviceParamsSchema,
        querystring: volumeQuerySchema,
        response: { 200: deviceVolumesSchema },
      },
    },
    async (request) => {
      const { scope } = principalOf(request);
      const bounds = monthBoundaries(request.query.months);
      const volumes = await ctx.db.tenant(scope, async (sql) => {
        const device = await findDevice(sql, scope, request.params.deviceId);
        return periodVolumes(
          sql,
          {
            sql: "select $1::uuid as account_id, $2::uuid as device_id",
            params: [device.account_id, device.device_id],
          },
          bounds,
        );
      });
      return {
        deviceId: request.params.deviceId,
        months: bounds.slice(0, -1).map((start, i) => presentVolume(start, volumes[i])),
      };
    },
  );
}

async function deviceDetail(sql: Sql, scope: Scope, deviceId: string) {
  const device = await findDevice(sql, scope, deviceId);
  const supplies = await suppliesOfDevice(sql, device);
  const alerts = (
    await sql.query<DeviceAlertRow>(
      `select alert_id, kind, severity, source, message, opened_at from alerts
       where account_id = $1 and device_id = $2 and closed_at is null order by opened_at desc, alert_id`,
      [device.account_id, device.device_id],
    )
  ).rows;
  return presentDeviceDetail(device, supplies, alerts);
}

/** A readings cursor is the last reading's time as PostgreSQL printed it. */
function readingCursor(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!pgTimestamp.test(text)) throw badRequest("malformed cursor");
  return text;
}

function exportFilters(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
}

const csvHeader = [
  "id",
  "customer",
  "site",
  "vendor",
  "model",
  "serial",
  "mac",
  "ip",
  "name",
  "location",
  "location_note",
  "asset_tag",
  "firmware",
  "status",
  "errors",
  "open_alerts",
  "lowest_supply_percent",
  "total_counter",
  "counter_unit",
  "first_seen_at",
  "last_seen_at",
  "not_reporting_since",
];

function devicesCsv(rows: DeviceRow[]): string {
  let out = csvLine(csvHeader);
  for (const r of rows)
    out += csvLine([
      r.device_id,
      r.customer_name,
      r.site_name,
      r.vendor,
      r.model,
      r.serial,
      r.mac,
      r.ip,
      r.name,
      r.location,
      r.location_note,
      r.asset_tag,
      r.firmware,
      r.status_summary,
      r.errors.join(" "),
      r.open_alert_count,
      r.lowest_supply_percent,
      r.total_counter,
      r.counter_unit,
      r.first_seen_at.toISOString(),
      r.last_seen_at.toISOString(),
      r.not_reporting_since?.toISOString() ?? null,
    ]);
  return out;
}
