import type { Db } from "../db/pool.ts";

/**
 * Stale-device detection: a device that has not been seen for three refresh intervals is marked
 * not reporting (devices.not_reporting_since = when it was last seen) and gets an open
 * 'not-reporting' alert. The refresh interval is the collector setting that applies to the
 * device's collector, site, customer or account (the lowest level that sets it); where none does,
 * `defaultStaleMinutes` applies. Ingest clears the mark and closes the alert with the next reading.
 *
 * Runs over every account (db.system). Safe to run twice at once: a device is marked only while
 * unmarked, re-checked under its row lock, and an alert opens only where none is open.
 */

export const defaultStaleMinutes = 180;

export interface StaleDeviceResult {
  marked: number;
  alertsOpened: number;
}

const interval = (level: string, id: string) =>
  `(select case when jsonb_typeof(cs.settings -> 'refreshIntervalMinutes') = 'number'
                then (cs.settings ->> 'refreshIntervalMinutes')::numeric end
    from collector_settings cs
    where cs.account_id = d.account_id and cs.level = '${level}' and cs.scope_id = ${id})`;

/** Minutes after which device `d` counts as not reporting. */
const staleMinutes = (defaultMinutes: string) => `coalesce(3 * coalesce(
    ${interval("collector", "d.collector_id")}, ${interval("site", "d.site_id")},
    ${interval("customer", "d.customer_id")}, ${interval("account", "d.account_id")}), ${defaultMinutes})`;

export async function markStaleDevices(
  db: Db,
  options: { defaultStaleMinutes?: number } = {},
): Promise<StaleDeviceResult> {
  const fallback = options.defaultStaleMinutes ?? defaultStaleMinutes;
  return db.system(async (sql) => {
    // No device is stale sooner than the shortest interval anyone configured: that bound lets the
    // partial index on reporting devices skip everything seen recently.
    const shortest = (
      await sql.query<{ minutes: number }>(
        `select least($1::numeric, 3 * min((settings ->> 'refreshIntervalMinutes')::numeric))::float8 as minutes
         from collector_settings where jsonb_typeof(settings -> 'refreshIntervalMinutes') = 'number'`,
        [fallback],
      )
    ).rows[0]?.minutes;
    const result = await sql.query<{ opened: boolean }>(
      `with candidates as (
         select d.account_id, d.device_id, ${staleMinutes("$1::numeric")} as minutes
         from devices d
         where d.not_reporting_since is null and d.retired_at is null
           and d.last_seen_at < now() - make_interval(secs => $2::float8 * 60)
       ),
       marked as (
         update devices d set not_reporting_since = d.last_seen_at
         from candidates c
         where d.account_id = c.account_id and d.device_id = c.device_id
           and d.not_reporting_since is null and d.retired_at is null
           and d.last_seen_at < now() - make_interval(secs => c.minutes::float8 * 60)
         returning d.account_id, d.device_id, d.customer_id, d.site_id, d.last_seen_at
       ),
       opened as (
         insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, message, opened_at)
         select account_id, device_id, customer_id, site_id, 'not-reporting', 'warning', 'portal',
                'No reading since ' || to_char(last_seen_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC',
                now()
         from marked
         on conflict (account_id, device_id, kind) where closed_at is null do nothing
         returning 1
       )
       select (select count(*) from marked)::int as marked, (select count(*) from opened)::int as opened`,
      [fallback, shortest ?? fallback],
    );
    const row = result.rows[0] as unknown as { marked: number; opened: number } | undefined;
    return { marked: row?.marked ?? 0, alertsOpened: row?.opened ?? 0 };
  });
}
