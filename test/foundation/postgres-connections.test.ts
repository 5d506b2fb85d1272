/**
 * PostgreSQL connections that die (pg_terminate_backend stands in for a failover or a network cut)
 * never take the process down: a query on the dead connection fails with an error that becomes 503 +
 * Retry-After, the pool replaces the connection, and the LISTEN connection (one per store, however
 * many concurrent first subscriptions) comes back by itself and listens to every channel again.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { storageFailure } from "../../src/core/errors.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import type { Store } from "../../src/store/types.js";
import { PG_URL } from "../helpers/store.js";

describe("PostgreSQL: dropped connections", { skip: PG_URL ? false : "TEST_DATABASE_URL not set" }, () => {
  const app = `mcs_conn_${randomBytes(4).toString("hex")}`;
  const schema = `t_${app}`;
  const errors: Error[] = [];
  let store: Store;
  let admin: pg.Client;

  /** The backends of our store, optionally only those whose last query matches `like`. */
  const backends = async (like = "%") =>
    (
      await admin.query<{ pid: number }>(
        "select pid from pg_stat_activity where application_name = $1 and query like $2",
        [app, like],
      )
    ).rows.map((r) => r.pid);
  const terminate = async (like: string) => {
    const pids = await backends(like);
    for (const pid of pids) await admin.query("select pg_terminate_backend($1)", [pid]);
    return pids.length;
  };
  /** Resolves with the first message on `channel`, NOTIFYing it every 50 ms until one arrives. */
  const received = async (channel: string, payload: string): Promise<string> => {
    let got: ((v: string) => void) | undefined;
    const first = new Promise<string>((r) => {
      got = r;
    });
    const stop = await store.listen(channel, (p) => got?.(p));
    const timer = setInterval(() => void store.notify(channel, payload).catch(() => undefined), 50);
    let deadline: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        first,
        new Promise<string>((_, rej) => {
          deadline = setTimeout(() => rej(new Error(`nothing on ${channel}`)), 15_000);
        }),
      ]);
    } finally {
      clearInterval(timer);
      clearTimeout(deadline);
      await stop();
    }
  };

  before(async () => {
    const url = new URL(PG_URL ?? "");
    url.searchParams.set("application_name", app);
    store = await openPostgresStore({
      url: url.toString(),
      poolSize: 4,
      schema,
      onError: (e) => errors.push(e),
    });
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  after(async () => {
    await store.close();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  it("concurrent first subscriptions share one LISTEN connection", async () => {
    const heard: string[] = [];
    const channels = Array.from({ length: 8 }, (_, i) => `conn_test_${i}`);
    await Promise.all(channels.map((ch) => store.listen(ch, (p) => heard.push(`${ch}:${p}`))));
    assert.equal((await backends("listen %")).length, 1, "one LISTEN connection");
    for (const ch of channels) await store.notify(ch, "hi");
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (heard.length >= channels.length) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    assert.deepEqual(heard.sort(), channels.map((ch) => `${ch}:hi`).sort());
  });

  it("the LISTEN connection reconnects after being terminated and listens to every channel again", async () => {
    const before = errors.length;
    assert.equal(await terminate("listen %"), 1);
    assert.equal(await received("conn_test_3", "back"), "back");
    assert.equal(await received("conn_test_7", "again"), "again");
    assert.ok(errors.length > before, "the loss was reported to onError");
    assert.equal((await backends("listen %")).length, 1);
  });

  it("a query whose connection is terminated fails as storage_unavailable (503); the next one works", async () => {
    const running = store.transaction((tx) => sql`select pg_sleep(30)`.execute(tx));
    const failed = running.then(
      () => assert.fail("the query survived its connection"),
      (e: unknown) => e,
    );
    let killed = 0;
    for (let i = 0; i < 100 && killed === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      killed = await terminate("%pg_sleep%");
    }
    assert.equal(killed, 1);
    const mapped = storageFailure(await failed);
    assert.equal(mapped?.status, 503, String(await failed));
    assert.equal(mapped?.retryAfter, 1);
    await store.ping();
    await store.transaction(async (tx) => {
      await sql`select 1`.execute(tx);
    });
  });

  it("idle pool connections terminated at once are replaced", async () => {
    await Promise.all([store.ping(), store.ping(), store.ping()]);
    const n = await terminate("select 1");
    assert.ok(n >= 1);
    // A query may still pick a connection whose end is not yet processed: that one answers 503.
    for (let i = 0; ; i++) {
      try {
        await store.ping();
        break;
      } catch (e) {
        assert.equal(storageFailure(e)?.status, 503, String(e));
        assert.ok(i < 10, "the pool did not recover");
      }
    }
  });

  it("close() returns while the LISTEN connection is down and reconnecting", async () => {
    const url = new URL(PG_URL ?? "");
    url.searchParams.set("application_name", `${app}_b`);
    const other = await openPostgresStore({ url: url.toString(), poolSize: 1, onError: () => undefined });
    await other.listen("conn_test_close", () => undefined);
    const r = await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
      [`${app}_b`],
    );
    assert.equal(r.rowCount, 1);
    await other.close();
    await assert.rejects(
      other.listen("conn_test_close", () => undefined),
      /closed/,
    );
  });
});
