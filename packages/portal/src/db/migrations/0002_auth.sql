-- Sessions, password resets, API keys and the audit log.

create table sessions (
  account_id uuid not null,
  session_id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  -- SHA-256 of the secret half of the cookie; the cookie itself is never stored.
  secret_hash bytea not null,
  csrf_token text not null,
  -- A password was right but the second factor is still owed.
  mfa_pending boolean not null default false,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip inet,
  user_agent text,
  primary key (account_id, session_id),
  foreign key (account_id, user_id) references users on delete cascade
);
create index sessions_expiry on sessions (expires_at);

create table password_resets (
  account_id uuid not null,
  reset_id uuid not null default gen_random_uuid(),
  user_id uuid not null,
  secret_hash bytea not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  primary key (account_id, reset_id),
  foreign key (account_id, user_id) references users on delete cascade
);

create table api_keys (
  account_id uuid not null references accounts on delete cascade,
  api_key_id uuid not null default gen_random_uuid(),
  -- Set for a key that sees one customer only.
  customer_id uuid,
  name text not null,
  role text not null check (role in (
    'account-admin', 'account-technician', 'account-billing', 'customer-admin', 'customer-user')),
  secret_hash bytea not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (account_id, api_key_id),
  foreign key (account_id, customer_id) references customers on delete cascade,
  check ((role like 'customer-%') = (customer_id is not null))
);

create table audit_log (
  account_id uuid not null references accounts on delete cascade,
  audit_id bigint generated always as identity,
  at timestamptz not null default now(),
  -- Customer the event concerns, so a customer admin can read its own part.
  customer_id uuid,
  actor_user_id uuid,
  actor_api_key_id uuid,
  actor_email text,
  action text not null,
  target_type text,
  target_id text,
  details jsonb not null default '{}',
  ip inet,
  primary key (account_id, audit_id)
);
create index audit_log_by_time on audit_log (account_id, at desc);
