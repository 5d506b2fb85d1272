/**
 * Fault row "database errors during a write": the server answers 503 with Retry-After and saves
 * nothing, never a 2xx, and the same request succeeds once the database is back.
 * SQLite: another connection holds the write lock past busy_timeout (SQLITE_BUSY). PostgreSQL: the
 * server's backend waiting on a table lock is killed with pg_terminate_backend (57P01).
 * The write is a refresh-token rotation (POST /oauth/token), the write path every client depends on;
 * a retry with the same refresh token must then work, which proves the failed attempt saved nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, it } from "node:test";
import { SQLite as Database } from "../../src/store/sqlite-driver.js";
import pg from "pg";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { spawnServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore } from "../helpers/store.js";
import { report } from "./report.js";

// PostgreSQL: every pool client has an 'error' listener (src/store/postgres.ts), so the terminated
// connection fails only its own request (503), never the process.
forEachDialect("faults: database errors answer 503, never a 2xx for unsaved work", (dialect) => {
  it("a refresh during a database fault gets 503 + Retry-After; the retry rotates", async () => {
    const db = await makeTestStore(dialect);
    after(() => db.cleanup());
    const ctx = ctxFor(db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
    const server = await spawnServer({ ...db.env, SHUTDOWN_TIMEOUT_MS: "1000" });
    after(() => server.proc.kill("SIGKILL"));
    const refresh = () =>
      fetch(`${server.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "refresh_token",
          refresh_token: t.refreshToken,
          client_id: t.clientId,
          client_secret: t.clientSecret,
        }),
      });

    let faulty: Response;
    if (dialect === "sqlite") {
      const lock = new Database(join(db.env.DATA_DIR ?? "", "mycrmsim.db"));
      lock.exec("BEGIN IMMEDIATE");
      try {
        faulty = await refresh(); // waits out busy_timeout (10 s), then SQLITE_BUSY
      } finally {
        lock.exec("ROLLBACK");
        lock.close();
      }
    } else {
      const c = new pg.Client({ connectionString: db.env.DATABASE_URL });
      await c.connect();
      await c.query("begin; lock table oauth_tokens in exclusive mode");
      // A dropped connection here means the server died: say why.
      const pending = refresh().catch(async (e: Error) => {
        await Promise.race([server.exited, new Promise((r) => setTimeout(r, 1000))]);
        throw new Error(
          `${e.message}; server exit ${server.proc.exitCode}:\n${server.stderr().slice(-1500)}`,
        );
      });
      let killed = 0;
      for (let i = 0; i < 100 && killed === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const r = await c.query(
          // Only backends blocked by our own lock: other engineers' tests share this database.
          "select pg_terminate_backend(pid) from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))",
        );
        killed = r.rowCount ?? 0;
      }
      try {
        faulty = await Promise.race([
          pending,
          new Promise<never>((_, rej) =>
            setTimeout(
              () => rej(new Error(`no answer after the fault:\n${server.lines.slice(-5).join("\n")}`)),
              20_000,
            ),
          ),
        ]);
      } finally {
        // Always release the lock: a held lock would also block the schema drop in cleanup.
        await c.query("rollback");
        await c.end();
      }
      assert.ok(killed > 0, "the server's blocked write was found and terminated");
    }
    const body = (await faulty.json()) as { error?: string; access_token?: string };
    assert.equal(faulty.status, 503, JSON.stringify(body));
    // /oauth/* speaks RFC 6749's error vocabulary; the REST API says storage_unavailable.
    assert.equal(body.error, "temporarily_unavailable");
    assert.ok(Number(faulty.headers.get("retry-after")) >= 1);
    assert.equal(body.access_token, undefined);

    const retry = await refresh();
    assert.equal(retry.status, 200, await retry.clone().text());
    assert.ok(((await retry.json()) as { access_token: string }).access_token);
    report({
      row: "DB error during a write",
      dialect,
      lost: 0,
      duplicated: 0,
      recovered: 1,
      note: "503 then 200",
    });
  });
});
