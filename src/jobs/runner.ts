import type { Logger } from "../core/logger.js";

/** A background loop (webhook delivery, message expiry, cleanup). Started by roles `all` and `worker`. */
export interface BackgroundJob {
  name: string;
  start(): void;
  /** Stop taking new work and wait for the work in hand. */
  stop(): Promise<void>;
}

/**
 * A job that runs `tick` every `intervalMs` (and when `wake()` is called), never twice at once.
 * `tick` returns true when it did work and should run again at once (draining a backlog).
 */
export function intervalJob(
  name: string,
  intervalMs: number,
  tick: () => Promise<boolean>,
  log: Logger,
): BackgroundJob & { wake(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let again = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref?.();
  };
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let more = false;
      try {
        more = await tick();
      } catch (e) {
        log.error({ err: e, job: name }, "background job failed; will retry");
      } finally {
        running = undefined;
      }
      const next = more || again;
      again = false;
      schedule(next ? 0 : intervalMs);
    })();
  };
  return {
    name,
    start() {
      stopped = false;
      schedule(0);
    },
    wake() {
      if (stopped) return;
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
