import type { Sql } from "../db/pool.ts";
import type { MonthlyVolume } from "./schemas.ts";

/**
 * Page volumes from meter readings. The volume of a period is the last reading in it minus the
 * last reading before it (a device's first period starts from its first reading), except that a
 * reading flagged 'backwards' (a counter reset, a replaced board) starts a new baseline: the step
 * into it counts nothing, rather than a negative volume. Per device and boundary this is one index
 * lookup, whatever the history holds; backwards readings are found through a small partial index.
 *
 * Months are calendar months in UTC.
 */

/** Starts of `months` calendar months up to the current one, and the start of the next month. */
export function monthBoundaries(months: number, now = new Date()): Date[] {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return Array.from({ length: months + 1 }, (_, i) => new Date(Date.UTC(year, month - months + 1 + i, 1)));
}

export interface PeriodVolume {
  /** 1 for the first period (bounds[0] … bounds[1]). */
  period: number;
  mono: number;
  color: number;
  total: number;
}

/**
 * Volumes per period of the devices `devicesSql` selects (columns account_id, device_id; its
 * parameters are `params`), summed over those devices.
 */
export async function periodVolumes(
  sql: Sql,
  devices: { sql: string; params: unknown[] },
  bounds: Date[],
): Promise<PeriodVolume[]> {
  const b = `$${devices.params.length + 1}::timestamptz[]`;
  const rows = (
    await sql.query<PeriodVolume>(
      `with vol_devices as (${devices.sql}),
       at_bounds as (
         -- The last reading before each boundary, and the first reading where there is none before
         -- the first boundary.
         select dv.account_id, dv.device_id, lb.read_ats, lb.counters, f.read_at as first_at, f.counters as first_counters
         from vol_devices dv
         cross join lateral (
           select array_agg(m.read_at order by bd.i) as read_ats, array_agg(m.counters order by bd.i) as counters
           from unnest(${b}) with ordinality as bd(at, i)
           left join lateral (
             select r.read_at, r.counters from meter_readings r
             where r.account_id = dv.account_id and r.device_id = dv.device_id and r.read_at < bd.at
             order by r.read_at desc limit 1) m on true) lb
         left join lateral (
           select r.read_at, r.counters from meter_readings r
           where lb.read_ats[1] is null and r.account_id = dv.account_id and r.device_id = dv.device_id
           order by r.read_at limit 1) f on true
         where lb.read_ats[cardinality(${b})] is not null
       ),
       per_period as (
         select ab.account_id, ab.device_id, k,
                ab.counters[k + 1] as last_counters,
                coalesce(ab.counters[k], case when ab.first_at < (${b})[k + 1] then ab.first_counters end) as base_counters
         from at_bounds ab cross join generate_series(1, cardinality(${b}) - 1) as k
       ),
       volumes as (
         select pp.k,
                dp_counter_mono(pp.last_counters) - dp_counter_mono(pp.base_counters) - coalesce(x.mono, 0) as mono,
                dp_counter_color(pp.last_counters) - dp_counter_color(pp.base_counters) - coalesce(x.color, 0) as color,
                dp_counter_total(pp.last_counters) - dp_counter_total(pp.base_counters) - coalesce(x.total, 0) as total
         from per_period pp
         left join lateral (
           -- Steps into backwards readings of the period: taken out again.
           select sum(dp_counter_mono(r.counters) - dp_counter_mono(p.counters)) as mono,
                  sum(dp_counter_color(r.counters) - dp_counter_color(p.counters)) as color,
                  sum(dp_counter_total(r.counters) - dp_counter_total(p.counters)) as total
           from meter_readings r
           cross join lateral (
             select q.counters from meter_readings q
             where q.account_id = r.account_id and q.device_id = r.device_id and q.read_at < r.read_at
             order by q.read_at desc limit 1) p
           where r.account_id = pp.account_id and r.device_id = pp.device_id and r.anomaly = 'backwards'
             and r.read_at >= (${b})[pp.k] and r.read_at < (${b})[pp.k + 1]) x on true
         where pp.base_counters is not null
       ),
       sums as (
         select k, sum(greatest(mono, 0)) as mono, sum(greatest(color, 0)) as color, sum(greatest(total, 0)) as total
         from volumes group by k
       )
       select g.k::int as period, coalesce(s.mono, 0)::bigint as mono, coalesce(s.color, 0)::bigint as color,
              coalesce(s.total, 0)::bigint as total
       from generate_series(1, cardinality(${b}) - 1) as g(k)
       left join sums s on s.k = g.k
       order by g.k`,
      [...devices.params, bounds],
    )
  ).rows;
  return rows;
}

export function presentVolume(start: Date, v: PeriodVolume | undefined): MonthlyVolume {
  return {
    month: start.toISOString().slice(0, 10),
    mono: v?.mono ?? 0,
    color: v?.color ?? 0,
    total: v?.total ?? 0,
  };
}
