import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { SQLite, type SQLiteDatabase, type SQLiteStatement } from "./sqlite-driver.js";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  Kysely,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import { GroupCommitter } from "./group-commit.js";
import { defaultWarn, ensurePrivateDir, ensurePrivateFile, type Warn } from "./local-files.js";
import type { Database } from "./schema.js";
import type { Db, Store } from "./types.js";

/** Kysely's driver opens transactions with a plain BEGIN; we need BEGIN IMMEDIATE (see below). */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // A deferred transaction that reads, then writes, can fail at once with SQLITE_BUSY when another
    // process holds the write lock, without waiting for busy_timeout. IMMEDIATE takes the lock up front.
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; on the send path preparing cost more than running.
 * Statements are reusable in better-sqlite3 (we never stream, so none is left mid-iteration), so keep
 * them by SQL text. Queries are built from a fixed set of shapes, but `in (?, ?, …)` lists vary in
 * length, so the cache is bounded: past the limit it starts over.
 */
function withStatementCache(raw: SQLiteDatabase, max = 1000): SQLiteDatabase {
  const cache = new Map<string, SQLiteStatement>();
  return new Proxy(raw, {
    get(target, prop) {
      if (prop === "prepare") {
        return (source: string) => {
          let stmt = cache.get(source);
          if (!stmt) {
            stmt = target.prepare(source);
            if (cache.size >= max) cache.clear();
            cache.set(source, stmt);
          }
          return stmt;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

export interface SqliteOptions {
  /** File path, or ":memory:". */
  file: string;
  /** Told when an existing directory or database file was readable by others (and was tightened). */
  warn?: Warn;
}

/**
 * The embedded default: one better-sqlite3 connection per process, WAL, synchronous=FULL so that a
 * commit survives power loss, busy_timeout so several processes may share the file. The directory is
 * 0700 and the database files 0600.
 */
export function openSqliteStore(opts: SqliteOptions): Store {
  const onDisk = opts.file !== ":memory:";
  const warn = opts.warn ?? defaultWarn;
  // Only the service's user may read the data (finding L12): DATA_DIR 0700, the files 0600.
  if (onDisk) {
    ensurePrivateDir(dirname(opts.file), warn);
    ensurePrivateFile(opts.file, warn);
  }
  const raw = new SQLite(opts.file);
  raw.pragma("journal_mode = WAL");
  // SQLite makes -wal and -shm with the database file's mode; ones left by an older version may be looser.
  if (onDisk) {
    for (const f of [`${opts.file}-wal`, `${opts.file}-shm`])
      if (existsSync(f)) ensurePrivateFile(f, warn, false);
  }
  raw.pragma("synchronous = FULL");
  raw.pragma("busy_timeout = 10000");
  raw.pragma("foreign_keys = ON");
  const dialect: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ImmediateSqliteDriver({ database: withStatementCache(raw) }),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
  const db = new Kysely<Database>({ dialect });
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const transaction = <T>(fn: (tx: Db) => Promise<T>, outer?: Db): Promise<T> =>
    outer?.isTransaction ? fn(outer) : db.transaction().execute(fn);
  const committer = new GroupCommitter((fn) => db.transaction().execute(fn), 1);

  return {
    dialect: "sqlite",
    db,
    transaction,
    batch: (fn) => committer.submit(fn),
    async notify(channel, payload) {
      bus.emit(channel, payload);
    },
    async listen(channel, onMessage) {
      bus.on(channel, onMessage);
      return async () => {
        bus.off(channel, onMessage);
      };
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await committer.drain();
      await db.destroy();
    },
  };
}
