import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { MAX_INBOUND_BODY, MAX_INBOUND_SENDER } from "../../src/messages/record-inbound.js";
import { makeApiToken } from "../helpers/oauth.js";
import { setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { registerDevice, type TestDevice } from "./device.js";

// I1: inbound text and sender are capped without losing the SMS (stored truncated, flagged in `error`);
// the ingest endpoint answers an unknown device and a bad signature alike; a `new_message` webhook
// (which carries message text) needs `messages:read` besides `webhooks:write`.

type Json = Record<string, unknown>;

forEachDialect("I1 inbound caps, ingest answers, new_message scope", (dialect) => {
  let s: TestServer;
  let ctx: Ctx;
  let userId = "";
  let locationId = "";
  let device: TestDevice;
  before(async () => {
    s = await startTestServer(dialect);
    ({ ctx, userId, locationId } = await setupTenant(s));
    device = await registerDevice(s, ctx, locationId);
  });
  after(async () => s.close());

  const sms = (message: string, sender: string) =>
    JSON.stringify({
      id: randomUUID(),
      event: "sms:received",
      deviceId: device.id,
      payload: { message, sender, receivedAt: new Date().toISOString() },
    });

  it("I1 a 900 KB inbound SMS is stored cut to 10,000 characters and flagged; a long sender to 64", async () => {
    const text = "A".repeat(900_000);
    const sender = `+1415555${"9".repeat(200)}`;
    const res = await device.ingest(sms(text, sender));
    assert.equal(res.status, 200, await res.clone().text());
    const { messageId } = (await res.json()) as { messageId: string };
    const t = await makeApiToken(ctx, { userId, locationIds: [locationId] });
    const r = await fetch(`${s.url}/api/v1/messages/${messageId}`, {
      headers: { authorization: `Bearer ${t.accessToken}` },
    });
    const m = (await r.json()) as Json;
    assert.equal(r.status, 200, JSON.stringify(m).slice(0, 300));
    assert.equal((m.message as string).length, MAX_INBOUND_BODY);
    assert.equal((m.phone as string).length, MAX_INBOUND_SENDER);
    assert.match(m.error as string, /text truncated from 900000 characters/);
    assert.match(m.error as string, /sender truncated from 208 characters/);

    const short = await device.ingest(sms("Hello", "+14155550100"));
    const id = ((await short.json()) as { messageId: string }).messageId;
    const row = await s.db.store.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.body, row.error], ["Hello", null]);
  });

  it("I1 ingest answers an unknown device and a bad signature with the same 401", async () => {
    const raw = sms("Hi", "+14155550100");
    const ts = String(Math.floor(Date.now() / 1000));
    const post = async (id: string, key: string) => {
      const r = await fetch(`${s.url}/api/mobile/v1/ingest/${id}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-timestamp": ts,
          "x-signature": createHmac("sha256", key)
            .update(raw + ts)
            .digest("hex"),
        },
        body: raw,
      });
      return { status: r.status, body: (await r.json()) as Json };
    };
    const unknown = await post("dev_00000000000000000000000000", "whatever");
    const badSig = await post(device.id, "not the signing key");
    assert.equal(unknown.status, 401);
    assert.deepEqual(
      [badSig.status, badSig.body.error, badSig.body.message],
      [401, unknown.body.error, unknown.body.message],
    );
  });

  it("I1 a new_message subscription needs messages:read (403 insufficient_scope naming it); message_status does not", async () => {
    const subscribe = async (token: string, event: string) => {
      const r = await fetch(`${s.url}/api/v1/webhooks/subscribe`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ targetUrl: "http://127.0.0.1:9/hook", event, locationId }),
      });
      return { status: r.status, body: (await r.json()) as Json };
    };
    const writeOnly = await makeApiToken(ctx, {
      userId,
      locationIds: [locationId],
      scopes: ["webhooks:write"],
    });
    const refused = await subscribe(writeOnly.accessToken, "new_message");
    assert.deepEqual([refused.status, refused.body.error], [403, "insufficient_scope"]);
    assert.match(refused.body.message as string, /messages:read/);
    assert.equal((await subscribe(writeOnly.accessToken, "message_status")).status, 200);

    const both = await makeApiToken(ctx, {
      userId,
      locationIds: [locationId],
      scopes: ["webhooks:write", "messages:read"],
    });
    const ok = await subscribe(both.accessToken, "new_message");
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match(ok.body.webhook_id as string, /^wh_/);
  });
});
