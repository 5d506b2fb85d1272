/**
 * Multi-node on PostgreSQL: processes sharing one schema serve the same client; SIGKILL of either
 * loses no request the client retries on the other (a reverse proxy does the same with
 * `proxy_next_upstream`). Also: an api-only and a worker-only node run side by side, and a NOTIFY
 * from one node wakes a listener on another. Sending through both with a simulated phone is to be
 * added once POST /api/v1/messages lands (engineer B).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { openPostgresStore } from "../../src/store/postgres.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { spawnServer } from "../helpers/server.js";
import { makeTestStore, PG_URL } from "../helpers/store.js";
import { FULL, report } from "./report.js";

const LIFT = { RATE_LIMIT_PER_MINUTE: "1000000", RATE_LIMIT_PER_LOCATION_PER_MINUTE: "1000000" };

describe("faults: two nodes on one PostgreSQL schema [postgres]", {
  skip: !PG_URL && "TEST_DATABASE_URL not set",
}, () => {
  it("a client using both nodes loses nothing when one is SIGKILLed mid-run", async () => {
    const db = await makeTestStore("postgres");
    after(() => db.cleanup());
    const ctx = ctxFor(db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
    const nodes = [await spawnServer({ ...db.env, ...LIFT }), await spawnServer({ ...db.env, ...LIFT })];
    after(() => {
      for (const n of nodes) n.proc.kill("SIGKILL");
    });
    const total = FULL ? 5000 : 400;
    let answered = 0;
    let failovers = 0;
    for (let i = 0; i < total; i++) {
      if (i === total / 2) nodes[0]?.proc.kill("SIGKILL");
      for (const n of [nodes[i % 2], nodes[(i + 1) % 2]]) {
        try {
          const r = await fetch(`${n?.url}/api/v1/me`, {
            headers: { authorization: `Bearer ${t.accessToken}` },
          });
          assert.equal(r.status, 200);
          const j = (await r.json()) as { data: { locations: { id: string }[] } };
          assert.equal(j.data.locations[0]?.id, loc.id);
          answered++;
          break;
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          failovers++; // connection refused on the killed node: the client tries the other one
        }
      }
    }
    assert.equal(answered, total);
    assert.ok(failovers > 0, "the killed node was really gone");
    report({
      row: "SIGKILL of one of two nodes (API reads)",
      dialect: "postgres",
      lost: total - answered,
      duplicated: 0,
      recovered: failovers,
    });
  });

  it("api-only and worker-only nodes run together; NOTIFY crosses nodes", async () => {
    const db = await makeTestStore("postgres");
    after(() => db.cleanup());
    const api = await spawnServer({ ...db.env, ROLE: "api" });
    const worker = await spawnServer({ ...db.env, ROLE: "worker" });
    after(() => {
      for (const n of [api, worker]) n.proc.kill("SIGKILL");
    });
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    assert.equal(worker.url, "", "a worker node opens no HTTP listener");
    assert.equal(worker.proc.exitCode, null);

    // Two stores with their own pools stand for two nodes: NOTIFY on one wakes the other.
    const other = await openPostgresStore({ url: db.env.DATABASE_URL ?? "", poolSize: 2 });
    after(() => other.close());
    const got = new Promise<string>((resolve) => void other.listen("faults_wake", resolve));
    await new Promise((r) => setTimeout(r, 200));
    await db.store.notify("faults_wake", "hello");
    assert.equal(await got, "hello");
  });
});
