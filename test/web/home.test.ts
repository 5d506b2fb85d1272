import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { recordInbound, sendMessage, transitionMessage } from "../../src/messages/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { pairPhone } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

const DAY = 86_400_000;

forEachDialect("overview page", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let locationId: string;
  const phones: SimulatedPhone[] = [];
  const ctx = () => ctxFor(s.db.store);
  before(async () => {
    s = await startTestServer(dialect);
    c = await setupAdmin(s.url);
    locationId =
      /href="\/locations\/([^/]+)\/phones"/.exec(await (await c.get("/locations")).text())?.[1] ?? "";
    const stranger = await makeUser(ctx());
    await makeLocation(ctx(), stranger.id, { name: "Stranger Clinic" });
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await s.close();
  });

  it("signed out → sign-in", async () => {
    const r = await new FormClient(s.url).get("/");
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/signin");
  });

  it("shows per location phones online, queued, sent/received/failed today and a 7-day chart", async () => {
    const empty = await (await c.get("/")).text();
    assert.match(
      empty,
      /data-stat="online"><span class="muted">Phones online<\/span><span class="stat">0 \/ 0</,
    );
    const online = await pairPhone(s, ctx(), locationId);
    phones.push(online);
    await online.stop();
    const send = async (text: string) =>
      (
        await sendMessage({
          ctx: ctx(),
          input: { locationId, phone: "+14155552671", message: text, clientId: null },
        })
      ).message.id;
    const now = Date.now();
    const a = await send("a");
    const b = await send("b");
    const old = await send("old");
    await send("still queued");
    await transitionMessage({ ctx: ctx(), input: { messageId: a, status: "sent", source: "system" } });
    await transitionMessage({
      ctx: ctx(),
      input: { messageId: b, status: "failed", error: "RESULT_ERROR_NO_SERVICE", source: "system" },
    });
    await transitionMessage({
      ctx: ctx(),
      input: { messageId: old, status: "sent", at: now - 2 * DAY, source: "system" },
    });
    await recordInbound({
      ctx: ctx(),
      input: { locationId, phone: "+14155550100", body: "Yes", receivedAt: now, dedupeKey: "h1" },
    });
    const text = await (await c.get("/")).text();
    const stat = (key: string) =>
      new RegExp(`data-stat="${key}"><span class="muted">[^<]+</span><span class="stat">([^<]+)<`).exec(
        text,
      )?.[1];
    assert.equal(stat("online"), "1 / 1");
    assert.equal(stat("queued"), "1");
    assert.equal(stat("sent"), "1");
    assert.equal(stat("received"), "1");
    assert.equal(stat("failed"), "1");
    assert.equal(stat("webhooks"), "0");
    const label =
      /<svg class="chart" viewBox="0 0 560 170" role="img" aria-label="([^"]+)"/.exec(text)?.[1] ?? "";
    const day = (ms: number) => new Date(ms).toISOString().slice(5, 10);
    assert.match(label, new RegExp(`${day(now)}: 1 sent, 1 received, 1 failed`));
    assert.match(label, new RegExp(`${day(now - 2 * DAY)}: 1 sent, 0 received, 0 failed`));
    assert.equal((label.match(/: \d+ sent/g) ?? []).length, 7);
    assert.doesNotMatch(text, /Stranger Clinic/);
  });
});
