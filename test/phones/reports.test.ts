import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { sendMessage } from "../../src/messages/index.js";
import { mobile, pairingFor, setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

/**
 * State reports as the stock app sends them (raw protocol, no simulator): the whole history in one
 * PATCH, `Pending` re-reports, "TTL expired" refusals, reports from a phone that lost the message,
 * and failure reasons longer than we store.
 */
forEachDialect("real phones: state reports", (dialect) => {
  let s: TestServer;
  let ctx: Ctx;
  let locationId: string;
  const HOLD_MS = 90_000;

  before(async () => {
    s = await startTestServer(dialect, { DEVICE_LEASE_SECONDS: "60", DEVICE_ONLINE_SECONDS: "90" });
    ({ ctx, locationId } = await setupTenant(s));
  });
  after(async () => s.close());

  async function phone(): Promise<{ id: string; auth: string }> {
    const p = await pairingFor(ctx, locationId);
    const r = await mobile(s, "POST", "/device", { auth: `Code ${p.code}`, body: { name: "R" } });
    assert.equal(r.status, 201);
    const b = r.body as { id: string; token: string };
    return { id: b.id, auth: `Bearer ${b.token}` };
  }

  let contact = 0;
  /** A message to a new contact (no thread ties it to an earlier test's phone). */
  async function queued(text: string): Promise<string> {
    const phone = `+1415555${String(2600 + contact++).padStart(4, "0")}`;
    const r = await sendMessage({
      ctx,
      input: { locationId, phone, message: text, clientId: null, source: "dashboard" },
    });
    return r.message.id;
  }

  const fetchAs = async (auth: string) =>
    (await mobile(s, "GET", "/message?order=fifo", { auth })).body as {
      id: string;
      validUntil: string;
      state: string;
    }[];
  const report = (auth: string, body: unknown) => mobile(s, "PATCH", "/message", { auth, body });
  const row = (id: string) =>
    ctx.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const history = async (id: string) =>
    (
      await ctx.db
        .selectFrom("message_events")
        .select(["status", "device_id"])
        .where("message_id", "=", id)
        .orderBy("seq")
        .execute()
    ).map((e) => e.status);

  it("the phone's validUntil is the end of its hold, and a re-fetch does not move it", async () => {
    const a = await phone();
    const id = await queued("valid until");
    const before = Date.now();
    const got = (await fetchAs(a.auth)).find((m) => m.id === id);
    assert.ok(got);
    const until = Date.parse(got.validUntil);
    assert.ok(until >= before + HOLD_MS - 1000 && until <= Date.now() + HOLD_MS + 1000, got.validUntil);
    const again = (await fetchAs(a.auth)).find((m) => m.id === id);
    assert.equal(again?.validUntil, got.validUntil);
    assert.equal(again?.state, "Pending");
  });

  it("one report carrying the whole history records every step at the phone's times", async () => {
    const a = await phone();
    const id = await queued("history");
    await fetchAs(a.auth);
    // The app replaced its pending Processed report with the Sent one: Processed arrives only inside it.
    const t0 = Date.now() - 5000;
    const r = await report(a.auth, [
      {
        id,
        state: "Sent",
        recipients: [{ phoneNumber: "+14155552671", state: "Sent" }],
        states: {
          Pending: new Date(t0).toISOString(),
          Processed: new Date(t0 + 1000).toISOString(),
          Sent: new Date(t0 + 2000).toISOString(),
        },
      },
    ]);
    assert.equal(r.status, 204);
    assert.deepEqual(await history(id), ["queued", "dispatched", "sent"]);
    assert.equal(Number((await row(id)).sent_at), t0 + 2000);
  });

  it("a Pending re-report changes nothing; 'TTL expired' from the holder puts the message back for any phone", async () => {
    const a = await phone();
    const b = await phone();
    const id = await queued("ttl");
    assert.ok((await fetchAs(a.auth)).some((m) => m.id === id));
    assert.equal(
      (await report(a.auth, [{ id, state: "Pending", states: { Pending: new Date().toISOString() } }]))
        .status,
      204,
    );
    assert.equal((await row(id)).status, "queued");
    assert.equal((await row(id)).device_id, a.id, "still A's");
    assert.ok(!(await fetchAs(b.auth)).some((m) => m.id === id), "B cannot take what A holds");
    const refused = await report(a.auth, [
      {
        id,
        state: "Failed",
        recipients: [{ phoneNumber: "+14155552671", state: "Failed", error: "TTL expired" }],
        states: { Pending: new Date().toISOString(), Failed: new Date().toISOString() },
      },
    ]);
    assert.equal(refused.status, 204);
    const after = await row(id);
    assert.equal(after.status, "queued", "refusing to send late is not a failure of the message");
    assert.equal(after.device_id, null);
    assert.ok(
      (await fetchAs(b.auth)).some((m) => m.id === id),
      "B takes it now",
    );
  });

  it("a phone that no longer holds a message cannot fail it; a Sent from it still counts", async () => {
    const a = await phone();
    const b = await phone();
    const id = await queued("lost and found");
    await fetchAs(a.auth);
    // A gives it back (TTL), B takes it.
    await report(a.auth, [
      { id, state: "Failed", recipients: [{ phoneNumber: "x", state: "Failed", error: "TTL expired" }] },
    ]);
    assert.ok((await fetchAs(b.auth)).some((m) => m.id === id));
    await report(a.auth, [
      {
        id,
        state: "Failed",
        recipients: [{ phoneNumber: "x", state: "Failed", error: "Send result: RESULT_ERROR_NO_SERVICE" }],
      },
    ]);
    assert.equal((await row(id)).status, "queued", "A's late failure does not fail B's message");
    assert.equal((await row(id)).device_id, b.id);
    await report(a.auth, [{ id, state: "Sent", states: { Sent: new Date().toISOString() } }]);
    assert.equal((await row(id)).status, "sent", "A did send it: that is a fact");
  });

  it("a failure reason longer than we store is cut, never refused (the phone would re-post it forever)", async () => {
    const a = await phone();
    const id = await queued("long reason");
    await fetchAs(a.auth);
    const reason = `Send result: ${"RESULT_ERROR_GENERIC_FAILURE ".repeat(200)}`;
    const r = await report(a.auth, [
      {
        id,
        state: "Failed",
        recipients: Array.from({ length: 150 }, (_, i) => ({
          phoneNumber: `+1415555${String(i).padStart(4, "0")}`,
          state: "Failed",
          error: reason,
        })),
        states: { Processed: new Date().toISOString(), Failed: new Date().toISOString() },
      },
    ]);
    assert.equal(r.status, 204);
    const m = await row(id);
    assert.equal(m.status, "failed");
    assert.equal(m.error, reason.slice(0, 1000));
  });
});
