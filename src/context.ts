import type { Clock } from "./core/clock.js";
import type { Logger } from "./core/logger.js";
import type { MediaOptions } from "./messages/media.js";
import type { Db, Store } from "./store/types.js";

/**
 * What every domain verb receives with its input. Transports build it per request; jobs build one per
 * run. `db` is the current executor: the database, or the transaction a caller already opened.
 */
export interface Ctx {
  store: Store;
  db: Db;
  clock: Clock;
  log: Logger;
  requestId?: string;
  /**
   * Inbound MMS: the size cap and the signing of attachment URLs. Set on requests (`requestCtx`);
   * absent in jobs and the CLI, where inbound attachments are presented without URLs.
   */
  media?: MediaOptions;
}

/** The same context, with `db` pointing at an open transaction. */
export function withDb(ctx: Ctx, db: Db): Ctx {
  return { ...ctx, db };
}

/** Run `fn` inside a transaction, reusing the caller's when there is one. */
export function inTransaction<T>(ctx: Ctx, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return ctx.store.transaction((tx) => fn(withDb(ctx, tx)), ctx.db);
}
