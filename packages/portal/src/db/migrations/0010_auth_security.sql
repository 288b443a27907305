-- Auth: TOTP replay protection and indexes for the API-key and audit-log lists.

-- The last TOTP time step accepted for a user: a code is good once, not again within its window.
alter table users add column totp_last_step bigint;

-- Audit list pages newest first by id, across accounts (platform view) and per customer.
create index audit_log_by_id on audit_log (audit_id desc);
create index audit_log_by_customer on audit_log (account_id, customer_id, audit_id desc);

create index password_resets_by_user on password_resets (account_id, user_id);
create index sessions_by_user on sessions (account_id, user_id);
