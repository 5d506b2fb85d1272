import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

type Json = Record<string, unknown>;

function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function json(r: Response): Promise<Json> {
  return (await r.json()) as Json;
}

async function expectError(r: Response, status: number, code: string, field?: string): Promise<Json> {
  const body = await json(r);
  assert.equal(r.status, status, JSON.stringify(body));
  assert.equal(body.error, code);
  assert.equal(typeof body.message, "string");
  assert.match(String(body.request_id), /^req_/);
  if (field) assert.equal(body.field, field, JSON.stringify(body));
  return body;
}

forEachDialect("webhooks API: subscriptions and their errors", (dialect) => {
  let s: TestServer;
  let strict: TestServer;
  let token: string;
  let strictToken: string;
  let otherClientToken: string;
  let noScope: string;
  let loc: string;
  let loc2: string;
  let foreign: string;
  const target = "https://hooks.example.com/a";

  before(async () => {
    s = await startTestServer(dialect, { RATE_LIMIT_PER_MINUTE: "10000" });
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    loc2 = (await makeLocation(ctx, u.id)).id;
    const other = await makeUser(ctx);
    foreign = (await makeLocation(ctx, other.id)).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc, loc2] })).accessToken;
    otherClientToken = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc, loc2] })).accessToken;
    noScope = (
      await makeApiToken(ctx, {
        userId: u.id,
        locationIds: [loc],
        scopes: ["messages:send", "messages:read"],
      })
    ).accessToken;
    // A server that refuses http and loopback targets, as in production.
    strict = await startTestServer(dialect, { ALLOW_PRIVATE_URLS: "false" });
    const sctx = ctxFor(strict.db.store);
    const su = await makeUser(sctx);
    const sloc = (await makeLocation(sctx, su.id)).id;
    strictToken = (await makeApiToken(sctx, { userId: su.id, locationIds: [sloc] })).accessToken;
    (strict as TestServer & { loc: string }).loc = sloc;
  });
  after(async () => {
    await s.close();
    await strict.close();
  });

  it("subscribe answers webhook_id and a whsec_ secret; the same key again gives the same id and secret", async () => {
    const r = await call(s.url, "POST", "/webhooks/subscribe", token, {
      targetUrl: target,
      event: "new_message",
      locationId: loc,
    });
    const a = await json(r);
    assert.equal(r.status, 200, JSON.stringify(a));
    assert.match(String(a.webhook_id), /^wh_[0-9a-z]{26}$/);
    assert.match(String(a.secret), /^whsec_[A-Za-z0-9+/=]{40,}$/);
    assert.equal(a.targetUrl, target);
    assert.equal(a.event, "new_message");
    assert.equal(a.locationId, loc);
    assert.equal(a.status, "active");
    const again = await json(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: target,
        event: "new_message",
        locationId: loc,
      }),
    );
    assert.equal(again.webhook_id, a.webhook_id);
    assert.equal(again.secret, a.secret);
    // Another event, URL, location or client is another subscription.
    const variants = [
      [token, { targetUrl: target, event: "message_status", locationId: loc }],
      [token, { targetUrl: `${target}?x=1`, event: "new_message", locationId: loc }],
      [token, { targetUrl: target, event: "new_message", locationId: loc2 }],
      [otherClientToken, { targetUrl: target, event: "new_message", locationId: loc }],
    ] as const;
    const ids = new Set([a.webhook_id]);
    for (const [t, body] of variants) {
      const v = await json(await call(s.url, "POST", "/webhooks/subscribe", t, body));
      assert.match(String(v.webhook_id), /^wh_/);
      ids.add(v.webhook_id);
    }
    assert.equal(ids.size, 5);
  });

  it("concurrent identical subscribes end with one subscription", async () => {
    const body = { targetUrl: "https://hooks.example.com/race", event: "new_message", locationId: loc };
    const rs = await Promise.all(
      Array.from({ length: 8 }, () => call(s.url, "POST", "/webhooks/subscribe", token, body)),
    );
    const ids = new Set<unknown>();
    for (const r of rs) {
      assert.equal(r.status, 200);
      ids.add((await json(r)).webhook_id);
    }
    assert.equal(ids.size, 1);
  });

  it("list, get and delete show only this client's subscriptions, without secrets", async () => {
    const mine = await json(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: "https://hooks.example.com/list",
        event: "message_status",
        locationId: loc2,
      }),
    );
    const theirs = await json(
      await call(s.url, "POST", "/webhooks/subscribe", otherClientToken, {
        targetUrl: "https://hooks.example.com/theirs",
        event: "new_message",
        locationId: loc2,
      }),
    );
    const list = await json(await call(s.url, "GET", "/webhooks", token));
    const data = list.data as Json[];
    assert.ok(data.some((w) => w.id === mine.webhook_id));
    assert.ok(!data.some((w) => w.id === theirs.webhook_id));
    assert.ok(data.every((w) => w.secret === undefined));
    const filtered = (await json(await call(s.url, "GET", `/webhooks?locationId=${loc2}`, token)))
      .data as Json[];
    assert.ok(filtered.length > 0 && filtered.every((w) => w.locationId === loc2));
    await expectError(
      await call(s.url, "GET", `/webhooks?locationId=${foreign}`, token),
      404,
      "location_not_found",
    );

    const one = await json(await call(s.url, "GET", `/webhooks/${mine.webhook_id}`, token));
    assert.equal(one.id, mine.webhook_id);
    assert.equal(one.targetUrl, "https://hooks.example.com/list");
    assert.equal(one.secret, undefined);
    await expectError(
      await call(s.url, "GET", `/webhooks/${theirs.webhook_id}`, token),
      404,
      "webhook_not_found",
    );
    await expectError(await call(s.url, "GET", "/webhooks/wh_nonexistent", token), 404, "webhook_not_found");
    await expectError(
      await call(s.url, "DELETE", `/webhooks/${theirs.webhook_id}`, token),
      404,
      "webhook_not_found",
    );
    await expectError(
      await call(s.url, "GET", `/webhooks/${theirs.webhook_id}/deliveries`, token),
      404,
      "webhook_not_found",
    );
    await expectError(
      await call(s.url, "POST", `/webhooks/${theirs.webhook_id}/replay`, token, {
        since: new Date().toISOString(),
      }),
      404,
      "webhook_not_found",
    );
    // Theirs is untouched.
    assert.equal((await call(s.url, "GET", `/webhooks/${theirs.webhook_id}`, otherClientToken)).status, 200);

    const del = await call(s.url, "DELETE", `/webhooks/${mine.webhook_id}`, token);
    assert.equal(del.status, 200);
    assert.deepEqual(await json(del), { success: true });
    await expectError(
      await call(s.url, "GET", `/webhooks/${mine.webhook_id}`, token),
      404,
      "webhook_not_found",
    );
    await expectError(
      await call(s.url, "DELETE", `/webhooks/${mine.webhook_id}`, token),
      404,
      "webhook_not_found",
    );
  });

  it("unsubscribe answers success, is idempotent, and never touches another client's webhook", async () => {
    const body = { targetUrl: "https://hooks.example.com/unsub", event: "new_message", locationId: loc };
    const sub = await json(await call(s.url, "POST", "/webhooks/subscribe", token, body));
    const theirs = await json(await call(s.url, "POST", "/webhooks/subscribe", otherClientToken, body));
    assert.notEqual(sub.webhook_id, theirs.webhook_id);

    // Another client's id: success (nothing to tell), but theirs stays.
    const foreignTry = await call(s.url, "POST", "/webhooks/unsubscribe", token, {
      targetUrl: body.targetUrl,
      webhookId: theirs.webhook_id,
      locationId: loc,
    });
    assert.equal(foreignTry.status, 200);
    assert.equal((await json(foreignTry)).success, true);
    assert.equal((await call(s.url, "GET", `/webhooks/${theirs.webhook_id}`, otherClientToken)).status, 200);

    const unsub = { targetUrl: body.targetUrl, webhookId: sub.webhook_id, locationId: loc };
    const first = await call(s.url, "POST", "/webhooks/unsubscribe", token, unsub);
    assert.equal(first.status, 200);
    assert.deepEqual(await json(first), { success: true, removed: 1 });
    const second = await call(s.url, "POST", "/webhooks/unsubscribe", token, unsub);
    assert.equal(second.status, 200);
    assert.deepEqual(await json(second), { success: true, removed: 0 });
    const unknown = await call(s.url, "POST", "/webhooks/unsubscribe", token, {
      ...unsub,
      webhookId: "wh_gone",
    });
    assert.equal(unknown.status, 200);
    assert.equal((await json(unknown)).success, true);
    await expectError(
      await call(s.url, "GET", `/webhooks/${sub.webhook_id}`, token),
      404,
      "webhook_not_found",
    );

    // Subscribing again brings the same subscription back.
    const back = await json(await call(s.url, "POST", "/webhooks/subscribe", token, body));
    assert.equal(back.webhook_id, sub.webhook_id);
    assert.equal(back.status, "active");
    // By URL alone (no webhookId) also works.
    const byUrl = await call(s.url, "POST", "/webhooks/unsubscribe", token, {
      targetUrl: body.targetUrl,
      locationId: loc,
    });
    assert.deepEqual(await json(byUrl), { success: true, removed: 1 });
  });

  it("401 without or with a bad token, 403 without webhooks:write, on every endpoint", async () => {
    const sub = await json(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: "https://hooks.example.com/auth",
        event: "new_message",
        locationId: loc,
      }),
    );
    const id = String(sub.webhook_id);
    const endpoints: [string, string, unknown?][] = [
      ["POST", "/webhooks/subscribe", { targetUrl: target, event: "new_message", locationId: loc }],
      ["POST", "/webhooks/unsubscribe", { targetUrl: target, webhookId: id, locationId: loc }],
      ["GET", "/webhooks"],
      ["GET", `/webhooks/${id}`],
      ["DELETE", `/webhooks/${id}`],
      ["GET", `/webhooks/${id}/deliveries`],
      ["POST", `/webhooks/${id}/replay`, { since: "2026-01-01T00:00:00Z" }],
    ];
    for (const [method, path, body] of endpoints) {
      const none = await call(s.url, method, path, undefined, body);
      await expectError(none, 401, "unauthorized");
      assert.equal(none.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
      await expectError(await call(s.url, method, path, "mcs_at_bogus", body), 401, "unauthorized");
      await expectError(await call(s.url, method, path, noScope, body), 403, "insufficient_scope");
    }
    // Nothing was removed by the refused calls.
    assert.equal((await call(s.url, "GET", `/webhooks/${id}`, token)).status, 200);
  });

  it("400s: bad JSON, missing and wrong-typed fields named, invalid event, invalid URL; 404 foreign location", async () => {
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, "{not json"),
      400,
      "invalid_request",
      "body",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, { event: "new_message", locationId: loc }),
      400,
      "invalid_request",
      "targetUrl",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: 42,
        event: "new_message",
        locationId: loc,
      }),
      400,
      "invalid_request",
      "targetUrl",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: target,
        event: 7,
        locationId: loc,
      }),
      400,
      "invalid_request",
      "event",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: target,
        event: "new_message",
        locationId: 5,
      }),
      400,
      "invalid_request",
      "locationId",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: target,
        event: "sms_sent",
        locationId: loc,
      }),
      400,
      "invalid_event",
      "event",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: "not a url",
        event: "new_message",
        locationId: loc,
      }),
      400,
      "invalid_target_url",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: target,
        event: "new_message",
        locationId: foreign,
      }),
      404,
      "location_not_found",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: target,
        event: "new_message",
        locationId: "loc_doesnotexist",
      }),
      404,
      "location_not_found",
    );
    // Unsubscribe.
    await expectError(
      await call(s.url, "POST", "/webhooks/unsubscribe", token, "[1,"),
      400,
      "invalid_request",
      "body",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/unsubscribe", token, {
        targetUrl: target,
        webhookId: 1,
        locationId: loc,
      }),
      400,
      "invalid_request",
      "webhookId",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/unsubscribe", token, { targetUrl: target, webhookId: "wh_x" }),
      400,
      "invalid_request",
      "locationId",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/unsubscribe", token, { locationId: loc }),
      400,
      "invalid_request",
      "webhookId",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/unsubscribe", token, {
        targetUrl: target,
        webhookId: "wh_x",
        locationId: foreign,
      }),
      404,
      "location_not_found",
    );
    // Replay and deliveries.
    const sub = await json(
      await call(s.url, "POST", "/webhooks/subscribe", token, {
        targetUrl: "https://hooks.example.com/errors",
        event: "new_message",
        locationId: loc,
      }),
    );
    const id = String(sub.webhook_id);
    await expectError(
      await call(s.url, "POST", `/webhooks/${id}/replay`, token, "nope"),
      400,
      "invalid_request",
      "body",
    );
    await expectError(
      await call(s.url, "POST", `/webhooks/${id}/replay`, token, {}),
      400,
      "invalid_request",
      "since",
    );
    await expectError(
      await call(s.url, "POST", `/webhooks/${id}/replay`, token, { since: 12 }),
      400,
      "invalid_request",
      "since",
    );
    await expectError(
      await call(s.url, "POST", `/webhooks/${id}/replay`, token, { since: "yesterday-ish" }),
      400,
      "invalid_request",
      "since",
    );
    await expectError(
      await call(s.url, "GET", `/webhooks/${id}/deliveries?limit=0`, token),
      400,
      "invalid_request",
      "querystring.limit",
    );
    await expectError(
      await call(s.url, "GET", `/webhooks/${id}/deliveries?cursor=garbage`, token),
      400,
      "invalid_request",
      "cursor",
    );
  });

  it("with ALLOW_PRIVATE_URLS=false: http and loopback targets are refused with invalid_target_url", async () => {
    const sloc = (strict as TestServer & { loc: string }).loc;
    for (const url of [
      "http://hooks.example.com/a",
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "https://[::1]/hook",
      "https://user:pass@hooks.example.com/a",
      "https://169.254.169.254/latest",
    ]) {
      const body = await expectError(
        await call(strict.url, "POST", "/webhooks/subscribe", strictToken, {
          targetUrl: url,
          event: "new_message",
          locationId: sloc,
        }),
        400,
        "invalid_target_url",
      );
      assert.ok(String(body.message).length > 0);
    }
    const list = await json(await call(strict.url, "GET", "/webhooks", strictToken));
    assert.deepEqual(list.data, []);
  });
});
