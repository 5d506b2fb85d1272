/** What one item of a batch came to. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Collects items submitted in the same event-loop turn and hands them to `run` as one batch, with at
 * most `concurrency` batches running at once (1 for SQLite's single writer, more for a pool) and at
 * most `maxBatch` items each. `run` answers one outcome per item, in order; if it throws, every item of
 * its batch fails with that error. The mechanism under group commit and the send batcher.
 */
export class TickBatcher<T, R> {
  private queue: { item: T; resolve: (v: R) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (items: T[]) => Promise<Outcome<R>[]>,
    private readonly concurrency: number,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running (graceful shutdown). */
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
      const outcomes = await this.run(batch.map((b) => b.item));
      batch.forEach((b, i) => {
        const o = outcomes[i];
        if (o?.ok) b.resolve(o.value);
        else b.reject(o ? o.error : new Error("batch gave no outcome for this item"));
      });
    } catch (e) {
      for (const b of batch) b.reject(e);
    } finally {
      this.running--;
      if (this.queue.length > 0) this.schedule();
      else if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
