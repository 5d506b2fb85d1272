import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { ctxFor } from "../helpers/factories.js";
import { pairPhone } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("empty and offline states say what to do next", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let locationId: string;
  const clock = new ManualClock();
  before(async () => {
    s = await startTestServer(dialect, { DEVICE_ONLINE_SECONDS: "90" }, { clock });
    c = await setupAdmin(s.url);
    locationId =
      /href="\/locations\/([^/]+)\/phones"/.exec(await (await c.get("/locations")).text())?.[1] ?? "";
  });
  after(async () => {
    await s.close();
  });

  it("overview: a location without a phone offers “Pair your first phone →”", async () => {
    const text = await (await c.get("/")).text();
    assert.match(
      text,
      new RegExp(
        `data-testid="pair-first"><a class="button" href="/locations/${locationId}/phones">Pair your first phone →</a>`,
      ),
    );
  });

  it("phones page without a phone says how to pair one; messages page empty says what shows up there", async () => {
    const phones = await (await c.get(`/locations/${locationId}/phones`)).text();
    assert.match(
      phones,
      /data-testid="no-phone"><p><strong>No phone yet\.<\/strong> Pair one to start sending/,
    );
    assert.match(phones, /npx mycrmsim device simulate/);
    const messages = await (await c.get(`/locations/${locationId}/messages`)).text();
    assert.match(messages, /data-testid="no-messages">No messages yet\. Send a test SMS above/);
    const filtered = await (await c.get(`/locations/${locationId}/messages?direction=inbound`)).text();
    assert.match(
      filtered,
      /No messages match these filters\. <a href="\/locations\/[^"]+\/messages">Show all<\/a>/,
    );
  });

  it("an offline phone with queued messages gets a troubleshooting list; online or with nothing queued, none", async () => {
    const phone = await pairPhone(s, ctxFor(s.db.store, clock), locationId, { name: "Till phone" });
    const online = await (await c.get(`/locations/${locationId}/phones`)).text();
    assert.doesNotMatch(online, /data-testid="offline-help"/);
    assert.doesNotMatch(await (await c.get("/")).text(), /data-testid="pair-first"/);
    clock.advance(120_000);
    assert.doesNotMatch(
      await (await c.get(`/locations/${locationId}/phones`)).text(),
      /data-testid="offline-help"/,
      "offline but nothing waiting: no alarm",
    );
    const csrf = await c.csrf(`/locations/${locationId}/messages`);
    const sent = await c.post(`/locations/${locationId}/messages`, {
      _csrf: csrf,
      phone: "+14155552671",
      message: "hi",
    });
    assert.equal(sent.status, 303);
    const offline = await (await c.get(`/locations/${locationId}/phones`)).text();
    assert.match(
      offline,
      /data-testid="offline-help"><p><strong>Offline, and 1 message is waiting\.<\/strong>/,
    );
    assert.match(offline, /switched to <strong>Cloud server<\/strong>/);
    assert.match(offline, /<strong>Battery optimisation is off<\/strong>/);
    assert.match(offline, new RegExp(`opens <code>${s.url}/healthz</code>`));
    assert.match(offline, /docs\/phone-setup\.md/);
    await phone.stop();
  });
});
