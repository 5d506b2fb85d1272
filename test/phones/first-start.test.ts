import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { pairingFor, pairPhone, setupTenant, waitFor } from "../helpers/phone.js";
import { startServerOn, startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { subscriber } from "../helpers/subscriber.js";

/**
 * Inbound SMS with the stock app as it really starts (src/devices/simulator behaves as the app's
 * source does): a "sign up" first start whose own workers fetch nothing, an outage of the server, and
 * an app that was stopped while SMS arrived.
 */
forEachDialect("real phones: no inbound SMS lost after pairing or an outage", (dialect) => {
  let s: TestServer;
  let ctx: Ctx;
  let who: { userId: string; locationId: string };
  let sub: Awaited<ReturnType<typeof subscriber>>;
  const phones: SimulatedPhone[] = [];
  const env = { DEVICE_ONLINE_SECONDS: "3" };
  /** The server started again after the outage (the first one is closed by then). */
  let restarted: Awaited<ReturnType<typeof startServerOn>> | undefined;

  before(async () => {
    s = await startTestServer(dialect, env);
    const t = await setupTenant(s);
    ctx = t.ctx;
    who = { userId: t.userId, locationId: t.locationId };
    sub = await subscriber(s.url, ctx, who, ["new_message"]);
  });
  after(async () => {
    for (const p of phones) p.kill();
    await sub.close();
    if (restarted) {
      await restarted.close();
      await s.db.cleanup();
    } else await s.close();
  });

  const arrived = (text: string) => sub.got("new_message").filter((b) => b.message === text);

  it("paired by private token, a fresh phone is told to fetch its webhooks: an SMS 2 s after start reaches the subscriber", async () => {
    const pairing = await pairingFor(ctx, who.locationId);
    const phone = new SimulatedPhone({
      server: s.url,
      privateToken: pairing.token,
      name: "samsung/a52qnsxx",
    });
    phones.push(phone);
    await phone.start();
    // The app's settings and webhooks workers ran before its registration finished: they fetched
    // nothing. This is the state in which every received SMS used to be lost.
    assert.ok(phone.deviceId.startsWith("dev_"), "registered by sign-up");
    await phone.whenStreaming();
    await sleep(2000);
    assert.deepEqual(phone.webhookEvents.sort(), [
      "mms:downloaded",
      "sms:delivered",
      "sms:failed",
      "sms:received",
      "sms:sent",
      "system:ping",
    ]);
    const names = phone.events.map((e) => e.event);
    assert.ok(names.includes("SettingsUpdated") && names.includes("WebhooksUpdated"), names.join(","));
    // It signs with the server's key and keeps retrying for about a day.
    assert.ok(phone.settings.signingKey.length >= 32);
    assert.equal(phone.settings.retryCount, 14);
    assert.equal(await phone.receive("+14155550111", "First text after pairing"), 200);
    const hook = await waitFor(() => arrived("First text after pairing")[0], 10_000, "new_message");
    assert.equal(hook.phone_number, "+14155550111");
    assert.equal(hook.locationId, who.locationId);
    // Nudged once: a stream that opens again does not ask for the settings again.
    phone.events.length = 0;
    await phone.restart();
    await phone.whenStreaming();
    await sleep(300);
    assert.ok(!phone.events.some((e) => e.event === "SettingsUpdated" || e.event === "WebhooksUpdated"));
  });

  it("an SMS received while the server is down arrives once it is back (the phone's webhook retries)", async () => {
    const phone = await pairPhone(s, ctx, who.locationId, { name: "outage phone" });
    phones.push(phone);
    await phone.start();
    await phone.whenStreaming();
    const port = new URL(s.url).port;
    await s.server.close();
    try {
      const status = await phone.receive("+14155550122", "Sent during the outage");
      assert.equal(status, 0, "the first attempt cannot reach the server");
      await sleep(4000);
    } finally {
      // The same database and port, as a restarted service.
      const again = await startServerOn(s.db, { ...env, PORT: port });
      restarted = again;
      s.server = again.server;
      // The first server closed its database handle: go on with the new server's.
      ctx = { ...ctx, store: again.server.deps.store, db: again.server.deps.store.db };
    }
    await waitFor(() => arrived("Sent during the outage")[0], 30_000, "the SMS after the outage");
    await sleep(500);
    assert.equal(arrived("Sent during the outage").length, 1, "stored and delivered once");
  });

  it("SMS that reached the phone while the app was stopped come back through an inbox export", async () => {
    const phone = await pairPhone(s, ctx, who.locationId, { name: "stopped phone" });
    phones.push(phone);
    await phone.start();
    await phone.whenStreaming();
    await phone.stop();
    // The app is not running: the SMS lands in the phone's inbox and nothing posts it.
    assert.equal(await phone.receive("+14155550133", "While the app was stopped"), 0);
    await sleep(4000); // longer than DEVICE_ONLINE_SECONDS: the server saw the phone go quiet
    await phone.start();
    await phone.whenStreaming();
    const hook = await waitFor(() => arrived("While the app was stopped")[0], 15_000, "the exported SMS");
    assert.equal(hook.phone_number, "+14155550133");
    const exportEvent = phone.events.find((e) => e.event === "MessagesExportRequested");
    assert.ok(exportEvent, "the server asked for the inbox");
    const window = JSON.parse(exportEvent.data) as { since: string; until: string; triggerWebhooks: boolean };
    const smsAt = phone.inbox.find((i) => i.text === "While the app was stopped")?.date ?? 0;
    assert.ok(Date.parse(window.since) <= smsAt && smsAt <= Date.parse(window.until));
    // A second export of the same window changes nothing: the phone skips what it processed.
    await sleep(500);
    assert.equal(arrived("While the app was stopped").length, 1);
  });
});
