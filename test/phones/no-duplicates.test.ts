import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { Ctx } from "../../src/context.js";
import { updatePacing } from "../../src/devices/index.js";
import type { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import { pairPhone, setupTenant, waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type Json, subscriber } from "../helpers/subscriber.js";

/**
 * Outbound SMS with two phones in one location that send slower than the lease (lease 2 s, one SMS
 * every 3 s). The stock app reports a message only once the radio took it, so under a plain lease
 * every message would be handed to the second phone while the first still holds it. Counted on the
 * phones' side: what each radio actually sent.
 */
forEachDialect("real phones: no SMS sent twice", (dialect) => {
  const ONLINE_S = 4;
  let s: TestServer;
  let ctx: Ctx;
  let who: { userId: string; locationId: string };
  let sub: Awaited<ReturnType<typeof subscriber>>;
  const phones: SimulatedPhone[] = [];

  before(async () => {
    s = await startTestServer(dialect, {
      DEVICE_LEASE_SECONDS: "2",
      DEVICE_ONLINE_SECONDS: String(ONLINE_S),
      RATE_LIMIT_PER_MINUTE: "100000",
      RATE_LIMIT_PER_LOCATION_PER_MINUTE: "100000",
    });
    const t = await setupTenant(s);
    ctx = t.ctx;
    who = { userId: t.userId, locationId: t.locationId };
    sub = await subscriber(s.url, ctx, who, ["device_status"]);
  });
  after(async () => {
    for (const p of phones) p.kill();
    await sub.close();
    await s.close();
  });

  /** A phone of the location that waits 3 s between two SMS (the app's send interval). */
  async function pacedPhone(name: string, opts: { dieAfterSends?: number } = {}) {
    const phone = await pairPhone(s, ctx, who.locationId, { name, ...opts });
    phones.push(phone);
    await updatePacing({
      ctx,
      input: {
        deviceId: phone.deviceId,
        pacing: { sendIntervalMin: 3, sendIntervalMax: 3 },
        onlineMs: ONLINE_S * 1000,
      },
    });
    await phone.start();
    await phone.whenStreaming();
    assert.equal(phone.settings.sendIntervalMin, 3);
    return phone;
  }

  async function send(n: number, tag: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${s.url}/api/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${sub.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          phone: `+1415555${String(3000 + i).padStart(4, "0")}`,
          locationId: who.locationId,
          message: `${tag} ${i}`,
        }),
      });
      assert.equal(r.status, 200);
      ids.push(String(((await r.json()) as Json).id));
    }
    return ids;
  }

  async function statuses(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const r = await fetch(`${s.url}/api/v1/messages/${id}`, {
        headers: { authorization: `Bearer ${sub.token}` },
      });
      out.set(id, String(((await r.json()) as Json).status));
    }
    return out;
  }

  const tally = (ids: string[], ...ps: SimulatedPhone[]) => {
    const sent = ps.flatMap((p) => p.sent.map((m) => m.id)).filter((id) => ids.includes(id));
    return {
      lost: ids.filter((id) => !sent.includes(id)),
      twice: sent.length - new Set(sent).size,
    };
  };

  it("two phones sending slower than the lease: 40 messages, none sent twice, none lost", async () => {
    const a = await pacedPhone("phone A");
    const b = await pacedPhone("phone B");
    const ids = await send(40, "paced");
    await waitFor(
      async () => [...(await statuses(ids)).values()].every((st) => st === "delivered"),
      150_000,
      "all 40 delivered",
    );
    const { lost, twice } = tally(ids, a, b);
    console.log(
      `two paced phones: 40 messages, A sent ${a.sent.length}, B sent ${b.sent.length}, lost ${lost.length}, sent twice ${twice}, refused late (TTL) ${a.expired.length + b.expired.length}`,
    );
    assert.deepEqual(lost, []);
    assert.equal(twice, 0);
    assert.ok(a.sent.length > 0 && b.sent.length > 0, "both phones shared the work");
    await a.stop();
    await b.stop();
  });

  it("a phone killed mid-run: its messages reach the other phone once it is offline", async () => {
    // Dies the moment its radio took its 4th SMS, before it could report it: the one window in which
    // a message goes out twice (README "Phones": the phone sent it and died before saying so).
    const dying = await pacedPhone("dying phone", { dieAfterSends: 4 });
    const ids = await send(12, "kill");
    await waitFor(() => dying.sent.length >= 4, 60_000, "the first phone to send four and die");
    const diedAt = Date.now();
    const survivor = await pacedPhone("survivor");
    await waitFor(
      async () => [...(await statuses(ids)).values()].every((st) => st === "delivered"),
      120_000,
      "every message delivered",
    );
    const { lost, twice } = tally(ids, dying, survivor);
    // Messages the dying phone's radio took but whose report never reached the server.
    const heard = new Set(
      (
        await ctx.db
          .selectFrom("message_events")
          .select("message_id")
          .where("device_id", "=", dying.deviceId)
          .execute()
      ).map((r) => r.message_id),
    );
    const unreported = dying.sent.filter((m) => !heard.has(m.id)).length;
    console.log(
      `phone killed mid-run: ${ids.length} messages, dying sent ${dying.sent.length}, survivor sent ${survivor.sent.length}, lost ${lost.length}, sent twice ${twice} (sent by the dying phone after its last report reached us: ${unreported})`,
    );
    assert.deepEqual(lost, []);
    assert.ok(twice <= 1, "at most the one message the phone sent and died before reporting");
    assert.equal(twice, unreported);
    // The survivor took the dead phone's messages only after the dead phone counted as offline.
    const offline = await waitFor(
      () => sub.got("device_status").find((e) => e.deviceId === dying.deviceId && e.status === "offline"),
      (ONLINE_S + 30) * 1000,
      "device_status offline",
    );
    assert.ok(Date.parse(String(offline.updated_at)) - diedAt <= (ONLINE_S + 30) * 1000);
    assert.equal(offline.locationId, who.locationId);
    assert.ok(
      sub.got("device_status").some((e) => e.deviceId === survivor.deviceId && e.status === "online"),
      "the survivor was announced online",
    );
  });
});
