import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { inTransaction } from "../../src/context.js";
import { ManualClock } from "../../src/core/clock.js";
import { recordInbound } from "../../src/messages/index.js";
import { webhooks as repo } from "../../src/store/repos/index.js";
import { emitEvent } from "../../src/webhooks/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { eventually, Receiver } from "./receiver.js";

type Json = Record<string, unknown>;
type Delivery = {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  attempt_log: { attempt: number; started_at: string; status_code: number | null }[];
};

/** Long waits on a manual clock: retry schedule, Retry-After, auto-disable, lease expiry. */
forEachDialect(
  "webhook delivery over time (manual clock): Retry-After, auto-disable, replay, leases",
  (dialect) => {
    let s: TestServer;
    let userId: string;
    const clock = new ManualClock();
    const receivers: Receiver[] = [];
    let seq = 0;

    before(async () => {
      s = await startTestServer(
        dialect,
        {
          RATE_LIMIT_PER_MINUTE: "10000",
          WEBHOOK_RETRY_SCHEDULE: "5s,1m,1m,1m,1m",
          WEBHOOK_RETRY_JITTER: "0",
          WEBHOOK_DISABLE_AFTER_SECONDS: "150",
          WEBHOOK_TIMEOUT_MS: "2000",
          WEBHOOK_POLL_MS: "50",
        },
        { clock },
      );
      userId = (await makeUser(ctxFor(s.db.store, clock))).id;
    });
    after(async () => {
      await s.close();
      for (const r of receivers) await r.close();
    });

    const wake = () => s.server.deps.wake("webhook-delivery");
    /** Move time on and let the worker look (it also polls every 50 ms). */
    const advance = (ms: number) => {
      clock.advance(ms);
      wake();
    };
    /** Some worker cycles pass (used only to show that nothing happens). */
    const idle = () => new Promise((r) => setTimeout(r, 250));

    /**
     * Wait until the worker has recorded `n` attempts: time may move on only after the next due time
     * is written (it is computed from the clock when the answer came).
     */
    const settled = (f: { deliveries(): Promise<Delivery[]> }, n: number) =>
      eventually(async () => (await f.deliveries())[0]?.attempt_log.length === n);

    async function fresh() {
      const ctx = ctxFor(s.db.store, clock);
      const loc = (await makeLocation(ctx, userId)).id;
      // One OAuth client (subscriptions belong to it); a fresh token per call, as time moves on.
      const { clientId } = await makeApiToken(ctx, { userId, locationIds: [loc] });
      const rcv = await new Receiver().start();
      receivers.push(rcv);
      const api = async (method: string, path: string, body?: unknown) => {
        // A token per call: the manual clock may have run past an earlier one's expiry.
        const { accessToken } = await makeApiToken(ctxFor(s.db.store, clock), {
          userId,
          locationIds: [loc],
          clientId,
        });
        const r = await fetch(`${s.url}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${accessToken}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: r.status, body: (await r.json()) as Json };
      };
      const sub = await api("POST", "/webhooks/subscribe", {
        targetUrl: `${rcv.url}/hook`,
        event: "new_message",
        locationId: loc,
      });
      const id = String(sub.body.webhook_id);
      const inbound = (body: string) =>
        recordInbound({
          ctx,
          input: {
            locationId: loc,
            phone: "+14155552671",
            body,
            receivedAt: clock.now(),
            dedupeKey: `s${++seq}`,
          },
        });
      const deliveries = async () => {
        const r = await api("GET", `/webhooks/${id}/deliveries`);
        return (r.body.data as Delivery[]) ?? [];
      };
      return { ctx, loc, rcv, api, id, inbound, deliveries };
    }

    it("429 with Retry-After: 120 holds the retry back 120 s (not the schedule's 5 s), same webhook-id", async () => {
      const f = await fresh();
      f.rcv.handler = (_req, res) => {
        if (f.rcv.requests.length === 1) res.writeHead(429, { "retry-after": "120" }).end("slow down");
        else res.writeHead(200).end();
      };
      await f.inbound("throttled");
      await f.rcv.waitFor(1);
      const d = await eventually(async () => {
        const x = (await f.deliveries())[0];
        // The log is read in two queries: wait until the delivery row shows the attempt too.
        return x?.attempt_log.length === 1 && x.last_status_code === 429 && x.next_attempt_at ? x : undefined;
      });
      const started = Date.parse(d.attempt_log[0]?.started_at ?? "");
      const next = Date.parse(d.next_attempt_at ?? "");
      assert.ok(next - started >= 120_000, `next attempt ${next - started} ms after the 429`);
      assert.ok(next - started < 125_000, `next attempt ${next - started} ms after the 429`);
      assert.equal(d.attempt_log[0]?.status_code, 429);
      advance(60_000);
      await idle();
      assert.equal(f.rcv.requests.length, 1, "retried before Retry-After");
      advance(61_000);
      await f.rcv.waitFor(2);
      assert.equal(f.rcv.requests[1]?.headers["webhook-id"], f.rcv.requests[0]?.headers["webhook-id"]);
      await eventually(async () => (await f.deliveries())[0]?.status === "delivered");
    });

    it("the retry schedule is followed: 5 s, then 1 min", async () => {
      const f = await fresh();
      f.rcv.handler = (_req, res) => {
        if (f.rcv.requests.length < 3) res.writeHead(503).end();
        else res.writeHead(200).end();
      };
      await f.inbound("scheduled");
      await f.rcv.waitFor(1);
      await settled(f, 1);
      advance(4_000);
      await idle();
      assert.equal(f.rcv.requests.length, 1, "retried before 5 s");
      advance(1_001);
      await f.rcv.waitFor(2);
      await settled(f, 2);
      advance(59_000);
      await idle();
      assert.equal(f.rcv.requests.length, 2, "retried before 1 min");
      advance(1_001);
      await f.rcv.waitFor(3);
      const d = await eventually(async () => {
        const x = (await f.deliveries())[0];
        return x?.status === "delivered" ? x : undefined;
      });
      const times = d.attempt_log.map((a) => Date.parse(a.started_at));
      assert.deepEqual(
        d.attempt_log.map((a) => a.status_code),
        [503, 503, 200],
      );
      assert.ok((times[1] ?? 0) - (times[0] ?? 0) >= 5_000);
      assert.ok((times[2] ?? 0) - (times[1] ?? 0) >= 60_000);
    });

    it("an endpoint failing for longer than WEBHOOK_DISABLE_AFTER_SECONDS is disabled, not deleted; replay re-enables and delivers", async () => {
      const t0 = clock.now();
      const f = await fresh();
      f.rcv.handler = (_req, res) => {
        res.writeHead(500).end("down");
      };
      await f.inbound("will be replayed");
      await f.rcv.waitFor(1);
      await settled(f, 1);
      advance(5_001);
      await f.rcv.waitFor(2);
      for (let n = 3; n <= 5; n++) {
        await settled(f, n - 1);
        advance(60_001);
        await f.rcv.waitFor(n);
      }
      // Failing for 5 + 60 + 60 + 60 s > 150 s at the fifth attempt: disabled.
      const sub = await eventually(async () => {
        const r = await f.api("GET", `/webhooks/${f.id}`);
        return r.body.status === "disabled" ? r.body : undefined;
      });
      assert.equal(sub.status_reason, "failing");
      assert.ok(sub.disabled_at);
      const d = (await f.deliveries())[0];
      assert.equal(d?.status, "failed");
      assert.match(d?.last_error ?? "", /disabled/);
      // Disabled: new events are not queued, nothing more is sent however long we wait.
      assert.equal((await f.inbound("while disabled")).deliveries, 0);
      advance(3_600_000);
      await idle();
      assert.equal(f.rcv.requests.length, 5);
      // Still listed (disabled, not deleted).
      const list = (await f.api("GET", "/webhooks")).body.data as Json[];
      assert.deepEqual(
        list.map((w) => [w.id, w.status]),
        [[f.id, "disabled"]],
      );

      // The receiver is fixed; replay since before the first event.
      f.rcv.handler = (_req, res) => {
        res.writeHead(200).end();
      };
      const replay = await f.api("POST", `/webhooks/${f.id}/replay`, { since: new Date(t0).toISOString() });
      assert.equal(replay.status, 200, JSON.stringify(replay.body));
      assert.equal(replay.body.success, true);
      assert.equal(replay.body.requeued, 1);
      assert.equal((replay.body.webhook as Json).status, "active");
      await f.rcv.waitFor(6);
      assert.equal(f.rcv.requests[5]?.headers["webhook-id"], f.rcv.requests[0]?.headers["webhook-id"]);
      const after = await eventually(async () => {
        const x = (await f.deliveries())[0];
        return x?.status === "delivered" ? x : undefined;
      });
      assert.equal(after.attempts, 6);
      // Enabled again: new events flow.
      assert.equal((await f.inbound("after replay")).deliveries, 1);
      await f.rcv.waitFor(7);
      // Replaying delivered ones only with includeDelivered.
      const none = await f.api("POST", `/webhooks/${f.id}/replay`, { since: new Date(t0).toISOString() });
      assert.equal(none.body.requeued, 0);
      await eventually(async () => (await f.deliveries()).every((x) => x.status === "delivered"));
      const all = await f.api("POST", `/webhooks/${f.id}/replay`, {
        since: new Date(t0).toISOString(),
        includeDelivered: true,
      });
      assert.equal(all.body.requeued, 2);
      await f.rcv.waitFor(9);
    });

    it("a crashed worker's claim comes back when its lease runs out and is delivered", async () => {
      const f = await fresh();
      // Queue an event and claim it in the same transaction, as a worker that then died would have.
      await inTransaction(f.ctx, async (tx) => {
        const n = await emitEvent({
          ctx: tx,
          input: {
            locationId: f.loc,
            event: "new_message",
            payload: { event: "new_message", id: "msg_crash" },
          },
        });
        assert.equal(n, 1);
        const claimed = await repo.deliveries.claim(tx.db, {
          now: clock.now(),
          limit: 10,
          perEndpoint: 4,
          leaseUntil: clock.now() + 45_000,
          token: "dead-worker",
        });
        assert.equal(claimed.rows.length, 1);
      });
      await idle();
      assert.equal(f.rcv.requests.length, 0, "a leased delivery was sent");
      advance(45_001);
      await f.rcv.waitFor(1);
      assert.deepEqual(JSON.parse(f.rcv.requests[0]?.body ?? ""), { event: "new_message", id: "msg_crash" });
      const d = await eventually(async () => {
        const x = (await f.deliveries())[0];
        return x?.status === "delivered" ? x : undefined;
      });
      // The dead worker's attempt counts; only the real POST is in the log.
      assert.equal(d.attempts, 2);
      assert.deepEqual(
        d.attempt_log.map((a) => [a.attempt, a.status_code]),
        [[2, 200]],
      );
      // The dead worker waking up later cannot overwrite the outcome (fenced by its lease token).
      const stale = await repo.deliveries.settle(s.db.store.db, d.id, "dead-worker", {
        status: "failed",
        updated_at: clock.now(),
      });
      assert.equal(stale, false);
      assert.equal((await f.deliveries())[0]?.status, "delivered");
    });
  },
);
