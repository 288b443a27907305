import type { Alert } from "./schemas.ts";

/** Alert rows as the service queries select them, and the one place they become API objects. */

export interface AlertRow {
  account_id: string;
  alert_id: string;
  device_id: string;
  customer_id: string;
  customer_name: string;
  site_id: string;
  site_name: string;
  kind: string;
  severity: Alert["severity"];
  source: Alert["source"];
  message: string | null;
  opened_at: Date;
  closed_at: Date | null;
  device_name: string | null;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  ip: string | null;
}

export const alertColumns = `a.account_id, a.alert_id, a.device_id, a.customer_id, c.name as customer_name, a.site_id,
  st.name as site_name, a.kind, a.severity, a.source, a.message, a.opened_at, a.closed_at, d.name as device_name,
  d.vendor, d.model, d.serial, host(d.ip) as ip`;

export const alertJoins = `join devices d on d.account_id = a.account_id and d.device_id = a.device_id
  join customers c on c.account_id = a.account_id and c.customer_id = a.customer_id
  join sites st on st.account_id = a.account_id and st.site_id = a.site_id`;

export function presentAlert(row: AlertRow): Alert {
  return {
    id: row.alert_id,
    kind: row.kind,
    severity: row.severity,
    source: row.source,
    message: row.message,
    openedAt: row.opened_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
    deviceId: row.device_id,
    device: {
      id: row.device_id,
      name: row.device_name,
      vendor: row.vendor,
      model: row.model,
      serial: row.serial,
      ip: row.ip,
    },
    customer: { id: row.customer_id, name: row.customer_name },
    site: { id: row.site_id, name: row.site_name },
  };
}
