import type { FastifyRequest } from "fastify";
import type { Config } from "../config/index.js";
import type { Ctx } from "../context.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { mediaOptions } from "../messages/index.js";
import type { Metrics } from "../observability/metrics.js";
import type { Store } from "../store/types.js";

/** Everything the transports need, built once by the composition root (`app.ts`). */
export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  metrics: Metrics;
  /** Instance secret for CSRF tokens and signatures (config SECRET_KEY or generated and stored). */
  secret: string;
  /** Wake-up hooks that background jobs register (e.g. "a delivery is due"), called after commits. */
  wake: (job: string) => void;
}

/** The domain context for one request: its logger (with request id) and the shared store. */
export function requestCtx(deps: AppDeps, request: FastifyRequest): Ctx {
  return {
    store: deps.store,
    db: deps.store.db,
    clock: deps.clock,
    log: request.log as unknown as Logger,
    requestId: request.id,
    media: mediaOptions(deps.config, deps.secret),
  };
}
