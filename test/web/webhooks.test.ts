import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail } from "../../src/accounts/index.js";
import { recordInbound, sendMessage, transitionMessage } from "../../src/messages/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";
import { Receiver } from "../webhooks/receiver.js";

forEachDialect("webhooks page", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let locationId: string;
  let webhookId: string;
  let foreign: { locationId: string; webhookId: string };
  let rcv: Receiver;
  let fail = true;
  let seq = 0;
  const ctx = () => ctxFor(s.db.store);
  const subscribe = async (token: string, loc: string, url: string) => {
    const r = await fetch(`${s.url}/api/v1/webhooks/subscribe`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ targetUrl: url, event: "new_message", locationId: loc }),
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { webhook_id: string }).webhook_id;
  };
  const inbound = (loc: string) =>
    recordInbound({
      ctx: ctx(),
      input: {
        locationId: loc,
        phone: "+14155550100",
        body: "Hi",
        receivedAt: Date.now(),
        dedupeKey: `k${++seq}`,
      },
    });
  before(async () => {
    s = await startTestServer(dialect, {
      WEBHOOK_POLL_MS: "50",
      WEBHOOK_RETRY_SCHEDULE: "50ms",
      WEBHOOK_RETRY_JITTER: "0",
    });
    c = await setupAdmin(s.url);
    rcv = await new Receiver().start();
    rcv.handler = (_req, res) => {
      res.writeHead(fail ? 500 : 200).end(fail ? "down" : "ok");
    };
    const admin = await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } });
    locationId =
      /href="\/locations\/([^/]+)\/webhooks"/.exec(await (await c.get("/locations")).text())?.[1] ?? "";
    const mine = await makeApiToken(ctx(), {
      userId: admin?.id ?? "",
      locationIds: [locationId],
      clientName: "n8n (test)",
    });
    webhookId = await subscribe(mine.accessToken, locationId, `${rcv.url}/hook`);
    const stranger = await makeUser(ctx());
    const loc = await makeLocation(ctx(), stranger.id);
    const theirs = await makeApiToken(ctx(), { userId: stranger.id, locationIds: [loc.id] });
    foreign = {
      locationId: loc.id,
      webhookId: await subscribe(theirs.accessToken, loc.id, `${rcv.url}/theirs`),
    };
  });
  after(async () => {
    await s.close();
    await rcv.close();
  });

  it("signed out → sign-in; other tenant's location or webhook → 404/refused; CSRF-less POST → 403", async () => {
    const r = await new FormClient(s.url).get(`/locations/${locationId}/webhooks`);
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin\?next=/);
    assert.equal((await c.get(`/locations/${foreign.locationId}/webhooks`)).status, 404);
    const csrf = await c.csrf(`/locations/${locationId}/webhooks`);
    const viaMine = await c.post(`/locations/${locationId}/webhooks/${foreign.webhookId}/replay`, {
      _csrf: csrf,
      since: "24h",
    });
    assert.equal(viaMine.status, 400);
    assert.match(await viaMine.text(), /No such webhook subscription at this location/);
    assert.equal(
      (
        await c.post(`/locations/${foreign.locationId}/webhooks/${foreign.webhookId}/replay`, {
          _csrf: csrf,
          since: "24h",
        })
      ).status,
      404,
    );
    assert.equal(
      (await c.post(`/locations/${locationId}/webhooks/${webhookId}/replay`, { since: "24h" })).status,
      403,
    );
    const page = await (await c.get(`/locations/${locationId}/webhooks`)).text();
    assert.doesNotMatch(page, /\/theirs/);
  });

  it("shows the subscription and its failing delivery (status code, attempts); replay gets it through", async () => {
    await inbound(locationId);
    await rcv.waitFor(2);
    // One retry after 50 ms, then the delivery gives up.
    const failing = await waitFor(
      async () => {
        const t = await (await c.get(`/locations/${locationId}/webhooks`)).text();
        return /<span class="badge bad">failed<\/span>/.test(t) ? t : undefined;
      },
      10_000,
      "the failed attempt in the log",
    );
    assert.match(
      failing,
      new RegExp(`<span class="mono">new_message</span> → <span class="mono">${rcv.url}/hook</span>`),
    );
    assert.match(failing, /By n8n \(test\)/);
    assert.doesNotMatch(failing, /paused: app disconnected/);
    assert.match(failing, /<span class="badge bad">failed<\/span><\/td><td><details><summary>2<\/summary>/);
    // Each attempt: when, the answer's status code with its reason, how long it took, the error.
    assert.equal(
      (
        failing.match(
          / UTC<\/time>: 500 Internal Server Error · \d+ ms<div class="muted">HTTP 500<\/div><\/li>/g,
        ) ?? []
      ).length,
      2,
    );
    // Which message it was about, linked, and its number.
    assert.match(failing, /<div>SMS from <span class="mono">\+14155550100<\/span><\/div>/);
    assert.match(failing, new RegExp(`href="/locations/${locationId}/messages/msg_[0-9a-z]+"`));
    assert.match(failing, /<td>\d+ ms<\/td>/);
    const csrf = await c.csrf(`/locations/${locationId}/webhooks`);
    const bad = await c.post(`/locations/${locationId}/webhooks/${webhookId}/replay`, {
      _csrf: csrf,
      since: "forever",
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /since: choose one of the offered periods/);
    fail = false;
    const r = await c.post(`/locations/${locationId}/webhooks/${webhookId}/replay`, {
      _csrf: csrf,
      since: "1h",
    });
    assert.equal(r.status, 303);
    assert.match(
      await (await c.get(r.headers.get("location") ?? "")).text(),
      /Replay: 1 delivery\(ies\) queued again/,
    );
    await rcv.waitFor(3);
    const ok = await waitFor(
      async () => {
        const t = await (await c.get(`/locations/${locationId}/webhooks`)).text();
        return /<span class="badge ok">succeeded<\/span>/.test(t) ? t : undefined;
      },
      10_000,
      "the replayed delivery delivered",
    );
    assert.match(ok, /<td>200 OK<\/td>/);
    assert.equal(rcv.requests[0]?.headers["webhook-id"], rcv.requests[2]?.headers["webhook-id"]);
  });

  it("a message_status row names the message, its number and SMS status; a refused connection in plain words", async () => {
    const admin = await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } });
    const app = await makeApiToken(ctx(), { userId: admin?.id ?? "", locationIds: [locationId] });
    // A port nothing listens on: the receiver is closed at once.
    const dead = await new Receiver().start();
    const deadUrl = `${dead.url}/status`;
    await dead.close();
    const r = await fetch(`${s.url}/api/v1/webhooks/subscribe`, {
      method: "POST",
      headers: { authorization: `Bearer ${app.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ targetUrl: deadUrl, event: "message_status", locationId }),
    });
    assert.equal(r.status, 200);
    const sent = await sendMessage({
      ctx: ctx(),
      input: { locationId, phone: "+14155550123", message: "Your order is ready", clientId: null },
    });
    await transitionMessage({
      ctx: ctx(),
      input: { messageId: sent.message.id, status: "sent", source: "system" },
    });
    const page = await waitFor(
      async () => {
        const t = await (await c.get(`/locations/${locationId}/webhooks`)).text();
        return /connection refused/.test(t) ? t : undefined;
      },
      10_000,
      "the refused delivery in the log",
    );
    assert.match(page, /SMS to <span class="mono">\+14155550123<\/span> is\s+<strong>sent<\/strong>/);
    assert.match(
      page,
      new RegExp(`href="/locations/${locationId}/messages/${sent.message.id}">${sent.message.id}</a>`),
    );
    assert.match(page, /connection refused: nothing accepts connections at that address and port/);
    // The raw error stays beside the plain words, for whoever fixes it.
    assert.match(page, /<div class="muted mono">[^<]*ECONNREFUSED/);
  });
});
