-- Collectors (ICE instances), their enrolment tokens and their settings.

create table enrolment_tokens (
  account_id uuid not null,
  -- The key id the token derives (deriveEnrolmentKey): what the enrol envelope names.
  key_id text not null,
  customer_id uuid not null,
  site_id uuid not null,
  -- The derived key sealed with the portal's secret key; the token itself is shown once, never stored.
  key_enc bytea not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  collector_id uuid,
  primary key (account_id, key_id),
  foreign key (account_id, site_id) references sites on delete cascade,
  foreign key (account_id, customer_id) references customers on delete cascade
);

create table collectors (
  account_id uuid not null,
  collector_id uuid not null default gen_random_uuid(),
  customer_id uuid not null,
  site_id uuid not null,
  name text not null default '',
  -- The current collector key (createCollectorKey), sealed with the portal's secret key.
  key_id text,
  key_enc bytea,
  hostname text,
  os text,
  version text,
  enrolled_at timestamptz,
  last_contact_at timestamptz,
  last_discovery_at timestamptz,
  last_refresh_at timestamptz,
  last_scan_at timestamptz,
  last_scan_devices integer,
  health jsonb,
  -- Settings revision last delivered to the collector (check-in or scan acknowledgement).
  delivered_settings_digest text,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (account_id, collector_id),
  foreign key (account_id, site_id) references sites on delete cascade,
  foreign key (account_id, customer_id) references customers on delete cascade
);
create index collectors_by_site on collectors (account_id, site_id);

-- The global key directory: an envelope names its key id before the tenant is known.
create table collector_keys (
  key_id text primary key,
  kind text not null check (kind in ('enrolment', 'collector')),
  account_id uuid not null,
  -- The collector (kind 'collector'); null for an enrolment token until it is used.
  collector_id uuid
);

-- Partial settings at one level; the collector gets account → customer → site → collector merged.
-- Secrets inside (communities, SNMPv3 keys) are sealed with the portal's secret key.
create table collector_settings (
  account_id uuid not null references accounts on delete cascade,
  level text not null check (level in ('account', 'customer', 'site', 'collector')),
  -- account_id, customer_id, site_id or collector_id, by level.
  scope_id uuid not null,
  customer_id uuid,
  settings jsonb not null default '{}',
  updated_at timestamptz not null default now(),
  updated_by uuid,
  primary key (account_id, level, scope_id)
);

-- Message ids already accepted (enrol, check-in), so a replayed envelope is refused by every
-- portal process. Scans are deduplicated by their scan id in `scans` instead.
create table seen_messages (
  account_id uuid not null,
  key_id text not null,
  message_id text not null,
  expires_at timestamptz not null,
  primary key (account_id, key_id, message_id)
);
create index seen_messages_expiry on seen_messages (expires_at);
