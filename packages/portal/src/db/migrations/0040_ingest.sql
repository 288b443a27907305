-- Ingest (packages/portal/src/ingest, docs/ingest.md).

-- Identity looks serials up without the vendor (a refresh may not name it); the vendor is then
-- compared in code, case-insensitively.
create index devices_by_serial_key on devices (account_id, serial_key)
  where serial_key is not null and retired_at is null;

-- Ingest runs walled to one customer, but a serial identifies a device in the whole account.
-- This answers which of the given serials devices of the account's other customers report, and
-- nothing else (no ids, no customer). The account is the caller's (app.account_id), never a
-- parameter, so it cannot look into another account. SECURITY DEFINER with app.customer_id and
-- app.site_id cleared for its duration is what lets it see past the customer wall; search_path
-- is pinned so a definer function cannot be pointed at other tables. One index probe per serial
-- (LATERAL ... OFFSET 0), whatever the statistics say (docs/ingest.md, "Performance").
do $$ begin
  execute format($f$
    create function dp_serials_of_other_customers(own_customer uuid, serial_keys text[])
    returns table (serial_key text, vendor text)
    language sql stable security definer
    set app.customer_id = '' set app.site_id = '' set search_path = pg_catalog, %I
    as $body$
      select distinct d.serial_key, lower(d.vendor)
      from unnest(serial_keys) k(v) cross join lateral (
        select serial_key, vendor, customer_id from devices
        where account_id = nullif(current_setting('app.account_id', true), '')::uuid
          and serial_key = k.v and retired_at is null
        offset 0) d
      where d.customer_id <> own_customer
    $body$
  $f$, current_schema());
end $$;

-- Statistics for the tables ingest reads, when nothing else keeps them: with autovacuum off (the
-- test service runs so) a table is never analyzed, and plans made while it was empty are kept.
-- The foreign-key checks of every reading then scan `devices` whole, a scan more per row as the
-- table grows. Ingest calls this now and then; it analyzes a table once it holds 1,000 rows and
-- again whenever it has doubled since (a handful of times in a table's life), one caller at a
-- time, and does nothing when autovacuum is on. ANALYZE needs the owner, hence SECURITY DEFINER;
-- it takes no arguments.
do $$ begin
  execute format($f$
    create function dp_ingest_statistics() returns void
    language plpgsql security definer set search_path = pg_catalog, %1$I
    as $body$
    declare
      t text;
    begin
      if current_setting('autovacuum') = 'on' then return; end if;
      for t in
        select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where s.schemaname = %1$L and s.relname in ('devices', 'supplies', 'alerts')
          and s.n_live_tup >= greatest(1000, 2 * c.reltuples)
      loop
        if pg_try_advisory_xact_lock(hashtextextended('dp-ingest-analyze:' || t, 0)) then
          execute format('analyze %%I', t);
        end if;
      end loop;
    end
    $body$
  $f$, current_schema());
end $$;

-- Only the portal's request role calls these.
revoke execute on function dp_serials_of_other_customers(uuid, text[]) from public;
revoke execute on function dp_ingest_statistics() from public;
grant execute on function dp_serials_of_other_customers(uuid, text[]) to dp_app;
grant execute on function dp_ingest_statistics() to dp_app;
