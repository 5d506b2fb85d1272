import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** A query executor: the database or a transaction on it. Verbs take one and never care which. */
export type Db = Kysely<Database>;

export type Dialect = "sqlite" | "postgres";

/**
 * Storage, behind one interface with an SQLite and a PostgreSQL adapter. Queries are written once
 * with Kysely in the `repos/` folder; what differs per dialect (connections, transactions, group
 * commit concurrency, notifications) lives in the adapters.
 */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  /**
   * Run `fn` in a transaction (BEGIN IMMEDIATE on SQLite, so a writer never deadlocks on upgrade).
   * Called with a transaction already open, it reuses that one.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>, db?: Db): Promise<T>;
  /**
   * Group commit: `fn` runs in its own savepoint inside a transaction shared with the other callers
   * that arrived in the same event-loop turn; it resolves only after that transaction has committed
   * durably. A failing `fn` rolls back only its own savepoint. Use it for hot write paths.
   */
  batch<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Wake listeners on every node (PostgreSQL NOTIFY); in-process only on SQLite. */
  notify(channel: string, payload: string): Promise<void>;
  /** Subscribe to `notify`; returns an unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Throws when the database cannot be reached (readiness). */
  ping(): Promise<void>;
  /** Flush pending group commits and close connections. */
  close(): Promise<void>;
}
