import { join } from "node:path";
import type { Config } from "../config/index.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

export { migrate } from "./migrations/index.js";
export type { Database } from "./schema.js";
export type { Db, Dialect, Store } from "./types.js";

/** Open the store the configuration asks for: PostgreSQL when DATABASE_URL is set, else SQLite. */
export async function openStore(
  config: Pick<Config, "databaseUrl" | "dataDir" | "pgPoolSize">,
  onError?: (e: Error) => void,
): Promise<Store> {
  if (config.databaseUrl) {
    return openPostgresStore({ url: config.databaseUrl, poolSize: config.pgPoolSize, onError });
  }
  return openSqliteStore({ file: join(config.dataDir, "mycrmsim.db") });
}
