import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { recordInbound } from "../../src/messages/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { Receiver } from "./receiver.js";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

/** Figures for the README: inbound commit to receiver latency, and burst throughput. */
forEachDialect("webhook delivery figures", (dialect) => {
  let s: TestServer;
  let rcv: Receiver;
  let loc: string;
  let seq = 0;
  before(async () => {
    s = await startTestServer(dialect, { RATE_LIMIT_PER_MINUTE: "10000" });
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    const { accessToken } = await makeApiToken(ctx, { userId: u.id, locationIds: [loc] });
    rcv = await new Receiver().start();
    for (const path of ["/a", "/b"]) {
      const r = await fetch(`${s.url}/api/v1/webhooks/subscribe`, {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ targetUrl: `${rcv.url}${path}`, event: "new_message", locationId: loc }),
      });
      assert.equal(r.status, 200);
    }
  });
  after(async () => {
    await s.close();
    await rcv.close();
  });
  const inbound = () =>
    recordInbound({
      ctx: ctxFor(s.db.store),
      input: {
        locationId: loc,
        phone: "+14155552671",
        body: "perf",
        receivedAt: Date.now(),
        dedupeKey: `p${++seq}`,
      },
    });

  it("one at a time: commit to receiver latency", async () => {
    const lat: number[] = [];
    for (let i = 0; i < 50; i++) {
      const before = rcv.requests.length;
      const t0 = performance.now();
      await inbound();
      await rcv.waitFor(before + 2);
      lat.push(performance.now() - t0);
    }
    process.stdout.write(
      `# ${dialect}: sequential p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms\n`,
    );
  });

  it("burst: 300 inbound messages, 2 subscriptions", async () => {
    const start = rcv.requests.length;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 300 }, () => inbound()));
    const committed = performance.now() - t0;
    await rcv.waitFor(start + 600, 60_000);
    const total = performance.now() - t0;
    process.stdout.write(
      `# ${dialect}: burst of 300 (600 deliveries) committed in ${committed.toFixed(0)} ms, delivered in ${total.toFixed(0)} ms (${((600 / total) * 1000).toFixed(0)} deliveries/s)\n`,
    );
    const ids = rcv.requests.slice(start).map((r) => r.headers["webhook-id"]);
    assert.equal(new Set(ids).size, 600);
  });
});
