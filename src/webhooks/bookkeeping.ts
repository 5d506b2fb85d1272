import { sql } from "kysely";
import type { Ctx } from "../context.js";
import type { Db } from "../store/types.js";

/**
 * Run the worker's own writes (claims, attempt outcomes). These are bookkeeping: losing the last of
 * them in a database crash only means a delivery is POSTed once more, which at-least-once allows
 * (receivers de-duplicate on webhook-id). So they need not wait for their own disk flush:
 * - PostgreSQL: own transaction with `synchronous_commit = off` (never shared with message writes,
 *   whose outbox rows must be durable before the phone gets its 2xx);
 * - SQLite: group commit, so the outcomes of many attempts share one fsync.
 */
export function bookkeeping<T>(ctx: Ctx, fn: (db: Db) => Promise<T>): Promise<T> {
  if (ctx.store.dialect === "postgres") {
    return ctx.store.transaction(async (tx) => {
      await sql`set local synchronous_commit = off`.execute(tx);
      return fn(tx);
    });
  }
  return ctx.store.batch(fn);
}
