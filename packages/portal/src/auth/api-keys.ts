import type { Db } from "../db/pool.ts";
import type { Principal } from "../tenancy/principal.ts";

/** Resolves an API key bearer token. (Issued and checked by the auth domain: see api-keys routes.) */
export async function resolveApiKey(_db: Db, _token: string): Promise<Principal | undefined> {
  return undefined;
}
