/**
 * /api/v1/locations and /api/v1/me tell an integration, per location, how many phones are paired and
 * online and how many messages wait for one: `phones: {total, online}` and `queued` (additive fields).
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import type { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { pairPhone } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

interface Loc {
  id: string;
  name: string;
  phones: { total: number; online: number };
  queued: number;
}

forEachDialect("identity API: phone presence and queue depth per location", (dialect) => {
  let s: TestServer;
  let token: string;
  let withPhone: string;
  let without: string;
  let phone: SimulatedPhone | undefined;
  const clock = new ManualClock();
  before(async () => {
    s = await startTestServer(
      dialect,
      { RATE_LIMIT_PER_MINUTE: "1000", DEVICE_ONLINE_SECONDS: "90" },
      { clock },
    );
    const ctx = ctxFor(s.db.store, clock);
    const u = await makeUser(ctx);
    withPhone = (await makeLocation(ctx, u.id, { name: "Shop" })).id;
    without = (await makeLocation(ctx, u.id, { name: "Warehouse" })).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [withPhone, without] })).accessToken;
  });
  after(async () => {
    await phone?.stop();
    await s.close();
  });

  const locations = async (): Promise<Record<string, Loc>> => {
    const r = await fetch(`${s.url}/api/v1/locations`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    const list = ((await r.json()) as { data: Loc[] }).data;
    return Object.fromEntries(list.map((l) => [l.id, l]));
  };

  it("no phones yet: zero phones and an empty queue, next to the existing fields", async () => {
    const all = await locations();
    assert.deepEqual(all[withPhone]?.phones, { total: 0, online: 0 });
    assert.equal(all[withPhone]?.queued, 0);
    assert.equal(all[withPhone]?.name, "Shop");
    assert.deepEqual(all[without]?.phones, { total: 0, online: 0 });
  });

  it("a paired phone counts as online; a message to a location without phones waits in its queue", async () => {
    phone = await pairPhone(s, ctxFor(s.db.store, clock), withPhone, { name: "Pixel" });
    const sent = await fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ phone: "+14155552671", locationId: without, message: "Hello" }),
    });
    assert.equal(sent.status, 200, await sent.clone().text());
    const all = await locations();
    assert.deepEqual(all[withPhone]?.phones, { total: 1, online: 1 });
    assert.equal(all[withPhone]?.queued, 0);
    assert.deepEqual(all[without]?.phones, { total: 0, online: 0 });
    assert.equal(all[without]?.queued, 1);
  });

  it("a phone not seen for DEVICE_ONLINE_SECONDS is counted but not online; /me says the same", async () => {
    clock.advance(91_000);
    const all = await locations();
    assert.deepEqual(all[withPhone]?.phones, { total: 1, online: 0 });
    const me = await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    const body = (await me.json()) as { data: { locations: Loc[] } };
    const byId = Object.fromEntries(body.data.locations.map((l) => [l.id, l]));
    assert.deepEqual(byId[withPhone]?.phones, { total: 1, online: 0 });
    assert.equal(byId[without]?.queued, 1);
  });

  it("the OpenAPI document describes the new fields", async () => {
    const r = await fetch(`${s.url}/openapi.json`);
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /"phones"/);
    assert.match(text, /Outbound messages waiting for a phone/);
  });
});
