import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import type { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { pairPhone, setupTenant, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { subscriber } from "../helpers/subscriber.js";

/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** What the app tells us about itself, and inbound MMS, through the app-faithful simulated phone. */
forEachDialect("real phones: health, push-only phones, inbound MMS", (dialect) => {
  let s: TestServer;
  let ctx: Ctx;
  let who: { userId: string; locationId: string };
  let sub: Awaited<ReturnType<typeof subscriber>>;
  const phones: SimulatedPhone[] = [];

  before(async () => {
    s = await startTestServer(dialect);
    const t = await setupTenant(s);
    ctx = t.ctx;
    who = { userId: t.userId, locationId: t.locationId };
    sub = await subscriber(s.url, ctx, who, ["device_status", "new_message"]);
  });
  after(async () => {
    for (const p of phones) p.kill();
    await sub.close();
    await s.close();
  });

  const statusOf = (deviceId: string, status: string) =>
    sub.got("device_status").filter((e) => e.deviceId === deviceId && e.status === status);

  it("a phone left on the Auto channel registers a push token, opens no stream, and is reported push-only", async () => {
    const phone = await pairPhone(s, ctx, who.locationId, {
      notificationChannel: "AUTO",
      name: "Auto phone",
    });
    phones.push(phone);
    await phone.start();
    await sleep(1000);
    assert.equal(phone.isStreaming, false, "the app opens no event stream while it has a Firebase token");
    const event = await waitFor(() => statusOf(phone.deviceId, "push_only")[0], 10_000, "push_only");
    assert.equal(event.locationId, who.locationId);
    assert.equal(event.name, "Auto phone");
    const row = await ctx.db
      .selectFrom("devices")
      .selectAll()
      .where("id", "=", phone.deviceId)
      .executeTakeFirstOrThrow();
    assert.ok(row.push_token?.startsWith("fcm-"));
    // Restarting changes nothing: announced once, when the token appeared.
    await phone.restart();
    await sleep(500);
    assert.equal(statusOf(phone.deviceId, "push_only").length, 1);
  });

  it("system:ping health is stored; a battery running low is announced once", async () => {
    const phone = await pairPhone(s, ctx, who.locationId, { name: "Battery phone", appVersion: "1.66.1" });
    phones.push(phone);
    await phone.start();
    phone.setBattery(64, false);
    assert.equal(await phone.ping(), 200);
    phone.setBattery(12, false);
    assert.equal(await phone.ping(), 200);
    assert.equal(await phone.ping(), 200);
    const low = await waitFor(() => statusOf(phone.deviceId, "battery_low")[0], 10_000, "battery_low");
    assert.equal(low.battery, 12);
    assert.equal(low.charging, false);
    await sleep(300);
    assert.equal(statusOf(phone.deviceId, "battery_low").length, 1, "not on every ping");
    const row = await ctx.db
      .selectFrom("devices")
      .selectAll()
      .where("id", "=", phone.deviceId)
      .executeTakeFirstOrThrow();
    const health = JSON.parse(row.health ?? "{}") as Record<string, unknown>;
    assert.equal(health.batteryLevel, 12);
    assert.equal(health.charging, false);
    assert.equal(health.internet, true);
    assert.deepEqual(health.transport, ["wifi"]);
    assert.equal(row.app_version, "1.66.1");
    assert.ok(statusOf(phone.deviceId, "online").length >= 1, "announced online when it first called");
  });

  it("an inbound MMS with two parts reaches the subscriber with two working attachment URLs", async () => {
    const phone = await pairPhone(s, ctx, who.locationId, { name: "MMS phone" });
    phones.push(phone);
    await phone.start();
    const status = await phone.receiveMms("+14155550177", {
      body: "Here is the photo",
      attachments: [
        { contentType: "image/png", name: "photo.png", data: PNG },
        { contentType: "text/plain", name: "note.txt", data: Buffer.from("see you at 5") },
      ],
    });
    assert.equal(status, 200);
    const hook = await waitFor(
      () => sub.got("new_message").find((b) => b.message === "Here is the photo"),
      10_000,
      "new_message for the MMS",
    );
    const urls = hook.attachments as string[];
    assert.equal(urls.length, 2);
    const png = await fetch(urls[0] as string);
    assert.equal(png.status, 200);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await png.arrayBuffer()), PNG);
    const text = await fetch(urls[1] as string);
    assert.equal(await text.text(), "see you at 5");
    // A tampered URL is refused.
    const u = new URL(urls[0] as string);
    u.searchParams.set("sig", `${u.searchParams.get("sig")?.slice(0, -2)}AA`);
    assert.equal((await fetch(u)).status, 404);
  });
});
