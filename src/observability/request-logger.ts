import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Logger as Pino } from "pino";

type Args = [obj: unknown, msg?: string, ...args: unknown[]];

/**
 * A request's logger, made only when the request logs something (Fastify's `childLoggerFactory`).
 * Fastify gives every request a pino child carrying its `reqId`; most requests never log (their
 * access line is written directly, see access-log.ts), so building that child each time was work
 * for nothing. The first enabled call makes the real child, and everything after goes to it.
 */
export class RequestLogger {
  #real: Pino | undefined;
  readonly #parent: Pino;
  readonly #bindings: Bindings;
  readonly #opts: ChildLoggerOptions;
  /** The least severe level that is written (pino's numbers: trace 10 … fatal 60, silent Infinity). */
  #min: number;

  constructor(parent: Pino, bindings: Bindings, opts: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#opts = opts;
    this.#min = opts.level === undefined ? parent.levelVal : levelValue(parent, opts.level);
  }

  get level(): string {
    return this.#real?.level ?? this.#opts.level ?? this.#parent.level;
  }
  set level(level: string) {
    this.#get().level = level;
    this.#min = levelValue(this.#parent, level);
  }

  isLevelEnabled(level: string): boolean {
    return levelValue(this.#parent, level) >= this.#min;
  }
  fatal(...a: Args): void {
    if (this.#min <= 60) this.#get().fatal(...(a as [object]));
  }
  error(...a: Args): void {
    if (this.#min <= 50) this.#get().error(...(a as [object]));
  }
  warn(...a: Args): void {
    if (this.#min <= 40) this.#get().warn(...(a as [object]));
  }
  info(...a: Args): void {
    if (this.#min <= 30) this.#get().info(...(a as [object]));
  }
  debug(...a: Args): void {
    if (this.#min <= 20) this.#get().debug(...(a as [object]));
  }
  trace(...a: Args): void {
    if (this.#min <= 10) this.#get().trace(...(a as [object]));
  }
  silent(): void {}
  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#get().child(bindings, opts) as FastifyBaseLogger;
  }

  #get(): Pino {
    this.#real ??= this.#parent.child(this.#bindings, this.#opts);
    return this.#real;
  }
}

function levelValue(parent: Pino, level: string): number {
  if (level === "silent") return Number.POSITIVE_INFINITY;
  return parent.levels.values[level] ?? parent.levelVal;
}

/** Fastify's `childLoggerFactory` option. */
export function requestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  opts: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(logger as unknown as Pino, bindings, opts) as unknown as FastifyBaseLogger;
}
