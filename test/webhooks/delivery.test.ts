import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { recordInbound, transitionMessage } from "../../src/messages/index.js";
import { revokeGrant } from "../../src/oauth/index.js";
import { webhooks as repo } from "../../src/store/repos/index.js";
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
  last_error: string | null;
  attempt_log: { attempt: number; status_code: number | null; error: string | null; duration_ms: number }[];
};

forEachDialect("webhook delivery: signed POSTs, retries, 3xx, 410, timeout, fairness", (dialect) => {
  let s: TestServer;
  let userId: string;
  const receivers: Receiver[] = [];
  let seq = 0;

  before(async () => {
    s = await startTestServer(dialect, {
      RATE_LIMIT_PER_MINUTE: "10000",
      RATE_LIMIT_PER_LOCATION_PER_MINUTE: "10000",
      WEBHOOK_RETRY_SCHEDULE: "100ms,100ms",
      WEBHOOK_RETRY_JITTER: "0",
      WEBHOOK_TIMEOUT_MS: "1000",
      WEBHOOK_ENDPOINT_CONCURRENCY: "2",
      WEBHOOK_POLL_MS: "50",
    });
    userId = (await makeUser(ctxFor(s.db.store))).id;
  });
  after(async () => {
    await s.close();
    for (const r of receivers) await r.close();
  });

  /** A fresh location with a token that reaches it (tests stay independent). */
  async function fresh() {
    const ctx = ctxFor(s.db.store);
    const loc = (await makeLocation(ctx, userId)).id;
    const { accessToken, grantId } = await makeApiToken(ctx, { userId, locationIds: [loc] });
    const api = async (method: string, path: string, body?: unknown) => {
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
    const subscribe = async (url: string, event = "new_message") => {
      const r = await api("POST", "/webhooks/subscribe", { targetUrl: url, event, locationId: loc });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { webhook_id: string; secret: string };
    };
    const inbound = (body: string) =>
      recordInbound({
        ctx,
        input: {
          locationId: loc,
          phone: "+14155552671",
          body,
          receivedAt: Date.now(),
          dedupeKey: `k${++seq}`,
        },
      });
    const deliveries = async (id: string, query = "") =>
      (await api("GET", `/webhooks/${id}/deliveries${query}`)).body as {
        data: Delivery[];
        next_cursor: string | null;
      };
    return { loc, api, subscribe, inbound, deliveries, grantId };
  }

  async function receiver(): Promise<Receiver> {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  }

  it("new_message: one POST per subscription, verified with standardwebhooks, payload field by field", async () => {
    const f = await fresh();
    const rcv = await receiver();
    const sub = await f.subscribe(`${rcv.url}/hook`);
    const t0 = performance.now();
    const r = await f.inbound("Reply message text");
    assert.equal(r.deliveries, 1);
    await rcv.waitFor(1);
    const latencyMs = performance.now() - t0;
    const req = rcv.requests[0];
    assert.ok(req);
    assert.equal(req.path, "/hook");
    assert.match(req.headers["content-type"] ?? "", /^application\/json/);
    assert.match(req.headers["webhook-id"] ?? "", /^whd_[0-9a-z]{26}$/);
    // Throws unless the signature, id and timestamp check out.
    const payload = new Webhook(sub.secret).verify(req.body, req.headers) as Json;
    assert.equal(payload.event, "new_message");
    assert.equal(payload.id, r.message.id);
    assert.match(String(payload.id), /^msg_/);
    assert.equal(payload.phone_number, "+14155552671");
    assert.equal(payload.locationId, f.loc);
    assert.equal(payload.message, "Reply message text");
    assert.equal(payload.created_at, new Date(String(payload.created_at)).toISOString());
    assert.deepEqual(payload.attachments, []);
    // A wrong secret does not verify.
    assert.throws(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(req.body, req.headers),
    );
    process.stdout.write(`# ${dialect}: inbound commit to receiver ${latencyMs.toFixed(1)} ms\n`);

    const log = await eventually(async () => {
      const d = (await f.deliveries(sub.webhook_id)).data[0];
      return d?.status === "delivered" ? d : undefined;
    });
    assert.equal(log.id, req.headers["webhook-id"]);
    assert.equal(log.attempts, 1);
    assert.equal(log.next_attempt_at, null);
    assert.equal(log.attempt_log.length, 1);
    assert.equal(log.attempt_log[0]?.status_code, 200);
    assert.equal(typeof log.attempt_log[0]?.duration_ms, "number");
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /mycrmsim_webhook_attempts_total\{outcome="delivered"\} [1-9]/);
    assert.match(metrics, /mycrmsim_webhook_attempt_duration_seconds_count [1-9]/);
  });

  it("message_status: an outbound status change is delivered with the contract's fields", async () => {
    const f = await fresh();
    const rcv = await receiver();
    const sub = await f.subscribe(`${rcv.url}/status`, "message_status");
    const sent = await f.api("POST", "/messages", {
      phone: "+14155552671",
      locationId: f.loc,
      message: "Hello",
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    await transitionMessage({
      ctx: ctxFor(s.db.store),
      input: { messageId: String(sent.body.id), status: "failed", error: "SIM blocked", source: "system" },
    });
    await rcv.waitFor(1);
    const req = rcv.requests[0];
    assert.ok(req);
    const payload = new Webhook(sub.secret).verify(req.body, req.headers) as Json;
    assert.equal(payload.event, "message_status");
    assert.equal(payload.id, sent.body.id);
    assert.equal(payload.phone, "+14155552671");
    assert.equal(payload.locationId, f.loc);
    assert.equal(payload.status, "failed");
    assert.equal(payload.error, "SIM blocked");
    assert.equal(payload.updated_at, new Date(String(payload.updated_at)).toISOString());
  });

  it("a 500 is retried with the same webhook-id; the log shows both attempts", async () => {
    const f = await fresh();
    const rcv = await receiver();
    let n = 0;
    rcv.handler = (_req, res) => {
      n++;
      if (n === 1) res.writeHead(500).end("boom");
      else res.writeHead(204).end();
    };
    const sub = await f.subscribe(`${rcv.url}/flaky`);
    await f.inbound("retry me");
    await rcv.waitFor(2);
    const [a, b] = rcv.requests;
    assert.equal(a?.headers["webhook-id"], b?.headers["webhook-id"]);
    assert.equal(a?.body, b?.body);
    for (const req of [a, b]) new Webhook(sub.secret).verify(req?.body ?? "", req?.headers ?? {});
    const d = await eventually(async () => {
      const x = (await f.deliveries(sub.webhook_id)).data[0];
      return x?.status === "delivered" ? x : undefined;
    });
    assert.equal(d.attempts, 2);
    assert.deepEqual(
      d.attempt_log.map((l) => [l.attempt, l.status_code]),
      [
        [1, 500],
        [2, 204],
      ],
    );
    assert.equal(d.attempt_log[0]?.error, "HTTP 500");
  });

  it("a 3xx is a failure and is never followed; retries run out and the delivery is failed", async () => {
    const f = await fresh();
    const rcv = await receiver();
    rcv.handler = (req, res) => {
      if (req.path === "/moved") res.writeHead(302, { location: `${rcv.url}/elsewhere` }).end();
      else res.writeHead(200).end();
    };
    const sub = await f.subscribe(`${rcv.url}/moved`);
    await f.inbound("redirect me");
    const d = await eventually(async () => {
      const x = (await f.deliveries(sub.webhook_id)).data[0];
      return x?.status === "failed" ? x : undefined;
    });
    assert.equal(d.attempts, 3);
    assert.ok(d.attempt_log.every((l) => l.status_code === 302));
    assert.match(d.attempt_log[0]?.error ?? "", /redirect/);
    assert.match(d.last_error ?? "", /gave up/);
    assert.equal(
      rcv.requests.filter((r) => r.path === "/elsewhere").length,
      0,
      "the redirect target was requested",
    );
    assert.equal(rcv.requests.length, 3);
    // The endpoint is still active (three failures within seconds are not days of failure).
    assert.equal((await f.api("GET", `/webhooks/${sub.webhook_id}`)).body.status, "active");
  });

  it("410 Gone removes the subscription after one attempt; later events are not queued for it", async () => {
    const f = await fresh();
    const rcv = await receiver();
    rcv.handler = (_req, res) => {
      res.writeHead(410).end("gone");
    };
    const sub = await f.subscribe(`${rcv.url}/gone`);
    await f.inbound("first");
    await rcv.waitFor(1);
    await eventually(async () => (await f.api("GET", `/webhooks/${sub.webhook_id}`)).status === 404);
    const r = await f.inbound("second");
    assert.equal(r.deliveries, 0);
    assert.equal(rcv.requests.length, 1);
    const list = (await f.api("GET", `/webhooks?locationId=${f.loc}`)).body.data as Json[];
    assert.equal(list.length, 0);
  });

  it("a receiver that does not answer in time is a timeout (no status code), then retried", async () => {
    const f = await fresh();
    const rcv = await receiver();
    const held: { end(): void }[] = [];
    rcv.handler = (req, res) => {
      if (rcv.requests.indexOf(req) === 0) held.push(res);
      else res.writeHead(200).end();
    };
    const sub = await f.subscribe(`${rcv.url}/slow`);
    await f.inbound("take your time");
    const d = await eventually(async () => {
      const x = (await f.deliveries(sub.webhook_id)).data[0];
      return x?.status === "delivered" ? x : undefined;
    });
    assert.equal(d.attempts, 2);
    assert.equal(d.attempt_log[0]?.status_code, null);
    assert.match(d.attempt_log[0]?.error ?? "", /timeout|timed out/i);
    assert.ok((d.attempt_log[0]?.duration_ms ?? 0) >= 900, `duration ${d.attempt_log[0]?.duration_ms}`);
    assert.equal(d.attempt_log[1]?.status_code, 200);
  });

  it("per-endpoint cap: a slow receiver holds at most 2 in flight and does not hold up a fast one", async () => {
    const f = await fresh();
    const slow = await receiver();
    const fast = await receiver();
    const held: { writeHead(n: number): { end(): void } }[] = [];
    slow.handler = (_req, res) => {
      held.push(res);
    };
    await f.subscribe(`${slow.url}/slow`);
    await f.subscribe(`${fast.url}/fast`);
    for (let i = 0; i < 6; i++) await f.inbound(`burst ${i}`);
    await fast.waitFor(6);
    assert.equal(slow.requests.length, 2, "the slow endpoint got more than its cap");
    assert.equal(slow.maxOpen, 2);
    // Let the slow one go: the rest follows, never more than 2 at once.
    slow.handler = (_req, res) => {
      res.writeHead(200).end();
    };
    for (const res of held) res.writeHead(200).end();
    await eventually(async () => new Set(slow.requests.map((r) => r.headers["webhook-id"])).size === 6);
    assert.ok(slow.maxOpen <= 2, `max in flight ${slow.maxOpen}`);
    assert.equal(new Set(fast.requests.map((r) => r.headers["webhook-id"])).size, 6);
  });

  it("deliveries log: newest first, cursor pagination, status filter", async () => {
    const f = await fresh();
    const rcv = await receiver();
    const sub = await f.subscribe(`${rcv.url}/log`);
    for (let i = 0; i < 3; i++) await f.inbound(`log ${i}`);
    await rcv.waitFor(3);
    await eventually(async () => (await f.deliveries(sub.webhook_id, "?status=delivered")).data.length === 3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Delivery[]; next_cursor: string | null } = await f.deliveries(
        sub.webhook_id,
        `?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.equal(page.data.length, 1);
      seen.push(page.data[0]?.id ?? "");
      cursor = page.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 3);
    assert.deepEqual(seen, [...seen].sort().reverse());
    assert.deepEqual(new Set(seen), new Set(rcv.requests.map((r) => r.headers["webhook-id"])));
    assert.equal((await f.deliveries(sub.webhook_id, "?status=failed")).data.length, 0);
  });

  it("an app the user disconnected (grant revoked) gets no more events", async () => {
    const f = await fresh();
    const rcv = await receiver();
    await f.subscribe(`${rcv.url}/revoked`);
    assert.equal((await f.inbound("before")).deliveries, 1);
    await rcv.waitFor(1);
    await revokeGrant({ ctx: ctxFor(s.db.store), input: { userId, grantId: f.grantId } });
    assert.equal((await f.inbound("after")).deliveries, 0);
  });

  it("deleting a subscription stops its pending retries; subscribing again brings the same one back", async () => {
    const f = await fresh();
    const rcv = await receiver();
    rcv.handler = (_req, res) => {
      res.writeHead(503).end();
    };
    const sub = await f.subscribe(`${rcv.url}/deleted`);
    await f.inbound("will not be retried");
    await rcv.waitFor(1);
    const del = await f.api("DELETE", `/webhooks/${sub.webhook_id}`);
    assert.equal(del.status, 200);
    const [row] = await repo.deliveries.listForSubscription(s.db.store.db, {
      subscriptionId: sub.webhook_id,
      limit: 10,
    });
    // The first attempt may still be settling when DELETE lands; either way it ends failed, unsent again.
    await eventually(
      async () => (await repo.deliveries.byId(s.db.store.db, row?.id ?? ""))?.status === "failed",
    );
    const sent = rcv.requests.length;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(rcv.requests.length, sent, "a removed subscription was retried");
    assert.equal((await f.inbound("after delete")).deliveries, 0);
    const again = await f.subscribe(`${rcv.url}/deleted`);
    assert.equal(again.webhook_id, sub.webhook_id);
    assert.equal(again.secret, sub.secret);
    assert.equal((await f.inbound("back again")).deliveries, 1);
  });
});
