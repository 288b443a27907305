import type { Sql } from "../db/pool.ts";
import type { SecretBox } from "../secrets.ts";
import type { KnownDevice, SettingsLevel } from "./schemas.ts";
import {
  type CollectorSettings,
  mergeLevels,
  type SettingsSources,
  type StoredLevel,
  settingsDigest,
} from "./settings-model.ts";

/** Reading and writing collector_settings, and what one collector gets merged. */

export interface StoredLevelRow {
  settings: StoredLevel;
  updatedAt: Date;
  updatedBy: string | null;
}

export async function readLevel(
  sql: Sql,
  accountId: string,
  level: SettingsLevel,
  scopeId: string,
): Promise<StoredLevelRow | undefined> {
  const row = (
    await sql.query<{ settings: StoredLevel; updated_at: Date; updated_by: string | null }>(
      `select settings, updated_at, updated_by from collector_settings
       where account_id = $1 and level = $2 and scope_id = $3`,
      [accountId, level, scopeId],
    )
  ).rows[0];
  return row && { settings: row.settings, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

export async function writeLevel(
  sql: Sql,
  row: {
    accountId: string;
    level: SettingsLevel;
    scopeId: string;
    customerId: string | null;
    settings: StoredLevel;
    updatedBy: string | null;
  },
): Promise<Date> {
  const result = await sql.query<{ updated_at: Date }>(
    `insert into collector_settings (account_id, level, scope_id, customer_id, settings, updated_by)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (account_id, level, scope_id)
       do update set settings = excluded.settings, updated_by = excluded.updated_by, updated_at = now()
     returning updated_at`,
    [row.accountId, row.level, row.scopeId, row.customerId, JSON.stringify(row.settings), row.updatedBy],
  );
  return result.rows[0]?.updated_at as Date;
}

/** Where a collector sits in the tenant tree. */
export interface CollectorPlace {
  accountId: string;
  customerId: string;
  siteId: string;
  collectorId: string;
}

/** The stored levels that apply to a collector, highest first. */
export async function levelsFor(
  sql: Sql,
  place: CollectorPlace,
): Promise<{ level: SettingsLevel; settings: StoredLevel }[]> {
  const rows = (
    await sql.query<{ level: SettingsLevel; settings: StoredLevel }>(
      `select level, settings from collector_settings
       where account_id = $1
         and ((level = 'account' and scope_id = $1) or (level = 'customer' and scope_id = $2)
           or (level = 'site' and scope_id = $3) or (level = 'collector' and scope_id = $4))`,
      [place.accountId, place.customerId, place.siteId, place.collectorId],
    )
  ).rows;
  const order: SettingsLevel[] = ["account", "customer", "site", "collector"];
  return rows.sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
}

/**
 * The devices this collector last read at its site, with the credential that worked, so a refresh
 * after a restart reads them with that one credential only. One entry per address: when two
 * devices claim one (a printer replaced), the one seen last.
 */
export async function knownDevicesFor(sql: Sql, place: CollectorPlace): Promise<KnownDevice[]> {
  const rows = (
    await sql.query<{ ip: string; credential: number }>(
      `select distinct on (ip) host(ip) as ip, snmp_credential as credential from devices
       where account_id = $1 and customer_id = $2 and site_id = $3 and collector_id = $4
         and retired_at is null and ip is not null and family(ip) = 4 and snmp_credential is not null
       order by ip, last_seen_at desc`,
      [place.accountId, place.customerId, place.siteId, place.collectorId],
    )
  ).rows;
  return rows.map((r) => ({ ip: r.ip, credential: r.credential }));
}

export interface Effective {
  settings: CollectorSettings;
  sources: SettingsSources;
  /** Changes whenever what the collector gets changes (collectors.delivered_settings_digest). */
  digest: string;
}

export async function effectiveSettings(sql: Sql, box: SecretBox, place: CollectorPlace): Promise<Effective> {
  const levels = await levelsFor(sql, place);
  const knownDevices = await knownDevicesFor(sql, place);
  const { settings, sources } = mergeLevels(levels, box, knownDevices);
  return { settings, sources, digest: settingsDigest(levels, await knownDevicesDigest(sql, place)) };
}

/**
 * The digest of what the collector would get, without building it: every scan upload asks
 * whether the settings changed, and a site's device list can run to thousands of addresses,
 * so their digest is made inside the database.
 */
export async function effectiveSettingsDigest(sql: Sql, place: CollectorPlace): Promise<string> {
  return settingsDigest(await levelsFor(sql, place), await knownDevicesDigest(sql, place));
}

/** MD5 over the knownDevices list in its order (same rows and order as knownDevicesFor). */
async function knownDevicesDigest(sql: Sql, place: CollectorPlace): Promise<string> {
  const row = (
    await sql.query<{ digest: string }>(
      `select coalesce(md5(string_agg(host(ip) || '=' || credential, ',' order by ip)), '') as digest
       from (select distinct on (ip) ip, snmp_credential as credential from devices
             where account_id = $1 and customer_id = $2 and site_id = $3 and collector_id = $4
               and retired_at is null and ip is not null and family(ip) = 4 and snmp_credential is not null
             order by ip, last_seen_at desc) known`,
      [place.accountId, place.customerId, place.siteId, place.collectorId],
    )
  ).rows[0];
  return row?.digest ?? "";
}
