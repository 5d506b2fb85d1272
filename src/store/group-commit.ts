import { sql } from "kysely";
import type { Db } from "./types.js";

interface Pending {
  fn: (tx: Db) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Collects write units that arrive in the same event-loop turn and commits them in one transaction,
 * so N concurrent requests cost one fsync instead of N (perf-baselines.md §2: 0.91x of a validation
 * only route at synchronous=FULL). Each unit gets a savepoint, so one failing unit does not fail the
 * others. `concurrency` batches may be open at once (1 for SQLite's single writer, more for a pool).
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly begin: <T>(fn: (tx: Db) => Promise<T>) => Promise<T>,
    private readonly concurrency: number,
    private readonly maxBatch = 500,
  ) {}

  submit<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running (used by graceful shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.running++;
    try {
      const outcomes = await this.begin(async (tx) => {
        const out: { ok: boolean; value: unknown }[] = [];
        for (const item of batch) {
          if (batch.length === 1) {
            out.push({ ok: true, value: await item.fn(tx) });
            continue;
          }
          await sql`savepoint gc_unit`.execute(tx);
          try {
            const value = await item.fn(tx);
            await sql`release savepoint gc_unit`.execute(tx);
            out.push({ ok: true, value });
          } catch (e) {
            await sql`rollback to savepoint gc_unit`.execute(tx);
            await sql`release savepoint gc_unit`.execute(tx);
            out.push({ ok: false, value: e });
          }
        }
        return out;
      });
      outcomes.forEach((o, i) => {
        const item = batch[i];
        if (!item) return;
        if (o.ok) item.resolve(o.value);
        else item.reject(o.value);
      });
    } catch (e) {
      // The commit itself failed (disk full, database gone): nothing of this batch is durable.
      for (const item of batch) item.reject(e);
    } finally {
      this.running--;
      if (this.queue.length > 0) this.schedule();
      else if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
