-- Fleet read side: what the device list sorts and filters by, page volumes from counters, and the
-- indexes of the device, supply and alert lists, the dashboard and the stale-device job.

-- One counter of a reading, or null when it is absent or not a whole number (never an error: these
-- functions feed generated columns, and a reading must not fail to store because of one of them).
create function dp_counter(c jsonb, name text) returns bigint language sql immutable parallel safe as $$
  select case when jsonb_typeof(c -> name) = 'number' and (c ->> name) ~ '^[0-9]{1,18}$'
              then (c ->> name)::bigint end
$$;

-- Total, mono and colour pages of a set of counters. Devices report different subsets: a mono
-- printer often only `total`, some colour devices `total` and `color` but no `mono`.
create function dp_counter_total(c jsonb) returns bigint language sql immutable parallel safe as $$
  select coalesce(dp_counter(c, 'total'), dp_counter(c, 'mono') + dp_counter(c, 'color'),
                  dp_counter(c, 'mono'), dp_counter(c, 'color'))
$$;
create function dp_counter_mono(c jsonb) returns bigint language sql immutable parallel safe as $$
  select coalesce(dp_counter(c, 'mono'), dp_counter(c, 'total') - dp_counter(c, 'color'), dp_counter(c, 'total'))
$$;
create function dp_counter_color(c jsonb) returns bigint language sql immutable parallel safe as $$
  select coalesce(dp_counter(c, 'color'), dp_counter(c, 'total') - dp_counter(c, 'mono'), 0)
$$;

-- A note of the dealer's about where the device stands (the device's own sysLocation is `location`
-- and is overwritten by every reading).
alter table devices add column location_note text;

-- The list's status column and counter column, kept by PostgreSQL so they can be filtered, sorted
-- and indexed: offline (the stale-device job marked it), error (down, or an error that stops
-- printing), warning (any other reported condition), ok.
alter table devices add column status_summary text not null generated always as (
  case
    when not_reporting_since is not null then 'offline'
    when device_state = 'down'
      or errors && array['noPaper', 'noToner', 'doorOpen', 'jammed', 'offline', 'serviceRequested',
                         'inputTrayMissing', 'outputTrayMissing', 'markerSupplyMissing', 'outputFull']::text[]
      then 'error'
    when device_state = 'warning' or cardinality(errors) > 0 then 'warning'
    else 'ok'
  end) stored;
alter table devices add column total_counter bigint generated always as (dp_counter_total(last_counters)) stored;

-- The device list reads a customer's devices through devices_by_customer (0004) and sorts them:
-- one pass, whatever the sort and filters (10,000 devices stay well inside its time budget). Its
-- alert and supply filters join the open alerts and the low supplies of the customer.
-- The stale-device job: devices still counted as reporting, oldest contact first.
create index devices_reporting_by_seen on devices (last_seen_at)
  where not_reporting_since is null and retired_at is null;

-- "Low supplies" filter and the supplies/low list: a supply at or below 20 % or reported low/empty.
create index supplies_low on supplies (account_id, device_id)
  where level_percent <= 20 or state in ('low', 'empty');
create index supplies_by_customer on supplies (account_id, customer_id);

-- Page volumes skip the step into a reading that went backwards (a counter reset starts a new
-- baseline); these are rare, so a partial index finds them without reading the history.
create index meter_readings_backwards on meter_readings (account_id, device_id, read_at)
  where anomaly = 'backwards';

-- Alert list, newest first, per account and per customer.
create index alerts_by_time on alerts (account_id, opened_at desc, alert_id desc);
create index alerts_by_customer_time on alerts (account_id, customer_id, opened_at desc, alert_id desc);
