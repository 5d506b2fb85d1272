import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { mobile, setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient } from "../helpers/web.js";
import { registerDevice } from "./device.js";

/**
 * L1: PostgreSQL cannot store U+0000 and its bigint has a range; neither may turn into a 500. NUL is a
 * 400 naming the field on API routes and dashboard forms, and is dropped from inbound SMS (kept).
 */
forEachDialect("L1 NUL characters and out-of-range numbers", (dialect) => {
  let s: TestServer;
  let ctx: Ctx;
  let locationId: string;
  let token: string;
  before(async () => {
    s = await startTestServer(dialect);
    let userId: string;
    ({ ctx, userId, locationId } = await setupTenant(s));
    ({ accessToken: token } = await makeApiToken(ctx, { userId, locationIds: [locationId] }));
  });
  after(async () => s.close());

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("L1 NUL in message text is a 400 naming message", async () => {
    const r = await api("POST", "/api/v1/messages", {
      phone: "+14155552671",
      locationId,
      message: "a\u0000b",
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.field, "message");
    const nested = await api("POST", "/api/v1/messages", {
      phone: "+14155552671",
      locationId,
      attachments: ["https://example.com/a\u0000.png"],
    });
    assert.equal(nested.status, 400);
    assert.equal(nested.body.field, "attachments[0]");
    // A key with a NUL is refused too.
    const key = await api("POST", "/api/v1/messages", { phone: "+14155552671", locationId, "x\u0000": 1 });
    assert.equal(key.status, 400);
  });

  it("L1 NUL in a webhook URL is a 400 naming targetUrl", async () => {
    const r = await api("POST", "/api/v1/webhooks/subscribe", {
      targetUrl: "https://example.com/\u0000hook",
      event: "new_message",
      locationId,
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.field, "targetUrl");
  });

  it("L1 NUL in a query or path parameter is a 400 naming it", async () => {
    const q = await api("GET", "/api/v1/messages?locationId=%00");
    assert.equal(q.status, 400);
    assert.equal(q.body.field, "locationId");
    const p = await api("GET", "/api/v1/messages/msg_%00");
    assert.equal(p.status, 400);
    assert.equal(p.body.field, "id");
    const w = await api("GET", "/api/v1/webhooks/%00");
    assert.equal(w.status, 400);
  });

  it("L1 since beyond the Date range (1e20, 20 digits, 40 digits) is a 400 naming since", async () => {
    for (const since of ["1e20", "9999999999999999999", "9".repeat(40), "8640000000000001"]) {
      const r = await api("GET", `/api/v1/messages?since=${since}`);
      assert.equal(r.status, 400, since);
      assert.equal(r.body.field, "since", since);
    }
    assert.equal((await api("GET", "/api/v1/messages?since=8640000000000000")).status, 200);
    assert.equal((await api("GET", "/api/v1/messages?since=2024-01-01T00:00:00Z")).status, 200);
    const huge = await api("GET", `/api/v1/messages?limit=${"9".repeat(400)}`);
    assert.equal(huge.status, 400);
  });

  it("L1 NUL in client_id on /oauth/authorize is a 400, not a 500", async () => {
    const r = await fetch(`${s.url}/oauth/authorize?client_id=%00&redirect_uri=x&response_type=code`, {
      redirect: "manual",
    });
    assert.equal(r.status, 400);
  });

  it("L1 NUL in the sign-in email and in a dashboard form is a 400", async () => {
    const user = await makeUser(ctx, { email: `nul-${dialect}@example.com` });
    await makeLocation(ctx, user.id);
    const admin = new FormClient(s.url);
    const signedIn = await admin.post("/signin", {
      _csrf: await admin.csrf("/signin"),
      email: user.email,
      password: user.password,
    });
    assert.equal(signedIn.status, 303);
    const signin = new FormClient(s.url);
    const csrf = await signin.csrf("/signin");
    const r = await signin.post("/signin", {
      _csrf: csrf,
      email: "a\u0000@example.com",
      password: "whatever it is",
    });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /email/);
    const formCsrf = await admin.csrf("/locations");
    const loc = await admin.post("/locations", { _csrf: formCsrf, name: "Bad\u0000name", time_zone: "UTC" });
    assert.equal(loc.status, 400);
    assert.match(await loc.text(), /name/);
  });

  it("L1 an inbound SMS with NUL is stored without it (never lost); a phone's report with NUL is kept", async () => {
    const device = await registerDevice(s, ctx, locationId);
    const raw = JSON.stringify({
      id: randomUUID(),
      webhookId: "w",
      event: "sms:received",
      deviceId: device.id,
      payload: { message: "Hi\u0000there", sender: "+14155550100", receivedAt: new Date().toISOString() },
    });
    const res = await device.ingest(raw);
    assert.equal(res.status, 200, await res.clone().text());
    const { messageId } = (await res.json()) as { messageId: string };
    const stored = await api("GET", `/api/v1/messages/${messageId}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.body.message, "Hithere");
    const patch = await mobile(s, "PATCH", "/device", {
      auth: `Bearer ${device.token}`,
      body: { id: device.id, pushToken: "tok\u0000en" },
    });
    assert.equal(patch.status, 204);
  });

  it("L1 signed ingest: NUL in ids and texts, and an out-of-range simNumber, are never a 500", async () => {
    const device = await registerDevice(s, ctx, locationId);
    const N = "a\u0000b";
    const cases: [string, Record<string, unknown>, string?][] = [
      ["sms:received", { message: N, sender: `+1415555${N}0101`, receivedAt: new Date().toISOString() }],
      ["sms:received", { message: "x", sender: "+14155550102", simNumber: 1e300 }],
      ["sms:received", { message: "x", sender: "+14155550103", simNumber: 1.5 }],
      ["sms:sent", { messageId: N }],
      ["sms:failed", { messageId: "msg_01jd3k7m9x2b4c6d8f0g1h2j3k", reason: N }],
      ["system:ping", { health: { batteryLevel: N }, version: N }],
      ["sms:delivered", { messageId: "msg_01jd3k7m9x2b4c6d8f0g1h2j3k" }, `${randomUUID()}\u0000`],
    ];
    for (const [event, payload, id] of cases) {
      const raw = JSON.stringify({ id: id ?? randomUUID(), event, deviceId: device.id, payload });
      const res = await device.ingest(raw);
      assert.ok(res.status < 500, `${event} ${JSON.stringify(payload)} → ${res.status} ${await res.text()}`);
    }
  });

  it("L1 lone surrogates are not a 500", async () => {
    const r = await api("POST", "/api/v1/messages", {
      phone: "+14155552671",
      locationId,
      message: "a\ud800b",
    });
    assert.ok(r.status < 500, String(r.status));
    const q = await api("GET", "/api/v1/messages?status=%ED%A0%80");
    assert.ok(q.status < 500, String(q.status));
  });
});
