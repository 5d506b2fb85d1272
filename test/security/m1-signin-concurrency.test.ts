import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { spawnServer, startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore } from "../helpers/store.js";
import { FormClient } from "../helpers/web.js";

/** At most this many wrong passwords for one account from one address are checked before a block. */
const PER_ACCOUNT_AND_ADDRESS = 5;

/**
 * The most answers of 401 a burst lasting `ms` may get: the free attempts, plus one more each time a
 * block (1 s, 2 s, 4 s…) runs out while the burst is still arriving (a slow, loaded machine).
 */
function allowedChecks(ms: number): number {
  return PER_ACCOUNT_AND_ADDRESS + Math.ceil(Math.log2(ms / 1000 + 1));
}

/** `n` wrong passwords for `email` at once through the sign-in form; the answers, counted by status. */
async function guessInParallel(
  bases: string[],
  email: string,
  n: number,
): Promise<{ counts: Map<number, number>; ms: number }> {
  const clients = await Promise.all(
    bases.map(async (b) => {
      const c = new FormClient(b);
      return { c, csrf: await c.csrf("/signin") };
    }),
  );
  const started = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { c, csrf } = clients[i % clients.length] ?? (clients[0] as (typeof clients)[0]);
      const r = await c.post("/signin", { _csrf: csrf, email, password: `wrong guess ${i}` });
      const text = await r.text();
      if (r.status === 401) assert.match(text, /Incorrect email or password/);
      if (r.status === 429) assert.match(r.headers.get("retry-after") ?? "", /^\d+$/);
      return r.status;
    }),
  );
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return { counts, ms: Date.now() - started };
}

forEachDialect("M1 sign-in throttling holds under concurrency", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  it("M1 150 parallel wrong passwords for one account: at most 5 are checked, the rest get 429", async () => {
    const victim = await makeUser(ctxFor(s.db.store));
    const { counts, ms } = await guessInParallel([s.url], victim.email, 150);
    const checked = counts.get(401) ?? 0;
    assert.ok(checked >= 1 && checked <= allowedChecks(ms), `checked ${checked} in ${ms} ms: ${[...counts]}`);
    assert.equal((counts.get(429) ?? 0) + checked, 150, `only 401 and 429: ${[...counts]}`);
    // The block holds afterwards too, also for the right password from the same place.
    const c = new FormClient(s.url);
    const r = await c.post("/signin", {
      _csrf: await c.csrf("/signin"),
      email: victim.email,
      password: victim.password,
    });
    assert.equal(r.status, 429);
  });

  it("M1 150 parallel guesses at an unknown email are throttled the same way", async () => {
    const { counts, ms } = await guessInParallel([s.url], "nobody-m1@example.com", 150);
    assert.ok((counts.get(401) ?? 0) <= allowedChecks(ms), `${[...counts]} in ${ms} ms`);
  });
});

it("M1 two server processes on one PostgreSQL schema share the limit", {
  skip: !process.env.TEST_DATABASE_URL,
}, async () => {
  const db = await makeTestStore("postgres");
  const victim = await makeUser(ctxFor(db.store));
  const env = { ...db.env, SECRET_KEY: "m1-test-secret-key-0123456789abcdef" };
  const a = await spawnServer(env);
  const b = await spawnServer(env);
  try {
    const { counts, ms } = await guessInParallel([a.url, b.url], victim.email, 120);
    const checked = counts.get(401) ?? 0;
    assert.ok(checked >= 1 && checked <= allowedChecks(ms), `checked ${checked} in ${ms} ms: ${[...counts]}`);
    assert.equal((counts.get(429) ?? 0) + checked, 120, `${[...counts]}`);
  } finally {
    a.proc.kill("SIGTERM");
    b.proc.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
    await db.cleanup();
  }
});
