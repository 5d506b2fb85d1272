/**
 * Multi-node on PostgreSQL: processes sharing one schema serve the same client; SIGKILL of either
 * loses no request the client retries on the other (a reverse proxy does the same with
 * `proxy_next_upstream`). Also: an api-only and a worker-only node run side by side, and a NOTIFY
 * from one node wakes a listener on another. And sends: a client sending through both nodes (retrying
 * on the other with the same Idempotency-Key) while one is SIGKILLed; a phone on the surviving node
 * sends every accepted message exactly once, woken across nodes.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createPairing } from "../../src/devices/index.js";
import { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { waitFor } from "../helpers/phone.js";
import { type ChildServer, spawnServer } from "../helpers/server.js";
import { makeTestStore, PG_URL, type TestStore } from "../helpers/store.js";
import { FULL, report } from "./report.js";

/** Kill the nodes and wait for them to exit before dropping the schema (live locks deadlock DROP). */
async function stopAll(nodes: ChildServer[], db: TestStore): Promise<void> {
  for (const n of nodes) n.proc.kill("SIGKILL");
  await Promise.all(nodes.map((n) => n.exited.catch(() => undefined)));
  await db.cleanup();
}

const LIFT = { RATE_LIMIT_PER_MINUTE: "1000000", RATE_LIMIT_PER_LOCATION_PER_MINUTE: "1000000" };

describe("faults: two nodes on one PostgreSQL schema [postgres]", {
  skip: !PG_URL && "TEST_DATABASE_URL not set",
}, () => {
  it("a client using both nodes loses nothing when one is SIGKILLed mid-run", async () => {
    const db = await makeTestStore("postgres");
    const ctx = ctxFor(db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
    const nodes = [await spawnServer({ ...db.env, ...LIFT }), await spawnServer({ ...db.env, ...LIFT })];
    after(() => stopAll(nodes, db));
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
    const api = await spawnServer({ ...db.env, ROLE: "api" });
    const worker = await spawnServer({ ...db.env, ROLE: "worker" });
    after(() => stopAll([api, worker], db));
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

  it("sends through both nodes while one is SIGKILLed: every accepted message sent once by a phone", async () => {
    const db = await makeTestStore("postgres");
    const ctx = ctxFor(db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
    const env = { ...db.env, ...LIFT, DEVICE_LEASE_SECONDS: "5" };
    const nodes = [await spawnServer(env), await spawnServer(env)];
    let phone: SimulatedPhone | undefined;
    // One hook, in order: the phone and both nodes are gone before the schema is dropped (a live node
    // holding locks would deadlock the DROP).
    after(async () => {
      await phone?.stop();
      await stopAll(nodes, db);
    });
    // The phone talks to the node that survives; messages accepted by the other reach it by NOTIFY.
    const survivor = nodes[1];
    const pairing = await createPairing({ ctx, input: { locationId: loc.id, ttlMs: 600_000 } });
    phone = new SimulatedPhone({ server: survivor?.url ?? "", sendDelayMs: 5, deliverDelayMs: 5 });
    await phone.register({ token: pairing.token });
    await phone.start();

    const total = FULL ? 2000 : 200;
    const accepted = new Set<string>();
    let failovers = 0;
    for (let i = 0; i < total; i++) {
      if (i === total / 2) nodes[0]?.proc.kill("SIGKILL");
      const body = JSON.stringify({ phone: "+14155552671", locationId: loc.id, message: `multi ${i}` });
      for (const n of [nodes[i % 2], nodes[(i + 1) % 2]]) {
        try {
          const r = await fetch(`${n?.url}/api/v1/messages`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${t.accessToken}`,
              "content-type": "application/json",
              "idempotency-key": `multi-${i}`,
            },
            body,
          });
          assert.equal(r.status, 200);
          accepted.add(String(((await r.json()) as { id: string }).id));
          break;
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
          failovers++;
        }
      }
    }
    assert.equal(accepted.size, total, "every message accepted once, whichever node answered");
    await waitFor(
      () =>
        accepted.size ===
        new Set((phone as SimulatedPhone).sent.map((m) => m.id).filter((id) => accepted.has(id))).size,
      60_000,
      "the phone to send every accepted message",
    );
    const sent = (phone as SimulatedPhone).sent.map((m) => m.id).filter((id) => accepted.has(id));
    const duplicated = sent.length - new Set(sent).size;
    assert.equal(duplicated, 0);
    assert.ok(failovers > 0, "the killed node was really gone");
    report({
      row: "SIGKILL of one of two nodes (sends, phone on the other)",
      dialect: "postgres",
      lost: total - new Set(sent).size,
      duplicated,
      recovered: failovers,
    });
  });
});
