import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/**
 * The better-sqlite3 build for the running Node. better-sqlite3 13 ships Node-API builds (nothing to
 * compile) and is the one that works on Node 24 — 12 aborts there when a statement is finalised during
 * environment teardown (`RemoveEnvironmentCleanupHook … env != nullptr`). But 13 needs Node 22 and
 * crashes Node 20 at load, and Node 20 (end of life, still what many machines have) is still tested.
 * So both are installed — 12 under the alias better-sqlite3-node20 — and the running Node picks one.
 * Both expose the same API; the types are 13's (@types/better-sqlite3).
 */
const require = createRequire(import.meta.url);
const major = Number(process.versions.node.split(".")[0]);

export const SQLite: typeof BetterSqlite3 = require(major >= 22 ? "better-sqlite3" : "better-sqlite3-node20");
export type SQLiteDatabase = BetterSqlite3.Database;
export type SQLiteStatement = BetterSqlite3.Statement;
