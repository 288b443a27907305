import type { z } from "zod";
import type { Sql } from "../db/pool.ts";
import { type Role, rightsMatrix } from "../tenancy/rights.ts";
import type { profileSchema } from "./schemas.ts";

export type Profile = z.infer<typeof profileSchema>;

interface ProfileRow {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  account_id: string;
  account_name: string;
  account_kind: Profile["accountKind"];
  customer_id: string | null;
  customer_name: string | null;
  site_id: string | null;
  locale: Profile["locale"];
  time_zone: string | null;
  totp_enabled: boolean;
}

/** The signed-in user's own profile: who they are, where they belong, what their role allows. */
export async function loadProfile(
  sql: Sql,
  user: { accountId: string; userId: string },
  csrfToken: string,
): Promise<Profile | undefined> {
  const row = (
    await sql.query<ProfileRow>(
      `select u.user_id, u.email, u.name, u.role, u.account_id, a.name as account_name, a.kind as account_kind,
              u.customer_id, c.name as customer_name, u.site_id, u.locale, u.time_zone, u.totp_enabled
       from users u
       join accounts a on a.account_id = u.account_id
       left join customers c on c.account_id = u.account_id and c.customer_id = u.customer_id
       where u.account_id = $1 and u.user_id = $2`,
      [user.accountId, user.userId],
    )
  ).rows[0];
  return row && presentProfile(row, csrfToken);
}

function presentProfile(row: ProfileRow, csrfToken: string): Profile {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    accountId: row.account_id,
    accountName: row.account_name,
    accountKind: row.account_kind,
    customerId: row.customer_id,
    customerName: row.customer_name,
    siteId: row.site_id,
    locale: row.locale,
    timeZone: row.time_zone,
    totpEnabled: row.totp_enabled,
    csrfToken,
    rights: { ...rightsMatrix[row.role] },
  };
}
