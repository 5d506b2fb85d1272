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
  onError?: (e: Error) => void;
}

// int8 (bigint, our epoch-ms columns and counts) as numbers: every value we store fits in 2^53.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** PostgreSQL: a pg Pool behind Kysely, plus one dedicated connection for LISTEN. */
export async function openPostgresStore(opts: PostgresOptions): Promise<Store> {
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: opts.url });
    await admin.connect();
    await admin.query(`create schema if not exists "${opts.schema.replace(/"/g, "")}"`);
    await admin.end();
  }
  const options = opts.schema ? `-c search_path="${opts.schema.replace(/"/g, "")}"` : undefined;
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize, types, options });
  pool.on("error", (e) => opts.onError?.(e));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const transaction = <T>(fn: (tx: Db) => Promise<T>, outer?: Db): Promise<T> =>
    outer?.isTransaction ? fn(outer) : db.transaction().execute(fn);
  // Keep connections free for reads and the claims of background workers.
  const committer = new GroupCommitter(
    (fn) => db.transaction().execute(fn),
    Math.max(1, Math.floor(opts.poolSize / 2)),
  );

  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  let listener: pg.Client | undefined;
  const channels = new Set<string>();
  let closed = false;

  async function connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: opts.url, options });
    client.on("notification", (n) => bus.emit(n.channel, n.payload ?? ""));
    client.on("error", (e) => {
      opts.onError?.(e);
      listener = undefined;
      if (!closed) setTimeout(() => void connectListener().catch((err) => opts.onError?.(err)), 1000);
    });
    await client.connect();
    for (const ch of channels) await client.query(`listen "${ch}"`);
    listener = client;
  }

  return {
    dialect: "postgres",
    db,
    transaction,
    batch: (fn) => committer.submit(fn),
    async notify(channel, payload) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    async listen(channel, onMessage) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      bus.on(channel, onMessage);
      if (!channels.has(channel)) {
        channels.add(channel);
        if (!listener) await connectListener();
        else await listener.query(`listen "${channel}"`);
      }
      return async () => {
        bus.off(channel, onMessage);
      };
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      closed = true;
      await committer.drain();
      await listener?.end().catch(() => undefined);
      await db.destroy();
    },
  };
}
