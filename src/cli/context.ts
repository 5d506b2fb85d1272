import pino from "pino";
import type { Config } from "../config/index.js";
import type { Ctx } from "../context.js";
import { systemClock } from "../core/clock.js";
import { migrate, openStore, type Store } from "../store/index.js";

/** Open storage (migrated) for a one-shot command, run `fn`, close. */
export async function withCommandCtx<T>(
  config: Config,
  fn: (ctx: Ctx, store: Store) => Promise<T>,
): Promise<T> {
  const log = pino({ level: "warn" });
  const store = await openStore(config);
  try {
    await migrate(store);
    return await fn({ store, db: store.db, clock: systemClock, log }, store);
  } finally {
    await store.close();
  }
}

/** Print a result: JSON with --json, else the human text. */
export function output(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}
