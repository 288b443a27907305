/**
 * The forecast of when a supply runs out: the straight line through the first level read in the
 * last 30 days (after the last cartridge change) and the current level. Without a fall in level
 * there is no forecast; an empty supply ran out when it was read empty. A forecast beyond ten years
 * is no forecast either.
 *
 * Use: `${forecastJoin("s")}` after a FROM that has the supplies row `s`, then select
 * `${forecastEmptyAt("s")}`. One index lookup per supply (supply_readings' primary key).
 */

/** `only`: a condition on `s` for supplies whose forecast matters; the others get no lookup. */
export function forecastJoin(s: string, only?: string): string {
  return `left join lateral (
    select r.read_at, r.level_percent from supply_readings r
    where ${s}.level_percent > 0${only ? ` and ${only}` : ""} and r.account_id = ${s}.account_id and r.device_id = ${s}.device_id and r.supply_key = ${s}.supply_key
      and r.read_at >= greatest(now() - interval '30 days', ${s}.last_changed_at)
      and r.read_at < ${s}.last_read_at and r.level_percent is not null
    order by r.read_at limit 1) ${s}_first on true`;
}

export function forecastEmptyAt(s: string): string {
  const f = `${s}_first`;
  const seconds = `(${s}.level_percent::float8 * extract(epoch from ${s}.last_read_at - ${f}.read_at)::float8
                     / (${f}.level_percent - ${s}.level_percent)::float8)`;
  return `(case
    when ${s}.state = 'empty' or ${s}.level_percent <= 0 then ${s}.last_read_at
    when ${f}.level_percent > ${s}.level_percent and ${seconds} <= 315360000
      then ${s}.last_read_at + make_interval(secs => ${seconds})
  end)`;
}
