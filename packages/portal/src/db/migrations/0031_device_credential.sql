-- Which credential of the collector settings reached a device (its index in `communities` followed
-- by `v3Users`, as the scan file names it), so the settings can list the site's known devices with
-- it and a refresh after a collector restart tries that one credential only. Written by the scan
-- upload (collectors/protocol-calls.ts) for the devices the scan read.
alter table devices add column snmp_credential integer check (snmp_credential >= 0);
