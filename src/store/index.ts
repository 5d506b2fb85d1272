import { join } from "node:path";
import type { Config } from "../config/index.js";
import type { Warn } from "./local-files.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

export { readOrCreateKeyFile, type Warn } from "./local-files.js";
export { migrate } from "./migrations/index.js";
export type { Database } from "./schema.js";
export type { Db, Dialect, Store } from "./types.js";

/** Open the store the configuration asks for: PostgreSQL when DATABASE_URL is set, else SQLite. */
export async function openStore(
  config: Pick<Config, "databaseUrl" | "dataDir" | "pgPoolSize">,
  onError?: (e: Error) => void,
  warn?: Warn,
): Promise<Store> {
  if (config.databaseUrl) {
    return openPostgresStore({ url: config.databaseUrl, poolSize: config.pgPoolSize, onError });
  }
  return openSqliteStore({ file: join(config.dataDir, "mycrmsim.db"), warn });
}

/** Where a SQLite installation keeps its generated instance secret (never in the database). */
export function secretKeyFile(config: Pick<Config, "dataDir">): string {
  return join(config.dataDir, "secret.key");
}
