import pg from "pg";
import type { Scope } from "../tenancy/scope.ts";

// Counts and sums come back as JavaScript numbers: page counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export type Sql = pg.PoolClient;

/**
 * The database: a pool and the two ways to use it.
 * - `tenant(scope, fn)`: one transaction as role dp_app with the scope's settings, so row-level
 *   security walls off everything outside the scope. Every request handler uses this.
 * - `system(fn)`: one transaction as the owner, seeing every account. Only for what comes before a
 *   tenant is known (login, envelope key lookup) and for jobs that span accounts.
 */
export interface Db {
  readonly pool: pg.Pool;
  readonly url: string;
  tenant<T>(scope: Scope, fn: (sql: Sql) => Promise<T>): Promise<T>;
  system<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DbOptions {
  max?: number | undefined;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: "device-portal",
    // Row-level security hides row counts from the planner; with its inflated cost estimates JIT
    // compilation alone took over a second on plain list queries. Requests are short: no JIT.
    options: "-c jit=off",
  });
  // An idle client that loses its connection must not take the process down.
  pool.on("error", () => {});

  async function transaction<T>(setup: string, params: string[], fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query(setup, params);
      const result = await fn(client);
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    pool,
    url,
    tenant(scope, fn) {
      const accountId = scope.kind === "platform" ? "" : scope.accountId;
      const customerId = scope.kind === "customer" ? scope.customerId : "";
      const siteId = scope.kind === "customer" ? (scope.siteId ?? "") : "";
      return transaction(
        `select set_config('role', 'dp_app', true), set_config('app.platform', $1, true),
                set_config('app.account_id', $2, true), set_config('app.customer_id', $3, true),
                set_config('app.site_id', $4, true)`,
        [scope.kind === "platform" ? "on" : "off", accountId, customerId, siteId],
        fn,
      );
    },
    system(fn) {
      // app.platform on: with FORCE ROW LEVEL SECURITY a non-superuser owner is walled too.
      return transaction(
        `select set_config('app.platform', 'on', true), set_config('app.account_id', '', true),
                set_config('app.customer_id', '', true), set_config('app.site_id', '', true)`,
        [],
        fn,
      );
    },
    close: () => pool.end(),
  };
}
