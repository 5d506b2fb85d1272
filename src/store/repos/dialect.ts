import { PostgresAdapter } from "kysely";
import type { Db } from "../types.js";

/** For the few queries whose SQL differs per dialect (SKIP LOCKED, upserts with conditions). */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
