-- Scans, devices, meter readings, supplies, status and alerts.

create table scans (
  account_id uuid not null,
  scan_id uuid not null,
  collector_id uuid not null,
  customer_id uuid not null,
  site_id uuid not null,
  kind text not null check (kind in ('discovery', 'refresh')),
  started_at timestamptz not null,
  ended_at timestamptz not null,
  received_at timestamptz not null default now(),
  deliveries integer not null default 1,
  device_count integer not null,
  ranges jsonb not null default '[]',
  -- The scan file as received (gzip), kept for audit and re-processing.
  xml_gz bytea,
  primary key (account_id, scan_id)
);
create index scans_by_collector on scans (account_id, collector_id, received_at desc);

create table devices (
  account_id uuid not null,
  device_id uuid not null default gen_random_uuid(),
  customer_id uuid not null,
  site_id uuid not null,
  collector_id uuid,
  vendor text,
  model text,
  serial text,
  -- Upper-case serial without spaces: what identity compares.
  serial_key text,
  mac macaddr,
  ip inet,
  name text,
  location text,
  firmware text,
  sys_object_id text,
  sys_descr text,
  counter_unit text,
  -- Another device of the account reports the same vendor and serial: flagged, never merged.
  duplicate_serial boolean not null default false,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  -- The newest counters, so ingest checks a reading without reading history.
  last_counters jsonb,
  last_reading_at timestamptz,
  device_state text,
  printer_state text,
  errors text[] not null default '{}',
  -- Set by the stale-device job, cleared by the next reading.
  not_reporting_since timestamptz,
  -- Free text the dealer keeps: asset number, cost centre.
  asset_tag text,
  retired_at timestamptz,
  primary key (account_id, device_id),
  foreign key (account_id, site_id) references sites on delete cascade,
  foreign key (account_id, customer_id) references customers on delete cascade
);
create index devices_by_serial on devices (account_id, lower(vendor), serial_key) where serial_key is not null;
create index devices_by_mac on devices (account_id, site_id, mac) where mac is not null;
create index devices_by_ip on devices (account_id, site_id, ip);
create index devices_by_customer on devices (account_id, customer_id, device_id);
create index devices_last_seen on devices (account_id, last_seen_at);

create table meter_readings (
  account_id uuid not null,
  device_id uuid not null,
  read_at timestamptz not null,
  customer_id uuid not null,
  scan_id uuid,
  counters jsonb not null,
  counter_unit text,
  -- Billing data is kept as read; a suspicious reading is flagged, never dropped.
  anomaly text check (anomaly in ('backwards', 'jump')),
  anomaly_detail jsonb,
  primary key (account_id, device_id, read_at),
  foreign key (account_id, device_id) references devices on delete cascade
);

create table supplies (
  account_id uuid not null,
  device_id uuid not null,
  -- Printer-MIB index where known, else type/colour/description: follows one slot over time.
  supply_key text not null,
  customer_id uuid not null,
  type text not null,
  color text,
  description text,
  part_number text,
  level_percent real,
  state text,
  level integer,
  max_capacity integer,
  unit text,
  last_read_at timestamptz not null,
  last_changed_at timestamptz,
  primary key (account_id, device_id, supply_key),
  foreign key (account_id, device_id) references devices on delete cascade
);

create table supply_readings (
  account_id uuid not null,
  device_id uuid not null,
  supply_key text not null,
  read_at timestamptz not null,
  customer_id uuid not null,
  level_percent real,
  level integer,
  state text,
  primary key (account_id, device_id, supply_key, read_at),
  foreign key (account_id, device_id) references devices on delete cascade
);

-- A cartridge change: the level of a slot rose markedly between two readings.
create table supply_changes (
  account_id uuid not null,
  device_id uuid not null,
  supply_key text not null,
  changed_at timestamptz not null,
  customer_id uuid not null,
  level_before real,
  level_after real,
  -- The total counter at the change: pages the previous cartridge gave (yield).
  total_at_change bigint,
  primary key (account_id, device_id, supply_key, changed_at),
  foreign key (account_id, device_id) references devices on delete cascade
);

create table alerts (
  account_id uuid not null,
  alert_id uuid not null default gen_random_uuid(),
  device_id uuid not null,
  customer_id uuid not null,
  site_id uuid not null,
  -- A printer error name (noPaper, jammed, doorOpen, ...), 'not-reporting', 'duplicate-serial',
  -- 'supply-low', 'supply-empty', or 'device-alert:<code>' for a Printer-MIB alert row.
  kind text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  source text not null check (source in ('device', 'portal')),
  message text,
  opened_at timestamptz not null,
  closed_at timestamptz,
  primary key (account_id, alert_id),
  foreign key (account_id, device_id) references devices on delete cascade
);
create unique index alerts_one_open on alerts (account_id, device_id, kind) where closed_at is null;
create index alerts_open_by_customer on alerts (account_id, customer_id, opened_at desc) where closed_at is null;
create index alerts_by_device on alerts (account_id, device_id, opened_at desc);
