import pino from "pino";
import type { Config } from "../config/index.js";
import type { Ctx } from "../context.js";
import { systemClock } from "../core/clock.js";
import { migrate, openStore, type Store } from "../store/index.js";
import { prepareDataDir } from "./prepare-data-dir.js";

/** Open storage (migrated) for a one-shot command, run `fn`, close. */
export async function withCommandCtx<T>(
  config: Config,
  fn: (ctx: Ctx, store: Store) => Promise<T>,
): Promise<T> {
  const log = pino({ level: "warn" });
  const store = await openCommandStore(config);
  try {
    await migrate(store);
    return await fn({ store, db: store.db, clock: systemClock, log }, store);
  } finally {
    await store.close();
  }
}

/** The configured store, DATA_DIR checked first so that a bad one is a sentence, not a stack. */
export async function openCommandStore(config: Config): Promise<Store> {
  if (!config.databaseUrl) prepareDataDir(config.dataDir);
  return openStore(config);
}
