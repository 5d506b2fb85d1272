import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ManualClock, systemClock } from "../../src/core/clock.js";
import { newId } from "../../src/core/ids.js";
import { silentLogger } from "../../src/core/logger.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { webhooks as repo } from "../../src/store/repos/index.js";
import type { Store } from "../../src/store/types.js";
import { createDeliveryWorker, removeOldDeliveries, type WebhookOptions } from "../../src/webhooks/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, PG_URL, type TestStore } from "../helpers/store.js";
import { Receiver } from "./receiver.js";

/** The delivery job store on its own: claims, leases, fairness and fencing, with concurrent claimers. */
forEachDialect("webhook job store", (dialect) => {
  let t: TestStore;
  let loc: string;
  let n = 0;
  before(async () => {
    t = await makeTestStore(dialect);
    const ctx = ctxFor(t.store);
    loc = (await makeLocation(ctx, (await makeUser(ctx)).id)).id;
  });
  after(async () => {
    await t.cleanup();
  });

  async function subscription(targetUrl = "https://example.com/hook"): Promise<string> {
    const id = newId("webhook");
    await repo.subscriptions.insert(t.store.db, {
      id,
      client_id: "cli_test",
      user_id: "usr_test",
      grant_id: "gr_test",
      location_id: loc,
      event: "new_message",
      target_url: `${targetUrl}?${++n}`,
      secret: "whsec_dGVzdA==",
      status: "active",
      created_at: 1,
      updated_at: 1,
    });
    return id;
  }

  async function queue(subscriptionId: string, count: number, at = 1000): Promise<string[]> {
    const rows = Array.from({ length: count }, (_, i) => ({
      id: newId("delivery"),
      subscription_id: subscriptionId,
      location_id: loc,
      event: "new_message",
      payload: JSON.stringify({ i }),
      status: "pending",
      attempts: 0,
      retry_index: 0,
      next_attempt_at: at,
      created_at: at,
      updated_at: at,
    }));
    await repo.deliveries.insertMany(t.store.db, rows);
    return rows.map((r) => r.id);
  }

  const claim = (store: Store, now: number, limit: number, perEndpoint: number, token: string) =>
    store
      .transaction((tx) =>
        repo.deliveries.claim(tx, { now, limit, perEndpoint, leaseUntil: now + 60_000, token }),
      )
      .then((r) => r.rows);

  it("claims only due rows, at most perEndpoint per subscription, oldest first", async () => {
    const a = await subscription();
    const b = await subscription();
    const aIds = await queue(a, 10, 10_000);
    const bIds = await queue(b, 3, 10_000);
    await queue(b, 2, 50_000); // not due yet
    const first = await claim(t.store, 20_000, 100, 4, "w1");
    assert.deepEqual(
      first.filter((d) => d.subscription_id === a).map((d) => d.id),
      aIds.slice(0, 4),
    );
    assert.deepEqual(
      first.filter((d) => d.subscription_id === b).map((d) => d.id),
      bIds,
    );
    assert.ok(
      first.every((d) => d.attempts === 1 && d.lease_token === "w1" && d.target_url.startsWith("https://")),
    );
    // Both endpoints are at (or have nothing more due below) the cap: nothing more now.
    assert.equal((await claim(t.store, 20_000, 100, 4, "w2")).length, 0);
    // Settling one of a's frees one slot for a.
    const done = first.find((d) => d.subscription_id === a);
    assert.ok(done);
    assert.equal(
      await repo.deliveries.settle(t.store.db, done.id, "w1", { status: "delivered", updated_at: 20_001 }),
      true,
    );
    const next = await claim(t.store, 20_002, 100, 4, "w2");
    assert.deepEqual(
      next.map((d) => d.id),
      [aIds[4]],
    );
  });

  it("a lease that runs out makes the row claimable again; the old holder's settle is refused", async () => {
    const a = await subscription();
    const [id] = await queue(a, 1);
    const first = await claim(t.store, 1000, 10, 4, "old");
    assert.deepEqual(
      first.map((d) => d.id),
      [id],
    );
    assert.equal((await claim(t.store, 1000 + 59_999, 10, 4, "new")).filter((d) => d.id === id).length, 0);
    const again = await claim(t.store, 1000 + 60_000, 10, 4, "new");
    assert.deepEqual(
      again.map((d) => [d.id, d.attempts]),
      [[id, 2]],
    );
    assert.equal(
      await repo.deliveries.settle(t.store.db, id ?? "", "old", { status: "delivered", updated_at: 2 }),
      false,
    );
    assert.equal(
      await repo.deliveries.settle(t.store.db, id ?? "", "new", { status: "delivered", updated_at: 2 }),
      true,
    );
    assert.equal((await repo.deliveries.byId(t.store.db, id ?? ""))?.status, "delivered");
  });

  it("deliveries of a disabled subscription are not claimed", async () => {
    const a = await subscription();
    await queue(a, 2);
    await repo.subscriptions.update(t.store.db, a, { status: "disabled", updated_at: 2 });
    const got = await claim(t.store, 5000, 100, 4, "w");
    assert.equal(got.filter((d) => d.subscription_id === a).length, 0);
  });

  it("concurrent claimers never take the same row, and together keep the per-endpoint cap", async () => {
    // Other tests' rows are all leased or settled by now; use a fresh time far ahead.
    const now = 10_000_000;
    const subs = await Promise.all(Array.from({ length: 5 }, () => subscription()));
    for (const sub of subs) await queue(sub, 40, now - 1);
    // Several claimers at once (on PostgreSQL each on its own pooled connection, plus a second store
    // on the same schema standing in for another node).
    const stores: Store[] = [t.store];
    if (dialect === "postgres" && PG_URL) {
      const schema = new URL(t.env.DATABASE_URL ?? "").searchParams.get("options")?.split("=")[1] ?? "";
      stores.push(await openPostgresStore({ url: PG_URL, poolSize: 5, schema }));
    }
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => claim(stores[i % stores.length] as Store, now, 7, 3, `c${i}`)),
      );
      // Claimers that raced for the same rows skip them (SKIP LOCKED) and may come back short; the
      // worker's next claim fills up. Never more than the cap, never a row twice.
      results.push(await claim(t.store, now, 100, 3, "last"));
      const ids = results.flat().map((d) => d.id);
      assert.equal(new Set(ids).size, ids.length, "a row was claimed twice");
      const mine = results.flat().filter((d) => subs.includes(d.subscription_id));
      const per = new Map<string, number>();
      for (const d of mine) per.set(d.subscription_id, (per.get(d.subscription_id) ?? 0) + 1);
      assert.deepEqual(
        [...per.values()],
        subs.map(() => 3),
        "each endpoint holds exactly its cap",
      );
    } finally {
      for (const s of stores.slice(1)) await s.close();
    }
  });

  it("two workers (two nodes on PostgreSQL) deliver every event exactly once to a healthy receiver", async () => {
    // Earlier tests' rows point at example.com: take them out of the queue first.
    await t.store.db
      .updateTable("webhook_deliveries")
      .set({ status: "failed" })
      .where("status", "=", "pending")
      .execute();
    const rcv = await new Receiver().start();
    const stores: Store[] = [t.store];
    if (dialect === "postgres" && PG_URL) {
      const schema = new URL(t.env.DATABASE_URL ?? "").searchParams.get("options")?.split("=")[1] ?? "";
      stores.push(await openPostgresStore({ url: PG_URL, poolSize: 5, schema }));
    } else {
      stores.push(t.store);
    }
    const options: WebhookOptions = {
      timeoutMs: 5000,
      retryScheduleMs: [100],
      jitter: 0,
      retryAfterMaxMs: 1000,
      disableAfterMs: 86_400_000,
      perEndpoint: 4,
      concurrency: 8,
      leaseMs: 30_000,
      pollMs: 50,
    };
    const { createEgress } = await import("../../src/egress/index.js");
    const egress = createEgress({ allowPrivate: true });
    const workers = stores.map((store) =>
      createDeliveryWorker({ store, clock: systemClock, log: silentLogger, egress, options }),
    );
    try {
      const subs = [await subscription(`${rcv.url}/a`), await subscription(`${rcv.url}/b`)];
      for (const w of workers) w.start();
      const ids = [
        ...(await queue(subs[0] ?? "", 50, Date.now())),
        ...(await queue(subs[1] ?? "", 50, Date.now())),
      ];
      for (const w of workers) w.wake();
      await rcv.waitFor(100, 20_000);
      const got = rcv.requests.map((r) => r.headers["webhook-id"]);
      assert.equal(new Set(got).size, 100);
      assert.deepEqual(new Set(got), new Set(ids));
      assert.ok(rcv.maxOpen <= 8, `in flight at the receiver: ${rcv.maxOpen}`);
    } finally {
      for (const w of workers) await w.stop();
      await egress.close();
      await rcv.close();
      for (const s of stores.slice(1)) if (s !== t.store) await s.close();
    }
    assert.equal(rcv.requests.length, 100, "a delivery was sent twice");
  });

  it("shutdown: a POST that ends within the grace period is recorded; one that does not is handed back, claimable at once", async () => {
    await t.store.db
      .updateTable("webhook_deliveries")
      .set({ status: "failed" })
      .where("status", "=", "pending")
      .execute();
    const rcv = await new Receiver().start();
    const held: { writeHead(n: number): { end(): void } }[] = [];
    rcv.handler = (req, res) => {
      if (req.path.startsWith("/quick")) setTimeout(() => res.writeHead(200).end(), 100);
      else held.push(res);
    };
    const { createEgress } = await import("../../src/egress/index.js");
    const egress = createEgress({ allowPrivate: true });
    const options: WebhookOptions = {
      timeoutMs: 10_000,
      retryScheduleMs: [60_000],
      jitter: 0,
      retryAfterMaxMs: 1000,
      disableAfterMs: 86_400_000,
      perEndpoint: 4,
      concurrency: 8,
      leaseMs: 60_000,
      pollMs: 50,
    };
    const worker = createDeliveryWorker({
      store: t.store,
      clock: systemClock,
      log: silentLogger,
      egress,
      options,
      graceMs: 400,
    });
    try {
      const [quick] = await queue(await subscription(`${rcv.url}/quick`), 1, Date.now());
      const [stuck] = await queue(await subscription(`${rcv.url}/stuck`), 1, Date.now());
      worker.start();
      await rcv.waitFor(2);
      assert.equal(worker.inFlight, 2);
      const t0 = Date.now();
      await worker.stop();
      assert.ok(Date.now() - t0 < 2000, "stop waited past its grace period");
      const q = await repo.deliveries.byId(t.store.db, quick ?? "");
      assert.equal(q?.status, "delivered");
      const st = await repo.deliveries.byId(t.store.db, stuck ?? "");
      assert.equal(st?.status, "pending");
      assert.equal(st?.lease_until, null, "the unfinished delivery is still leased");
      // Claimable by another worker right away.
      const again = await claim(t.store, Date.now(), 10, 4, "next");
      assert.deepEqual(
        again.map((d) => d.id),
        [stuck],
      );
    } finally {
      for (const res of held) res.writeHead(200).end();
      await egress.close();
      await rcv.close();
    }
  });

  it("retention: finished deliveries older than the window go with their attempts; pending ones stay", async () => {
    const a = await subscription();
    const [oldDone, oldPending, newDone] = [...(await queue(a, 2, 1_000)), ...(await queue(a, 1, 5_000_000))];
    for (const id of [oldDone, newDone]) {
      await t.store.db
        .updateTable("webhook_deliveries")
        .set({ status: "delivered" })
        .where("id", "=", id ?? "")
        .execute();
      await repo.attempts.insert(t.store.db, {
        delivery_id: id ?? "",
        subscription_id: a,
        attempt: 1,
        started_at: 1,
        duration_ms: 1,
        status_code: 200,
        error: null,
        response_body: "ok",
      });
    }
    const ctx = ctxFor(t.store, new ManualClock(5_000_000 + 1000));
    const r = await removeOldDeliveries({ ctx, input: { limit: 1000, retentionMs: 1_000_000 } });
    assert.ok(r.removed >= 1);
    assert.equal(await repo.deliveries.byId(t.store.db, oldDone ?? ""), undefined);
    assert.equal((await repo.attempts.forDeliveries(t.store.db, [oldDone ?? ""])).length, 0);
    assert.equal((await repo.deliveries.byId(t.store.db, oldPending ?? ""))?.status, "pending");
    assert.equal((await repo.deliveries.byId(t.store.db, newDone ?? ""))?.status, "delivered");
    assert.equal((await repo.attempts.forDeliveries(t.store.db, [newDone ?? ""])).length, 1);
  });
});
