import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, it } from "node:test";
import { Webhook } from "standardwebhooks";
import type { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { makeApiToken } from "../helpers/oauth.js";
import { pairPhone, setupTenant, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

type Json = Record<string, unknown>;

/** A real webhook receiver that verifies every POST with the standardwebhooks package. */
async function receiver(secrets: () => string[]) {
  const got: { event: string; body: Json; id: string }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const headers = {
        "webhook-id": String(req.headers["webhook-id"]),
        "webhook-timestamp": String(req.headers["webhook-timestamp"]),
        "webhook-signature": String(req.headers["webhook-signature"]),
      };
      const body = secrets()
        .map((s) => {
          try {
            return new Webhook(s).verify(raw, headers) as Json;
          } catch {
            return undefined;
          }
        })
        .find(Boolean);
      if (!body) {
        res.writeHead(401).end();
        return;
      }
      got.push({ event: String(body.event), body, id: headers["webhook-id"] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

forEachDialect("end to end: API → phone → status webhooks; phone → new_message webhook", (dialect) => {
  let s: TestServer;
  let token: string;
  let loc: string;
  const secrets: string[] = [];
  let hooks: Awaited<ReturnType<typeof receiver>>;
  const phones: SimulatedPhone[] = [];

  before(async () => {
    s = await startTestServer(dialect, {
      DEVICE_LEASE_SECONDS: "5",
      RATE_LIMIT_PER_MINUTE: "100000",
      RATE_LIMIT_PER_LOCATION_PER_MINUTE: "100000",
    });
    const t = await setupTenant(s);
    loc = t.locationId;
    token = (await makeApiToken(t.ctx, { userId: t.userId, locationIds: [loc] })).accessToken;
    hooks = await receiver(() => secrets);
    for (const event of ["new_message", "message_status"]) {
      const r = await api("POST", "/api/v1/webhooks/subscribe", {
        targetUrl: hooks.url,
        event,
        locationId: loc,
      });
      assert.equal(r.status, 200);
      const body = (await r.json()) as Json;
      assert.match(String(body.webhook_id), /^wh_/);
      secrets.push(String(body.secret));
    }
    const phone = await pairPhone(s, t.ctx, loc);
    phones.push(phone);
    await phone.start();
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await s.close();
    await hooks.close();
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("a sent message reaches the phone, ends delivered, and each step is a signed message_status webhook", async () => {
    const r = await api("POST", "/api/v1/messages", {
      phone: "+14155552671",
      locationId: loc,
      message: "Your table is ready",
    });
    assert.equal(r.status, 200);
    const sent = (await r.json()) as Json;
    const id = String(sent.id);
    const done = await waitFor(
      async () => {
        const m = (await (await api("GET", `/api/v1/messages/${id}`)).json()) as Json;
        return m.status === "delivered" ? m : undefined;
      },
      15_000,
      "delivered",
    );
    assert.ok(done.sent_at);
    assert.deepEqual(
      (done.history as Json[]).map((h) => h.status),
      ["queued", "dispatched", "sent", "delivered"],
    );
    assert.ok(phones[0]?.sent.some((m) => m.id === id && m.text === "Your table is ready"));
    const statuses = await waitFor(
      () => {
        const list = hooks.got.filter((h) => h.event === "message_status" && h.body.id === id);
        return list.length >= 3 ? list : undefined;
      },
      10_000,
      "status webhooks",
    );
    assert.deepEqual(statuses.map((h) => h.body.status).sort(), ["delivered", "dispatched", "sent"]);
    const last = statuses.find((h) => h.body.status === "delivered")?.body as Json;
    assert.deepEqual(Object.keys(last).sort(), [
      "error",
      "event",
      "id",
      "locationId",
      "phone",
      "status",
      "updated_at",
    ]);
    assert.deepEqual([last.phone, last.locationId, last.error], ["+14155552671", loc, null]);
  });

  it("an SMS arriving on the phone becomes a new_message webhook with the seed's fields", async () => {
    const phone = phones[0] as SimulatedPhone;
    assert.equal(await phone.receive("+447911123456", "Can I book for 4?"), 200);
    const hook = await waitFor(
      () => hooks.got.find((h) => h.event === "new_message" && h.body.message === "Can I book for 4?"),
      10_000,
      "new_message",
    );
    const b = hook.body;
    assert.match(String(b.id), /^msg_/);
    assert.equal(b.phone_number, "+447911123456");
    assert.equal(b.locationId, loc);
    assert.equal(b.event, "new_message");
    assert.ok(!Number.isNaN(Date.parse(String(b.created_at))));
    assert.deepEqual(b.attachments, []);
    // It is in the message list as inbound.
    const list = (await (
      await api("GET", `/api/v1/messages?direction=inbound&locationId=${loc}`)
    ).json()) as {
      data: Json[];
    };
    assert.ok(list.data.some((m) => m.id === b.id && m.status === "received"));
  });
  // A phone killed mid-run, with the app's late acknowledgement: test/phones/no-duplicates.test.ts.
});
