import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { updatePacing } from "../../src/devices/index.js";
import { mobile, pairingFor, setupTenant, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

interface Settings {
  messages: Record<string, unknown>;
  webhooks: { signing_key: string; retry_count: number; internet_required: boolean };
  gateway: Record<string, unknown>;
  ping: { interval_seconds: number };
}

/** An SSE reader written here from the wire format (not our client): collects `event:` frames. */
function openStream(url: string, token: string) {
  const ac = new AbortController();
  const events: { event: string; data: string }[] = [];
  const ready = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    return res;
  })();
  const done = ready.then(async (res) => {
    if (!res.body) return;
    let buf = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString("utf8");
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          events.push({ event: ev ?? (frame.startsWith(":") ? frame : "message"), data: data ?? "" });
          i = buf.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  });
  return { ready, events, close: () => ac.abort(), done };
}

forEachDialect("SMSGate settings, webhooks, signed ingest and events", (dialect) => {
  let server: TestServer;
  let ctx: Ctx;
  let locationId: string;
  let device: { id: string; token: string };
  let settings: Settings;
  before(async () => {
    server = await startTestServer(dialect);
    ({ ctx, locationId } = await setupTenant(server));
    const p = await pairingFor(ctx, locationId);
    device = (await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: { name: "S" } }))
      .body as {
      id: string;
      token: string;
    };
    settings = (await mobile(server, "GET", "/settings", { auth: `Bearer ${device.token}` }))
      .body as Settings;
  });
  after(async () => server.close());

  it("settings carry a per-device signing key, SSE-only notifications and never cloud_url", async () => {
    assert.equal(typeof settings.webhooks.signing_key, "string");
    assert.ok(settings.webhooks.signing_key.length >= 32);
    // 14 attempts, 5 s doubling: about 22 h of retries, so a server outage of a day loses no SMS.
    assert.equal(settings.webhooks.retry_count, 14);
    assert.equal(settings.gateway.notification_channel, "SSE_ONLY");
    assert.equal("cloud_url" in settings.gateway, false);
    assert.equal(settings.messages.limit_period, "Disabled");
    const p = await pairingFor(ctx, locationId);
    const other = (await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: {} })).body as {
      token: string;
    };
    const s2 = (await mobile(server, "GET", "/settings", { auth: `Bearer ${other.token}` })).body as Settings;
    assert.notEqual(s2.webhooks.signing_key, settings.webhooks.signing_key);
    assert.equal((await mobile(server, "GET", "/settings")).status, 401);
  });

  it("pacing shows up in the phone's settings", async () => {
    await updatePacing({
      ctx,
      input: {
        deviceId: device.id,
        pacing: { perMinute: 5, perDay: 500, sendIntervalMin: 2, sendIntervalMax: 4 },
        onlineMs: 90_000,
      },
    });
    const s = (await mobile(server, "GET", "/settings", { auth: `Bearer ${device.token}` })).body as Settings;
    assert.deepEqual(
      { ...s.messages },
      {
        limit_period: "PerMinute",
        limit_value: 5,
        send_interval_min: 2,
        send_interval_max: 4,
        processing_order: "FIFO",
      },
    );
    await assert.rejects(
      updatePacing({ ctx, input: { deviceId: device.id, pacing: { perMinute: 0 }, onlineMs: 1 } }),
      /perMinute/,
    );
    // Cleared on the dashboard: the phone must hear null (a missing key keeps its old interval).
    await updatePacing({ ctx, input: { deviceId: device.id, pacing: {}, onlineMs: 90_000 } });
    const cleared = (await mobile(server, "GET", "/settings", { auth: `Bearer ${device.token}` }))
      .body as Settings;
    assert.deepEqual(
      { ...cleared.messages },
      {
        limit_period: "Disabled",
        send_interval_min: null,
        send_interval_max: null,
        processing_order: "FIFO",
      },
    );
  });

  it("webhooks point every SMS and MMS event and the health ping at our own ingest URL", async () => {
    const r = await mobile(server, "GET", "/webhooks", { auth: `Bearer ${device.token}` });
    assert.equal(r.status, 200);
    const hooks = r.body as { id: string; deviceId: string; url: string; event: string }[];
    assert.deepEqual(hooks.map((h) => h.event).sort(), [
      "mms:downloaded",
      "sms:delivered",
      "sms:failed",
      "sms:received",
      "sms:sent",
      "system:ping",
    ]);
    for (const h of hooks) {
      assert.equal(h.deviceId, device.id);
      assert.equal(h.url, `${server.url}/api/mobile/v1/ingest/${device.id}`);
    }
  });

  const post = async (body: string, headers: Record<string, string>) => {
    const res = await fetch(`${server.url}/api/mobile/v1/ingest/${device.id}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sign = (body: string, ts: string, key = settings.webhooks.signing_key) =>
    createHmac("sha256", key)
      .update(body + ts)
      .digest("hex");

  it("ingest accepts a correctly signed envelope once and de-duplicates a replay", async () => {
    const body = JSON.stringify({
      id: randomUUID(),
      webhookId: "w",
      event: "system:ping",
      deviceId: device.id,
      payload: {},
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const first = await post(body, { "x-signature": sign(body, ts), "x-timestamp": ts });
    assert.equal(first.status, 200);
    assert.equal(first.body.duplicate, false);
    const replay = await post(body, { "x-signature": sign(body, ts), "x-timestamp": ts });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.duplicate, true);
  });

  it("ingest refuses a bad signature, a stale or future timestamp, missing headers and unknown devices", async () => {
    const body = JSON.stringify({
      id: randomUUID(),
      webhookId: "w",
      event: "sms:received",
      deviceId: device.id,
      payload: {},
    });
    const now = Math.floor(Date.now() / 1000);
    const ts = String(now);
    assert.equal(
      (await post(body, { "x-signature": sign(body, ts, "wrong-key"), "x-timestamp": ts })).status,
      401,
    );
    assert.equal((await post(body, { "x-signature": "00", "x-timestamp": ts })).status, 401);
    const stale = String(now - 600);
    assert.equal((await post(body, { "x-signature": sign(body, stale), "x-timestamp": stale })).status, 401);
    const future = String(now + 600);
    assert.equal(
      (await post(body, { "x-signature": sign(body, future), "x-timestamp": future })).status,
      401,
    );
    assert.equal((await post(body, {})).status, 401);
    // The body the signature covers must be exactly the bytes sent.
    const tampered = body.replace("sms:received", "sms:delivered");
    assert.equal((await post(tampered, { "x-signature": sign(body, ts), "x-timestamp": ts })).status, 401);
    const res = await fetch(`${server.url}/api/mobile/v1/ingest/dev_unknown`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": sign(body, ts), "x-timestamp": ts },
      body,
    });
    assert.equal(res.status, 401);
  });

  it("SSE: MessageEnqueued (data null) wakes this location's phones only; SettingsUpdated on pacing change", async () => {
    const p = await pairingFor(ctx, (await setupTenant(server)).locationId);
    const stranger = (await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: {} }))
      .body as {
      token: string;
    };
    const mine = openStream(`${server.url}/api/mobile/v1/events`, device.token);
    const theirs = openStream(`${server.url}/api/mobile/v1/events`, stranger.token);
    const res = await mine.ready;
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    await theirs.ready;
    await waitFor(() => mine.events.length > 0 && theirs.events.length > 0, 3000, "stream open");
    await server.db.store.notify("message_enqueued", locationId);
    const woke = await waitFor(() => mine.events.find((e) => e.event === "MessageEnqueued"), 3000, "wake-up");
    assert.equal(woke?.data, "null");
    await updatePacing({ ctx, input: { deviceId: device.id, pacing: {}, onlineMs: 1 } });
    await waitFor(() => mine.events.find((e) => e.event === "SettingsUpdated"), 3000, "settings event");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(theirs.events.filter((e) => e.event === "MessageEnqueued").length, 0);
    mine.close();
    theirs.close();
    const anon = await fetch(`${server.url}/api/mobile/v1/events`);
    assert.equal(anon.status, 401);
    await anon.arrayBuffer();
  });
});
