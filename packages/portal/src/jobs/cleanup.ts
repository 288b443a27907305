import { sessionIdleMs } from "../auth/sessions.ts";
import type { Db } from "../db/pool.ts";

/**
 * Deletes what can no longer be used: sessions past their lifetime or idle too long, replay
 * records of collector messages past their window, password-reset links past their expiry.
 */

export interface CleanupResult {
  sessions: number;
  seenMessages: number;
  passwordResets: number;
}

export async function cleanUpExpired(db: Db): Promise<CleanupResult> {
  return db.system(async (sql) => {
    const sessions = await sql.query(
      "delete from sessions where expires_at < now() or last_seen_at < now() - make_interval(secs => $1)",
      [sessionIdleMs / 1000],
    );
    const seen = await sql.query("delete from seen_messages where expires_at < now()");
    const resets = await sql.query("delete from password_resets where expires_at < now()");
    return {
      sessions: sessions.rowCount ?? 0,
      seenMessages: seen.rowCount ?? 0,
      passwordResets: resets.rowCount ?? 0,
    };
  });
}
