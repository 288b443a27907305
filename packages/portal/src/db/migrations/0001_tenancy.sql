-- Tenancy: the platform, accounts, customers, sites, users.
-- Every tenant table carries account_id first in its primary and unique keys, so the data can
-- later be distributed by account (docs/scaling.md). The platform itself is an account of kind
-- 'platform': its operators are users of that account.

create table accounts (
  account_id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('platform', 'dealer', 'it')),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);
create unique index accounts_one_platform on accounts (kind) where kind = 'platform';

create table customers (
  account_id uuid not null references accounts on delete cascade,
  customer_id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  -- The customer's number in the dealer's ERP, for exports and invoices.
  external_ref text,
  created_at timestamptz not null default now(),
  primary key (account_id, customer_id),
  unique (account_id, name)
);

create table sites (
  account_id uuid not null,
  site_id uuid not null default gen_random_uuid(),
  customer_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  address text,
  time_zone text not null default 'Europe/Berlin',
  created_at timestamptz not null default now(),
  primary key (account_id, site_id),
  unique (account_id, customer_id, name),
  foreign key (account_id, customer_id) references customers on delete cascade
);
create index sites_by_customer on sites (account_id, customer_id);

create table users (
  account_id uuid not null references accounts on delete cascade,
  user_id uuid not null default gen_random_uuid(),
  -- Set for customer users: they see only this customer (and, when site_id is set, one site).
  customer_id uuid,
  site_id uuid,
  email text not null check (email = lower(email) and position('@' in email) > 1),
  name text not null default '',
  role text not null check (role in (
    'platform-admin', 'account-admin', 'account-technician', 'account-billing',
    'customer-admin', 'customer-user')),
  password_hash text,
  -- TOTP secret sealed with the portal's secret key (secrets.ts); null until enrolled.
  totp_secret_enc bytea,
  totp_enabled boolean not null default false,
  locale text check (locale in ('de', 'en')),
  time_zone text,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (account_id, user_id),
  unique (account_id, email),
  foreign key (account_id, customer_id) references customers on delete cascade,
  foreign key (account_id, site_id) references sites on delete cascade,
  check ((role like 'customer-%') = (customer_id is not null))
);

-- The global login directory: an e-mail address names one user on the whole platform. It is the
-- only lookup made before the tenant is known (a reference table in a distributed setup).
create table user_logins (
  email text primary key,
  account_id uuid not null,
  user_id uuid not null,
  foreign key (account_id, user_id) references users on delete cascade
);
