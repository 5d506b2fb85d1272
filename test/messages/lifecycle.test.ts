import assert from "node:assert/strict";
import { after, before, beforeEach, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { ManualClock } from "../../src/core/clock.js";
import {
  getMessage,
  listMessages,
  recordInbound,
  sendMessage,
  transitionMessage,
} from "../../src/messages/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

/** The domain API of messages: lifecycle rules, history, inbound de-duplication, lists. */
forEachDialect("messages: lifecycle, inbound, history and lists", (dialect) => {
  let t: TestStore;
  let ctx: Ctx;
  const clock = new ManualClock(1_800_000_000_000);
  let loc: string;
  let otherLoc: string;

  before(async () => {
    t = await makeTestStore(dialect);
    ctx = ctxFor(t.store, clock);
  });
  after(async () => t.cleanup());
  beforeEach(async () => {
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    otherLoc = (await makeLocation(ctx, u.id)).id;
  });

  const send = async (message = "hi", locationId = loc) =>
    (await sendMessage({ ctx, input: { locationId, phone: "+14155552671", message, clientId: null } }))
      .message;
  const move = (
    messageId: string,
    status: "dispatched" | "sent" | "delivered" | "failed" | "expired",
    extra = {},
  ) => transitionMessage({ ctx, input: { messageId, status, source: "phone", ...extra } });

  it("walks queued → dispatched → sent → delivered, with timestamps and history", async () => {
    const m = await send();
    clock.advance(1000);
    assert.equal((await move(m.id, "dispatched", { deviceId: "dev_x", simNumber: 2 })).changed, true);
    clock.advance(1000);
    const sentAt = clock.now() - 500;
    assert.equal((await move(m.id, "sent", { at: sentAt })).changed, true);
    clock.advance(1000);
    assert.equal((await move(m.id, "delivered")).changed, true);
    const got = await getMessage({ ctx, input: { id: m.id, locationIds: [loc] } });
    assert.equal(got.status, "delivered");
    assert.equal(got.sent_at, new Date(sentAt).toISOString());
    assert.equal(got.delivered_at, new Date(clock.now()).toISOString());
    assert.deepEqual(
      got.history.map((h) => h.status),
      ["queued", "dispatched", "sent", "delivered"],
    );
    const row = await t.store.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", m.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.device_id, "dev_x");
    assert.equal(Number(row.sim_number), 2);
  });

  it("applies jumps forward, ignores steps back, duplicates and changes after a final state", async () => {
    const m = await send();
    assert.equal((await move(m.id, "sent")).changed, true, "queued → sent (Pending report lost)");
    assert.equal((await move(m.id, "dispatched")).changed, false, "late Pending ignored");
    assert.equal((await move(m.id, "sent")).changed, false, "duplicate report ignored");
    assert.equal(
      (await move(m.id, "failed", { error: "late" })).changed,
      true,
      "sent then failed (no delivery)",
    );
    assert.equal((await move(m.id, "delivered")).changed, false, "failed is final");
    const got = await getMessage({ ctx, input: { id: m.id, locationIds: [loc] } });
    assert.equal(got.status, "failed");
    assert.equal(got.error, "late");
    assert.deepEqual(
      got.history.map((h) => h.status),
      ["queued", "sent", "failed"],
    );
  });

  it("delivered before sent sets sent_at too; expired only from queued", async () => {
    const a = await send();
    await move(a.id, "delivered");
    const got = await getMessage({ ctx, input: { id: a.id, locationIds: [loc] } });
    assert.ok(got.sent_at);
    const b = await send();
    await move(b.id, "dispatched");
    assert.equal(
      (await transitionMessage({ ctx, input: { messageId: b.id, status: "expired", source: "system" } }))
        .changed,
      false,
    );
    const c = await send();
    const r = await transitionMessage({
      ctx,
      input: { messageId: c.id, status: "expired", source: "system" },
    });
    assert.equal(r.changed, true);
    assert.equal(r.message.status, "expired");
    assert.ok(r.message.error);
  });

  it("concurrent sends share a commit; one to a vanished location fails alone", async () => {
    const results = await Promise.allSettled([
      send("a"),
      send("b"),
      sendMessage({
        ctx,
        input: { locationId: "loc_gone", phone: "+14155552671", message: "x", clientId: null },
      }).then((r) => r.message),
      send("c"),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "fulfilled", "rejected", "fulfilled"],
    );
    assert.equal((results[2] as PromiseRejectedResult).reason.code, "location_not_found");
    for (const r of results) {
      if (r.status !== "fulfilled") continue;
      const got = await getMessage({ ctx, input: { id: r.value.id, locationIds: [loc] } });
      assert.deepEqual(
        got.history.map((h) => h.status),
        ["queued"],
        "stored with its history",
      );
    }
  });

  it("an unknown message is message_not_found", async () => {
    await assert.rejects(move("msg_00000000000000000000000000", "sent"), { code: "message_not_found" });
  });

  it("records inbound once per dedupe key and lists it as inbound", async () => {
    const input = {
      locationId: loc,
      phone: "+447911123456",
      body: "Reply STOP",
      receivedAt: clock.now() - 5000,
      dedupeKey: "dev_a:sms:1",
    };
    const first = await recordInbound({ ctx, input });
    const again = await recordInbound({ ctx, input: { ...input, body: "changed on retry" } });
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.message.id, first.message.id);
    assert.equal(again.message.message, "Reply STOP");
    // The same key in another location is another message.
    const elsewhere = await recordInbound({ ctx, input: { ...input, locationId: otherLoc } });
    assert.equal(elsewhere.duplicate, false);
    const inbound = await listMessages({ ctx, input: { locationIds: [loc], direction: "inbound" } });
    assert.deepEqual(
      inbound.data.map((m) => [m.id, m.status, m.direction, m.phone]),
      [[first.message.id, "received", "inbound", "+447911123456"]],
    );
    assert.equal(inbound.data[0]?.created_at, new Date(input.receivedAt).toISOString());
  });

  it("lists newest first with cursor pagination and filters, never across tenants", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(10);
      ids.push((await send(`m${i}`)).id);
    }
    await send("elsewhere", otherLoc);
    await move(ids[2] as string, "failed", { error: "x" });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await listMessages({
        ctx,
        input: { locationIds: [loc], limit: 3, ...(cursor ? { cursor } : {}) },
      });
      seen.push(...r.data.map((m) => m.id));
      if (!r.next_cursor) break;
      assert.equal(r.has_more, true);
      cursor = r.next_cursor;
    }
    assert.deepEqual(seen, [...ids].reverse());
    const failed = await listMessages({ ctx, input: { locationIds: [loc], status: "failed" } });
    assert.deepEqual(
      failed.data.map((m) => m.id),
      [ids[2]],
    );
    const since = await listMessages({
      ctx,
      input: { locationIds: [loc], since: new Date(clock.now() - 25).toISOString() },
    });
    assert.equal(since.data.length, 3);
    await assert.rejects(listMessages({ ctx, input: { locationIds: [loc], locationId: otherLoc } }), {
      code: "location_not_found",
    });
    await assert.rejects(listMessages({ ctx, input: { locationIds: [loc], status: "bogus" } }), {
      code: "validation_failed",
    });
    await assert.rejects(listMessages({ ctx, input: { locationIds: [loc], since: "yesterday" } }), {
      code: "validation_failed",
    });
    await assert.rejects(listMessages({ ctx, input: { locationIds: [loc], cursor: "../etc" } }), {
      code: "validation_failed",
    });
    await assert.rejects(getMessage({ ctx, input: { id: ids[0] as string, locationIds: [otherLoc] } }), {
      code: "message_not_found",
    });
  });
});
