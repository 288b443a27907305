import type { Db } from "../../portal/src/db/pool.ts";
import type { TenantTree } from "../../portal/src/testing/tenants.ts";

/**
 * Simulated devices for working on the web app at scale: spread over dealer A's sites, a year of
 * daily readings for the first few hundred, supplies with some running low, some open alerts and
 * some devices not reporting. Written straight into the tables (as ingest would), in a few
 * set-based statements so 10,000 devices take seconds.
 */
export async function seedFleet(db: Db, tree: TenantTree, count: number): Promise<{ devices: number }> {
  const sites = [
    { customer: tree.a.a1, site: tree.a.a1North },
    { customer: tree.a.a1, site: tree.a.a1South },
    { customer: tree.a.a2, site: tree.a.a2Main },
  ];
  await db.system(async (sql) => {
    await sql.query(
      `with placed as (
         select n, ($2::uuid[])[1 + n % 3] as customer_id, ($3::uuid[])[1 + n % 3] as site_id
         from generate_series(1, $4::int) n)
       insert into devices (account_id, customer_id, site_id, vendor, model, serial, serial_key, mac, ip, name,
                            location, firmware, first_seen_at, last_seen_at, last_counters, last_reading_at,
                            device_state, printer_state, errors, not_reporting_since)
       select $1, customer_id, site_id,
              (array['HP','Kyocera','Brother','Canon','Lexmark','Xerox'])[1 + n % 6],
              (array['LaserJet M507','ECOSYS P3145dn','HL-L6400DW','imageRUNNER C3226i','MX622','VersaLink C405'])[1 + n % 6],
              'SN' || lpad(n::text, 7, '0'), 'SN' || lpad(n::text, 7, '0'),
              ('02:00:' || to_char(n / 65536 % 256, 'FM0x') || ':' || lpad(to_hex(n / 256 % 256), 2, '0') || ':' || lpad(to_hex(n % 256), 2, '0') || ':01')::macaddr,
              ('10.' || (n / 65536 % 256) || '.' || (n / 256 % 256) || '.' || (n % 256))::inet,
              'PRN-' || n, 'Floor ' || (n % 7), '2.' || (n % 9) || '.1',
              now() - interval '400 days', now() - make_interval(mins => n % 50),
              jsonb_build_object('total', 10000 + n * 37, 'mono', 8000 + n * 30, 'color', case when n % 6 in (3, 5) then 2000 + n * 7 else 0 end),
              now() - make_interval(mins => n % 50),
              case when n % 41 = 0 then 'down' when n % 13 = 0 then 'warning' else 'running' end,
              'idle',
              case when n % 41 = 0 then array['jammed'] when n % 13 = 0 then array['lowPaper'] else '{}'::text[] end,
              case when n % 97 = 0 then now() - interval '3 days' end
       from placed`,
      [tree.a.accountId, sites.map((s) => s.customer), sites.map((s) => s.site), count],
    );
    // A year of daily readings for the first 300 devices (charts), rising by a few hundred a day.
    await sql.query(
      `insert into meter_readings (account_id, device_id, read_at, customer_id, counters)
       select d.account_id, d.device_id, day, d.customer_id,
              jsonb_build_object(
                'total', (d.last_counters->>'total')::bigint - (extract(day from now() - day)::int * (150 + (hashtext(d.device_id::text) & 255))),
                'mono', (d.last_counters->>'mono')::bigint - (extract(day from now() - day)::int * (120 + (hashtext(d.device_id::text) & 127))),
                'color', greatest(0, (d.last_counters->>'color')::bigint - (extract(day from now() - day)::int * 30)))
       from (select * from devices where account_id = $1 order by serial limit 300) d
       cross join generate_series(now() - interval '365 days', now(), interval '1 day') day`,
      [tree.a.accountId],
    );
    await sql.query(
      `insert into supplies (account_id, device_id, supply_key, customer_id, type, color, description, part_number,
                             level_percent, state, last_read_at, last_changed_at)
       select d.account_id, d.device_id, c.key, d.customer_id, 'toner', c.color, initcap(c.color) || ' toner', 'TN-' || c.key,
              ((hashtext(d.device_id::text || c.key) & 1023) % 100)::real, 'ok', now(), now() - interval '40 days'
       from devices d
       cross join (values ('1', 'black'), ('2', 'cyan'), ('3', 'magenta'), ('4', 'yellow')) c(key, color)
       where d.account_id = $1 and (c.key = '1' or (d.last_counters->>'color')::bigint > 0)`,
      [tree.a.accountId],
    );
    await sql.query(
      `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, message, opened_at)
       select account_id, device_id, customer_id, site_id, errors[1],
              case when errors[1] = 'jammed' then 'critical' else 'warning' end, 'device', null, now() - interval '2 hours'
       from devices where account_id = $1 and cardinality(errors) > 0`,
      [tree.a.accountId],
    );
    await sql.query(
      `insert into alerts (account_id, device_id, customer_id, site_id, kind, severity, source, message, opened_at, closed_at)
       select account_id, device_id, customer_id, site_id, 'doorOpen', 'warning', 'device', null,
              now() - interval '20 days', now() - interval '19 days'
       from devices where account_id = $1 and serial <= 'SN0000050'`,
      [tree.a.accountId],
    );
    // Fresh tables have no statistics yet; without them the planner picks poor plans.
    await sql.query("analyze");
  });
  return { devices: count };
}
