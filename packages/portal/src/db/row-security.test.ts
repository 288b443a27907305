import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";

describe("row-level security (the second wall)", () => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};
  before(async () => {
    t = await createTestDatabase();
    await t.db.system(async (sql) => {
      for (const name of ["a", "b"]) {
        const account = await sql.query<{ account_id: string }>(
          "insert into accounts (kind, name) values ('dealer', $1) returning account_id",
          [`Dealer ${name}`],
        );
        const accountId = account.rows[0]?.account_id as string;
        ids[name] = accountId;
        for (const c of ["1", "2"]) {
          const customer = await sql.query<{ customer_id: string }>(
            "insert into customers (account_id, name) values ($1, $2) returning customer_id",
            [accountId, `Customer ${name}${c}`],
          );
          ids[`${name}${c}`] = customer.rows[0]?.customer_id as string;
        }
      }
    });
  });
  after(() => t.drop());

  const names = (rows: { name: string }[]) => rows.map((r) => r.name).sort();

  it("shows an account only its own customers, even to a query without a tenant filter", async () => {
    const rows = await t.db.tenant(
      { kind: "account", accountId: ids.a as string },
      async (sql) => (await sql.query<{ name: string }>("select name from customers")).rows,
    );
    assert.deepEqual(names(rows), ["Customer a1", "Customer a2"]);
  });

  it("shows a customer scope only that customer", async () => {
    const rows = await t.db.tenant(
      { kind: "customer", accountId: ids.a as string, customerId: ids.a2 as string },
      async (sql) => (await sql.query<{ name: string }>("select name from customers")).rows,
    );
    assert.deepEqual(names(rows), ["Customer a2"]);
  });

  it("refuses to write a row into another account", async () => {
    await assert.rejects(
      t.db.tenant({ kind: "account", accountId: ids.a as string }, (sql) =>
        sql.query("insert into customers (account_id, name) values ($1, 'sneaky')", [ids.b]),
      ),
      /row-level security/,
    );
  });

  it("shows the platform every account's rows", async () => {
    const rows = await t.db.tenant(
      { kind: "platform" },
      async (sql) => (await sql.query<{ name: string }>("select name from customers")).rows,
    );
    assert.equal(rows.length, 4);
  });

  it("walls every tenant table", async () => {
    const open = await t.db.system(async (sql) =>
      (
        await sql.query<{ relname: string }>(
          `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = current_schema() and c.relkind = 'r' and not c.relforcerowsecurity
             and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'account_id')`,
        )
      ).rows.map((r) => r.relname),
    );
    assert.deepEqual(open.sort(), ["collector_keys", "user_logins"]);
  });
});
