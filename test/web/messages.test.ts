import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail } from "../../src/accounts/index.js";
import type { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { recordInbound, sendMessage } from "../../src/messages/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { pairPhone, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("messages page", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let locationId: string;
  let foreign: { locationId: string; messageId: string };
  let phone: SimulatedPhone | undefined;
  const ctx = () => ctxFor(s.db.store);
  before(async () => {
    s = await startTestServer(dialect);
    c = await setupAdmin(s.url);
    const admin = await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } });
    locationId = (/href="\/locations\/([^/]+)\/messages"/.exec(
      await (await c.get("/locations")).text(),
    )?.[1] ?? "") as string;
    assert.ok(admin && locationId);
    const stranger = await makeUser(ctx());
    const loc = await makeLocation(ctx(), stranger.id);
    const m = await sendMessage({
      ctx: ctx(),
      input: { locationId: loc.id, phone: "+14155552671", message: "Their secret", clientId: null },
    });
    foreign = { locationId: loc.id, messageId: m.message.id };
  });
  after(async () => {
    await phone?.stop();
    await s.close();
  });

  it("signed out → sign-in; other tenant's location and message → 404; CSRF-less POST → 403", async () => {
    const r = await new FormClient(s.url).get(`/locations/${locationId}/messages`);
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin\?next=/);
    assert.equal((await c.get(`/locations/${foreign.locationId}/messages`)).status, 404);
    const probe = await c.get(`/locations/${locationId}/messages/${foreign.messageId}`);
    assert.equal(probe.status, 404);
    assert.doesNotMatch(await probe.text(), /Their secret/);
    const csrf = await c.csrf(`/locations/${locationId}/messages`);
    const post = { _csrf: csrf, phone: "+14155552671", message: "x" };
    assert.equal((await c.post(`/locations/${foreign.locationId}/messages`, post)).status, 404);
    assert.equal((await c.post(`/locations/${locationId}/messages`, { ...post, _csrf: "" })).status, 403);
    assert.match(await (await c.get(`/locations/${locationId}/messages`)).text(), /No messages yet/);
  });

  it("times are shown in the location's time zone", async () => {
    const admin = await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } });
    const tokyo = await makeLocation(ctx(), admin?.id ?? "", { name: "Tokyo", timeZone: "Asia/Tokyo" });
    const m = await sendMessage({
      ctx: ctx(),
      input: { locationId: tokyo.id, phone: "+14155552671", message: "Konnichiwa", clientId: null },
    });
    const text = await (await c.get(`/locations/${tokyo.id}/messages`)).text();
    const local = new Date(Date.parse(m.message.created_at) + 9 * 3600_000).toISOString();
    assert.match(
      text,
      new RegExp(
        `<time datetime="${m.message.created_at}">${local.slice(0, 10)} ${local.slice(11, 16)} GMT\\+9</time>`,
      ),
    );
  });

  it("bad input is shown in the form (bad number, too long, bad filter), never a 500", async () => {
    const csrf = await c.csrf(`/locations/${locationId}/messages`);
    const bad = await c.post(`/locations/${locationId}/messages`, {
      _csrf: csrf,
      phone: "555-1234",
      message: "Hi there",
    });
    assert.equal(bad.status, 400);
    const t = await bad.text();
    // Said with the form's label ("To"); a UTC location has no country, so the example is international.
    assert.match(
      t,
      /role="alert">To: “555-1234” is not a phone number we can send to\. Write it with its country code, e\.g\. \+14155552671\./,
    );
    assert.match(t, /value="555-1234"/);
    assert.match(t, />Hi there<\/textarea>/);
    const long = await c.post(`/locations/${locationId}/messages`, {
      _csrf: csrf,
      phone: "+14155552671",
      message: "x".repeat(1601),
    });
    assert.equal(long.status, 400);
    assert.match(await long.text(), /message is longer than 1600 characters/);
    const filter = await c.get(`/locations/${locationId}/messages?status=bogus`);
    assert.equal(filter.status, 400);
    assert.match(await filter.text(), /status must be one of/);
    const cursor = await c.get(`/locations/${locationId}/messages?cursor=nope`);
    assert.equal(cursor.status, 400);
  });

  it("sends from the form; a phone takes it; it turns delivered with its history", async () => {
    const csrf = await c.csrf(`/locations/${locationId}/messages`);
    const r = await c.post(`/locations/${locationId}/messages`, {
      _csrf: csrf,
      phone: "+14155552671",
      message: "Your appointment is tomorrow at 10:00",
    });
    assert.equal(r.status, 303);
    const to = r.headers.get("location") ?? "";
    const id = /sent=(msg_[0-9a-z]+)/.exec(to)?.[1] ?? "";
    const list = await (await c.get(to)).text();
    assert.match(list, new RegExp(`Message ${id} queued`));
    // Only a message id makes it into the notice.
    const spoof = await (await c.get(`/locations/${locationId}/messages?done=sent&sent=Call+0800`)).text();
    assert.doesNotMatch(spoof, /Call 0800/);
    assert.match(
      list,
      /<td class="mono">\+14155552671<\/td>\s*<td>Your appointment is tomorrow at 10:00<\/td>\s*<td><span class="badge warn">queued/,
    );
    phone = await pairPhone(s, ctx(), locationId);
    await phone.start();
    await waitFor(
      async () =>
        /<span class="badge ok">delivered<\/span>/.test(
          await (await c.get(`/locations/${locationId}/messages/${id}`)).text(),
        ),
      10_000,
      "the message delivered",
    );
    const detail = await (await c.get(`/locations/${locationId}/messages/${id}`)).text();
    const order = [...detail.matchAll(/<td><span class="badge[^"]*">(\w+)<\/span><\/td>/g)].map((m) => m[1]);
    assert.deepEqual(order, ["queued", "dispatched", "sent", "delivered"]);
  });

  it("filters by direction and status, and pages with a cursor", async () => {
    await recordInbound({
      ctx: ctx(),
      input: { locationId, phone: "+14155550100", body: "STOP", receivedAt: Date.now(), dedupeKey: "in-1" },
    });
    const inbound = await (await c.get(`/locations/${locationId}/messages?direction=inbound`)).text();
    assert.match(inbound, /STOP/);
    assert.doesNotMatch(inbound, /Your appointment/);
    assert.match(inbound, /<option value="inbound" selected>/);
    const delivered = await (await c.get(`/locations/${locationId}/messages?status=delivered`)).text();
    assert.match(delivered, /Your appointment/);
    assert.doesNotMatch(delivered, /STOP/);
    const byNumber = await (
      await c.get(`/locations/${locationId}/messages?number=${encodeURIComponent("555 0100")}`)
    ).text();
    assert.match(byNumber, /STOP/);
    assert.doesNotMatch(byNumber, /Your appointment/);
    const badNumber = await c.get(`/locations/${locationId}/messages?number=ab`);
    assert.equal(badNumber.status, 400);
    assert.match(await badNumber.text(), /number: at least 3 digits/);
    const future = await (await c.get(`/locations/${locationId}/messages?since=2999-01-01`)).text();
    assert.match(future, /No messages match these filters/);
    await phone?.stop();
    phone = undefined;
    for (let i = 0; i < 30; i++) {
      await sendMessage({
        ctx: ctx(),
        input: { locationId, phone: "+14155552671", message: `Bulk ${i}`, clientId: null },
      });
    }
    const first = await (await c.get(`/locations/${locationId}/messages?direction=outbound`)).text();
    assert.equal((first.match(/data-message="/g) ?? []).length, 25);
    assert.match(first, /Bulk 29/);
    const older = /href="(\/locations\/[^"]+\?direction=outbound&amp;cursor=msg_[^"]+)">Older/.exec(
      first,
    )?.[1];
    assert.ok(older, "an Older link keeping the filter");
    const second = await (await c.get(older.replace(/&amp;/g, "&"))).text();
    assert.equal((second.match(/data-message="/g) ?? []).length, 6);
    assert.match(second, /Bulk 0/);
    assert.match(second, /Your appointment/);
    assert.doesNotMatch(second, /Bulk 29/);
    assert.doesNotMatch(second, /Older/);
  });
});
