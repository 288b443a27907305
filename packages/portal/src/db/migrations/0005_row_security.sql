-- The second wall: row-level security. Request handlers run as the role dp_app with
-- app.account_id / app.customer_id / app.site_id set for the transaction (db/tenant.ts), so a
-- query that forgets its tenant filter still sees only the caller's rows. app.platform = 'on'
-- is the platform operators' view of every account.

do $$ begin
  create role dp_app nologin;
exception when duplicate_object or unique_violation then null;
end $$;
do $$ begin
  execute format('grant dp_app to %I', current_user);
exception when others then null;
end $$;

create function dp_account_visible(a uuid) returns boolean language sql stable as $$
  select current_setting('app.platform', true) = 'on'
      or a::text = current_setting('app.account_id', true)
$$;
create function dp_customer_visible(c uuid) returns boolean language sql stable as $$
  select coalesce(current_setting('app.customer_id', true), '') = ''
      or c::text = current_setting('app.customer_id', true)
$$;
create function dp_site_visible(s uuid) returns boolean language sql stable as $$
  select coalesce(current_setting('app.site_id', true), '') = ''
      or s::text = current_setting('app.site_id', true)
$$;

-- Puts the wall on every tenant table that has none yet; the migration runner calls it after
-- every run, so a table added by a later migration cannot be forgotten.
create function dp_secure_tables() returns void language plpgsql as $fn$
declare
  t record;
  rule text;
begin
  for t in
    select c.relname, c.relrowsecurity,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'customer_id' and not a.attisdropped) as has_customer,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'site_id' and not a.attisdropped) as has_site
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'r'
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'account_id' and not a.attisdropped)
      and c.relname not in ('user_logins', 'collector_keys')
  loop
    if not t.relrowsecurity then
      rule := 'dp_account_visible(account_id)';
      if t.has_customer then rule := rule || ' and dp_customer_visible(customer_id)'; end if;
      if t.has_site then rule := rule || ' and dp_site_visible(site_id)'; end if;
      execute format('alter table %I enable row level security', t.relname);
      execute format('alter table %I force row level security', t.relname);
      execute format('create policy tenant_wall on %I using (%s) with check (%s)', t.relname, rule, rule);
    end if;
  end loop;
  execute format('grant usage on schema %I to dp_app', current_schema());
  execute format('grant select, insert, update, delete on all tables in schema %I to dp_app', current_schema());
  execute format('grant usage on all sequences in schema %I to dp_app', current_schema());
end
$fn$;
