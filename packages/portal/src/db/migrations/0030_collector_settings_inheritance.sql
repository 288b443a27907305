-- Collectors: settings inheritance under row-level security, and indexes for the collector lists.

-- A customer's collector inherits the account's settings (customer_id null), which the tenant wall
-- hides from a customer scope. This lets that scope read them; writing them still needs the
-- account (the tenant_wall policy dp_secure_tables() adds covers insert, update and delete).
create policy inherited_settings on collector_settings for select
  using (dp_account_visible(account_id) and customer_id is null);

create index collectors_by_customer on collectors (account_id, customer_id, collector_id);
create index enrolment_tokens_by_site on enrolment_tokens (account_id, site_id, created_at desc);
create index enrolment_tokens_by_collector on enrolment_tokens (account_id, collector_id) where collector_id is not null;
create index collector_keys_by_collector on collector_keys (account_id, collector_id) where collector_id is not null;
