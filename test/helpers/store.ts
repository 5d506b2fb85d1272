import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { migrate } from "../../src/store/index.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { Dialect, Store } from "../../src/store/types.js";

/** PostgreSQL tests run when this is set (CI sets it); otherwise they are skipped with a notice. */
export const PG_URL = process.env.TEST_DATABASE_URL;

export interface TestStore {
  store: Store;
  dialect: Dialect;
  /** For out-of-process servers: the env that points a child at the same database. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database: a temp SQLite file, or a new schema in the PostgreSQL test database. */
export async function makeTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "mycrmsim-test-"));
    const store = openSqliteStore({ file: join(dir, "mycrmsim.db") });
    await migrate(store);
    return {
      store,
      dialect,
      env: { DATA_DIR: dir },
      async cleanup() {
        await store.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!PG_URL) throw new Error("TEST_DATABASE_URL is not set");
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const store = await openPostgresStore({ url: PG_URL, poolSize: 10, schema });
  await migrate(store);
  const url = new URL(PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    store,
    dialect,
    env: { DATABASE_URL: url.toString() },
    async cleanup() {
      await store.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      // A server of the test that was just killed may still have a query running in this schema: the
      // drop can then deadlock with it (40P01). The backend ends within moments; try again.
      for (let attempt = 1; ; attempt++) {
        try {
          await c.query(`drop schema if exists "${schema}" cascade`);
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== "40P01" || attempt >= 5) {
            await c.end();
            throw e;
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      await c.end();
    },
  };
}

let noticePrinted = false;

/**
 * Declare a suite once per dialect: `sqlite` always, `postgres` when TEST_DATABASE_URL is set (else
 * the PostgreSQL suite is reported as skipped, which CI refuses).
 */
export function forEachDialect(name: string, fn: (dialect: Dialect) => void): void {
  describe(`${name} [sqlite]`, () => fn("sqlite"));
  if (PG_URL) {
    describe(`${name} [postgres]`, () => fn("postgres"));
  } else {
    if (!noticePrinted) {
      noticePrinted = true;
      process.stdout.write("# notice: TEST_DATABASE_URL is not set; PostgreSQL suites are skipped\n");
    }
    describe(`${name} [postgres]`, () => {
      it("runs on PostgreSQL", { skip: "TEST_DATABASE_URL not set" }, () => undefined);
    });
  }
}
