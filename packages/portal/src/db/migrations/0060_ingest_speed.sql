-- Every reading updates its device row and its supply rows. With last_seen_at in no index, those
-- updates can be HOT (heap-only: no index entries written) when the page has room, which the
-- fillfactor leaves. The stale-device job scans devices every few minutes without an index, and
-- the device list reads a customer's devices through devices_by_customer.
drop index if exists devices_last_seen;
drop index if exists devices_reporting_by_seen;
-- Superseded by devices_by_serial_key (0040): identity compares the vendor in code.
drop index if exists devices_by_serial;
alter table devices set (fillfactor = 70);
alter table supplies set (fillfactor = 70);
