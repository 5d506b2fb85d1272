import { hostname } from "node:os";
import pino, { type DestinationStream, type Logger as Pino } from "pino";
import { REDACT_PATHS } from "../core/logger.js";

/** How long a log line may wait for others to share its write. */
const FLUSH_MS = 50;
/** Unwritten log bytes kept while stdout is stuck; past this, new lines are dropped (and counted). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

let destination: DestinationStream | undefined;
let dropped = 0;

/**
 * The process's logger: JSON lines on stdout, tokens and secrets redacted. Every logger of the
 * process (start-up, Fastify's request loggers, jobs) writes through one asynchronous destination,
 * so lines never interleave and a request never waits for a write(2): lines are buffered and go out
 * together, within FLUSH_MS. pino flushes what is left synchronously on exit (process.exit after
 * graceful shutdown, or a crash). If stdout stops draining, up to 16 MiB is kept and later lines are
 * dropped rather than letting memory or latency grow.
 */
export function createLogger(level: string): Pino {
  if (!destination) {
    const d = pino.destination({
      dest: 1,
      sync: false,
      // Lines wait for 4 KiB or FLUSH_MS, whichever comes first: under load a write(2) carries dozens
      // of lines instead of one; when idle a line is out within FLUSH_MS.
      minLength: 4096,
      periodicFlush: FLUSH_MS,
      maxLength: MAX_BUFFERED_BYTES,
    });
    d.on?.("drop", () => {
      dropped++;
    });
    destination = d;
  }
  return pino({ level, redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, destination);
}

/**
 * Write one access-log line, exactly as `request.log.info({method, url, statusCode, ms}, "request")`
 * would (same keys, same order, the request's `reqId`), but formatted here: at a line per request,
 * pino's generic path (child bindings, redaction of every object, serialisers) cost more than the
 * rest of a small request. Nothing in it needs redacting: the path carries no query string, and the
 * other fields are ours. The caller checks that `info` is enabled for the request.
 */
export function writeAccessLine(
  reqId: string,
  method: string,
  url: string,
  status: number,
  ms: number,
): void {
  accessPrefix ??= `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"reqId":`;
  destination?.write(
    `{"level":30,"time":${Date.now()}${accessPrefix}${JSON.stringify(reqId)},"method":${JSON.stringify(method)},"url":${JSON.stringify(url)},"statusCode":${status},"ms":${ms},"msg":"request"}\n`,
  );
}
let accessPrefix: string | undefined;

/** Log lines dropped because stdout did not drain (see createLogger). */
export function droppedLogLines(): number {
  return dropped;
}
