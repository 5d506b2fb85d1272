import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { WEBHOOK_EVENTS } from "../../src/webhooks/index.js";
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
    body: body === undefined ? undefined : JSON.stringify(body),
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

forEachDialect("webhooks API: device_status subscriptions", (dialect) => {
  let s: TestServer;
  let token: string;
  let noScope: string;
  let loc: string;
  let ungranted: string;
  let foreign: string;

  /** Subscriptions stored for a URL, whoever owns them (what a refused call must not have created). */
  const rowsFor = async (targetUrl: string) =>
    s.db.store.db
      .selectFrom("webhook_subscriptions")
      .select(["id", "event"])
      .where("target_url", "=", targetUrl)
      .execute();

  before(async () => {
    s = await startTestServer(dialect, { RATE_LIMIT_PER_MINUTE: "10000" });
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    // The user's own location that this connection was not granted.
    ungranted = (await makeLocation(ctx, u.id)).id;
    foreign = (await makeLocation(ctx, (await makeUser(ctx)).id)).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc] })).accessToken;
    noScope = (
      await makeApiToken(ctx, {
        userId: u.id,
        locationIds: [loc],
        scopes: ["locations:read", "messages:send", "messages:read"],
      })
    ).accessToken;
  });
  after(async () => {
    await s.close();
  });

  it("subscribes: webhook_id, whsec_ secret, event and location echoed; idempotent; apart from new_message; unsubscribes", async () => {
    const targetUrl = "https://hooks.example.com/phones";
    const body = { targetUrl, event: "device_status", locationId: loc };
    const r = await call(s.url, "POST", "/webhooks/subscribe", token, body);
    const a = await json(r);
    assert.equal(r.status, 200, JSON.stringify(a));
    assert.match(String(a.webhook_id), /^wh_[0-9a-z]{26}$/);
    assert.equal(a.id, a.webhook_id);
    assert.match(String(a.secret), /^whsec_[A-Za-z0-9+/=]{40,}$/);
    assert.equal(a.event, "device_status");
    assert.equal(a.locationId, loc);
    assert.equal(a.targetUrl, targetUrl);
    assert.equal(a.status, "active");

    const again = await json(await call(s.url, "POST", "/webhooks/subscribe", token, body));
    assert.equal(again.webhook_id, a.webhook_id);
    assert.equal(again.secret, a.secret);
    // The same URL and location for inbound SMS is another subscription.
    const inbound = await json(
      await call(s.url, "POST", "/webhooks/subscribe", token, { ...body, event: "new_message" }),
    );
    assert.match(String(inbound.webhook_id), /^wh_/);
    assert.notEqual(inbound.webhook_id, a.webhook_id);
    assert.deepEqual((await rowsFor(targetUrl)).map((w) => w.event).sort(), ["device_status", "new_message"]);

    const one = await json(await call(s.url, "GET", `/webhooks/${a.webhook_id}`, token));
    assert.equal(one.event, "device_status");
    assert.equal(one.secret, undefined);
    const listed = (await json(await call(s.url, "GET", `/webhooks?locationId=${loc}`, token)))
      .data as Json[];
    assert.equal(listed.find((w) => w.id === a.webhook_id)?.event, "device_status");
    const deliveries = await call(s.url, "GET", `/webhooks/${a.webhook_id}/deliveries`, token);
    assert.equal(deliveries.status, 200);
    assert.ok(Array.isArray((await json(deliveries)).data));

    const unsub = { targetUrl, webhookId: a.webhook_id, locationId: loc };
    assert.deepEqual(await json(await call(s.url, "POST", "/webhooks/unsubscribe", token, unsub)), {
      success: true,
      removed: 1,
    });
    assert.deepEqual(await json(await call(s.url, "POST", "/webhooks/unsubscribe", token, unsub)), {
      success: true,
      removed: 0,
    });
    await expectError(await call(s.url, "GET", `/webhooks/${a.webhook_id}`, token), 404, "webhook_not_found");
    // Only the device_status one went.
    assert.equal((await call(s.url, "GET", `/webhooks/${inbound.webhook_id}`, token)).status, 200);
  });

  it("401 without or with a bad token, 403 without webhooks:write; nothing is stored", async () => {
    const targetUrl = "https://hooks.example.com/phones-auth";
    const body = { targetUrl, event: "device_status", locationId: loc };
    const none = await call(s.url, "POST", "/webhooks/subscribe", undefined, body);
    await expectError(none, 401, "unauthorized");
    assert.equal(none.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", "mcs_at_bogus", body),
      401,
      "unauthorized",
    );
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", noScope, body),
      403,
      "insufficient_scope",
    );
    assert.deepEqual(await rowsFor(targetUrl), []);
  });

  it("a location of another tenant, one not granted, or none: 404 location_not_found; nothing is stored", async () => {
    const targetUrl = "https://hooks.example.com/phones-tenant";
    for (const locationId of [foreign, ungranted, "loc_doesnotexist"]) {
      await expectError(
        await call(s.url, "POST", "/webhooks/subscribe", token, {
          targetUrl,
          event: "device_status",
          locationId,
        }),
        404,
        "location_not_found",
      );
    }
    assert.deepEqual(await rowsFor(targetUrl), []);
  });

  it("an unknown event is 400 invalid_event naming every allowed event; a non-string is invalid_request", async () => {
    assert.ok(WEBHOOK_EVENTS.includes("device_status"));
    const targetUrl = "https://hooks.example.com/phones-events";
    for (const event of [
      "device_statuses",
      "Device_Status",
      "device-status",
      "device_status ",
      "phone_status",
      "",
    ]) {
      const body = await expectError(
        await call(s.url, "POST", "/webhooks/subscribe", token, { targetUrl, event, locationId: loc }),
        400,
        "invalid_event",
        "event",
      );
      for (const allowed of WEBHOOK_EVENTS)
        assert.match(String(body.message), new RegExp(`\\b${allowed}\\b`));
    }
    for (const event of [7, ["device_status"], null]) {
      await expectError(
        await call(s.url, "POST", "/webhooks/subscribe", token, { targetUrl, event, locationId: loc }),
        400,
        "invalid_request",
        "event",
      );
    }
    await expectError(
      await call(s.url, "POST", "/webhooks/subscribe", token, { targetUrl, locationId: loc }),
      400,
      "invalid_request",
      "event",
    );
    for (const bad of ["not a url", `https://hooks.example.com/${"x".repeat(2100)}`]) {
      await expectError(
        await call(s.url, "POST", "/webhooks/subscribe", token, {
          targetUrl: bad,
          event: "device_status",
          locationId: loc,
        }),
        400,
        "invalid_target_url",
      );
    }
    assert.deepEqual(await rowsFor(targetUrl), []);
  });

  it("/openapi.json and /docs describe device_status with the other events", async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Json>>;
    };
    type Schema = { properties: Record<string, { enum?: string[]; description?: string }> };
    const subscribe = doc.paths["/api/v1/webhooks/subscribe"]?.post as {
      requestBody: { content: Record<string, { schema: Schema }> };
      responses: Record<string, { content: Record<string, { schema: Schema }> }>;
    };
    const event = subscribe.requestBody.content["application/json"]?.schema.properties.event;
    for (const e of WEBHOOK_EVENTS) assert.match(String(event?.description), new RegExp(`\`${e}\``));
    for (const status of ["online", "offline", "battery_low", "push_only"])
      assert.match(String(event?.description), new RegExp(`\`${status}\``));
    const answered = subscribe.responses["200"]?.content["application/json"]?.schema.properties.event;
    assert.deepEqual(answered?.enum, [...WEBHOOK_EVENTS]);
    const one = doc.paths["/api/v1/webhooks/{id}"]?.get as typeof subscribe;
    assert.deepEqual(one.responses["200"]?.content["application/json"]?.schema.properties.event?.enum, [
      ...WEBHOOK_EVENTS,
    ]);

    const page = await (await fetch(`${s.url}/docs`)).text();
    assert.match(page, /device_status/);
  });
});
