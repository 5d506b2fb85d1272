import { sql } from "kysely";
import { type Outcome, TickBatcher } from "./tick-batcher.js";
import type { Db } from "./types.js";

type Unit = (tx: Db) => Promise<unknown>;

/**
 * Collects write units that arrive in the same event-loop turn and commits them in one transaction,
 * so N concurrent requests cost one fsync instead of N (perf-baselines.md §2: 0.91x of a validation
 * only route at synchronous=FULL). Each unit gets a savepoint, so one failing unit does not fail the
 * others; if the commit itself fails (disk full, database gone), nothing of the batch is durable and
 * every unit fails. `concurrency` batches may be open at once (1 for SQLite's single writer, more for
 * a pool).
 */
export class GroupCommitter {
  private readonly batcher: TickBatcher<Unit, unknown>;

  constructor(begin: <T>(fn: (tx: Db) => Promise<T>) => Promise<T>, concurrency: number, maxBatch = 500) {
    this.batcher = new TickBatcher(
      (units) =>
        begin(async (tx) => {
          if (units.length === 1 && units[0]) return [{ ok: true, value: await units[0](tx) }];
          const out: Outcome<unknown>[] = [];
          for (const unit of units) out.push(await inSavepoint(tx, unit));
          return out;
        }),
      concurrency,
      maxBatch,
    );
  }

  submit<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.batcher.submit(fn) as Promise<T>;
  }

  /** Resolves when nothing is queued or running (used by graceful shutdown). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}

async function inSavepoint(tx: Db, unit: Unit): Promise<Outcome<unknown>> {
  await sql`savepoint gc_unit`.execute(tx);
  try {
    const value = await unit(tx);
    await sql`release savepoint gc_unit`.execute(tx);
    return { ok: true, value };
  } catch (error) {
    await sql`rollback to savepoint gc_unit`.execute(tx);
    await sql`release savepoint gc_unit`.execute(tx);
    return { ok: false, error };
  }
}
