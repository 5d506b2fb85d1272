import { sql } from "kysely";
import type { Ctx } from "../context.js";
import { DELIVERY_CHANNEL } from "./events.js";

/**
 * Wake delivery workers once the caller's transaction commits.
 * - PostgreSQL: `pg_notify` on the caller's executor is transactional: it is delivered (to every node)
 *   at commit, and dropped on rollback.
 * - SQLite: an in-process signal, sent now. The worker's claim then queues behind the caller's
 *   transaction on the single connection, so it runs right after the commit and sees the rows (or
 *   nothing, after a rollback). Other processes on the same file rely on the worker's poll.
 */
export async function signalDeliveries(ctx: Ctx): Promise<void> {
  if (ctx.store.dialect === "postgres") {
    await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(ctx.db);
  } else {
    await ctx.store.notify(DELIVERY_CHANNEL, "");
  }
}
