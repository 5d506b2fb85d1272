import { EventEmitter } from "node:events";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { GroupCommitter } from "./group-commit.js";
import type { Database } from "./schema.js";
import type { Db, Store } from "./types.js";

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Optional schema (tests use a fresh one per run); it is created if missing. */
  schema?: string;
  /** Connection-level errors (a backend terminated, the server gone); the store recovers by itself. */
  onError?: (e: Error) => void;
}

// int8 (bigint, our epoch-ms columns and counts) as numbers: every value we store fits in 2^53.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Reconnect delays of the LISTEN connection: doubling from 100 ms up to 5 s. */
const LISTEN_BACKOFF_MS = [100, 200, 500, 1000, 2000, 5000];

/**
 * PostgreSQL: a pg Pool behind Kysely, plus one dedicated connection for LISTEN.
 *
 * A connection that dies (pg_terminate_backend, a failover, a network cut) must never take the
 * process down: pg emits 'error' on a Client whose socket ends, and an EventEmitter 'error' without
 * a listener throws. Every pool client gets a listener when it connects (pg-pool only guards idle
 * ones); the query that was running fails with the driver's error, which `storageFailure` turns into
 * 503 + Retry-After, and pg-pool drops the dead client when Kysely releases it.
 */
export async function openPostgresStore(opts: PostgresOptions): Promise<Store> {
  const report = (e: Error) => opts.onError?.(e);
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: opts.url });
    admin.on("error", report);
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${opts.schema.replace(/"/g, "")}"`);
    } finally {
      await admin.end();
    }
  }
  const options = opts.schema ? `-c search_path="${opts.schema.replace(/"/g, "")}"` : undefined;
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize, types, options });
  pool.on("error", report);
  pool.on("connect", (client) => client.on("error", report));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const transaction = <T>(fn: (tx: Db) => Promise<T>, outer?: Db): Promise<T> =>
    outer?.isTransaction ? fn(outer) : db.transaction().execute(fn);
  // Keep connections free for reads and the claims of background workers.
  const committer = new GroupCommitter(
    (fn) => db.transaction().execute(fn),
    Math.max(1, Math.floor(opts.poolSize / 2)),
  );
  const listener = new Listener(opts.url, options, report);

  return {
    dialect: "postgres",
    db,
    transaction,
    batch: (fn) => committer.submit(fn),
    async notify(channel, payload) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    listen: (channel, onMessage) => listener.listen(channel, onMessage),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await committer.drain();
      await listener.close();
      await db.destroy();
    },
  };
}

/**
 * The one LISTEN connection of a store. Subscriptions are serialised on one promise chain, so any
 * number of concurrent first `listen` calls share a single connection. When the connection dies it
 * reconnects with backoff and LISTENs to every channel again; notifications sent while it was down
 * are lost (callers treat them as wake-ups and also poll).
 */
class Listener {
  private readonly bus = new EventEmitter();
  private readonly channels = new Set<string>();
  private client: pg.Client | undefined;
  /** Every connect/LISTEN runs on this chain, one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly options: string | undefined,
    private readonly report: (e: Error) => void,
  ) {
    this.bus.setMaxListeners(0);
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    if (this.closed) throw new Error("the store is closed");
    this.bus.on(channel, onMessage);
    const fresh = !this.channels.has(channel);
    this.channels.add(channel);
    try {
      // The first subscription waits for its LISTEN (so a NOTIFY right after is seen).
      if (fresh || !this.client) await this.serial(() => this.ensure(channel));
    } catch (e) {
      // Not connected now: the reconnect loop LISTENs to every channel once the database is back.
      this.report(e as Error);
      this.scheduleReconnect();
    }
    return async () => {
      this.bus.off(channel, onMessage);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    // A connect in flight ends its own client once it sees `closed`; do not wait on a dead host.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Connected and listening to `channel` (or, with none, to every channel). */
  private async ensure(channel?: string): Promise<void> {
    if (this.closed) return;
    if (this.client) {
      if (channel) await this.client.query(`listen "${channel}"`);
      return;
    }
    const client = new pg.Client({
      connectionString: this.url,
      options: this.options,
      connectionTimeoutMillis: 10_000,
    });
    client.on("notification", (n) => this.bus.emit(n.channel, n.payload ?? ""));
    client.on("error", (e) => this.lost(client, e));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      for (const ch of this.channels) await client.query(`listen "${ch}"`);
    } catch (e) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
  }

  private lost(client: pg.Client, e?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    this.report(e ?? new Error("LISTEN connection ended"));
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const delay = LISTEN_BACKOFF_MS[Math.min(this.attempt, LISTEN_BACKOFF_MS.length - 1)] ?? 5000;
    this.attempt++;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.serial(() => this.ensure()).catch((e: Error) => {
        this.report(e);
        this.scheduleReconnect();
      });
    }, delay);
    // A reconnect loop alone must not keep a process alive.
    this.retry.unref();
  }
}
