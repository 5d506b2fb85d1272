import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** DISPATCH_PORT: a second listener that serves only the dispatch routes (send, phone event ingest). */
it("the dispatch listener sends messages and takes phone events, and nothing else", async () => {
  const probe = await import("node:net").then(
    (net) =>
      new Promise<number>((resolve) => {
        const srv = net.createServer().listen(0, "127.0.0.1", () => {
          const port = (srv.address() as AddressInfo).port;
          srv.close(() => resolve(port));
        });
      }),
  );
  const s: TestServer = await startTestServer("sqlite", { DISPATCH_PORT: String(probe) });
  after(() => s.close());
  const dispatch = `http://127.0.0.1:${probe}`;
  const ctx = ctxFor(s.db.store);
  const u = await makeUser(ctx);
  const loc = (await makeLocation(ctx, u.id)).id;
  const { accessToken } = await makeApiToken(ctx, { userId: u.id, locationIds: [loc] });
  const auth = { authorization: `Bearer ${accessToken}` };
  const sent = await fetch(`${dispatch}/api/v1/messages`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ phone: "+14155552671", locationId: loc, message: "via dispatch" }),
  });
  assert.equal(sent.status, 200);
  assert.equal(((await sent.json()) as { status: string }).status, "queued");
  // Phones post their signed events here (an unsigned one is refused, not missing)...
  const ingest = await fetch(`${dispatch}/api/mobile/v1/ingest/dev_unknown`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(ingest.status, 401);
  // ...while the rest of the phone protocol, like history, OAuth and the dashboard, is on the main host.
  assert.equal((await fetch(`${dispatch}/api/mobile/v1/message`)).status, 404);
  assert.equal((await fetch(`${dispatch}/api/v1/messages`, { headers: auth })).status, 404);
  assert.equal((await fetch(`${dispatch}/oauth/token`, { method: "POST" })).status, 404);
  assert.equal((await fetch(`${dispatch}/`)).status, 404);
  // And the main host still has both.
  assert.equal((await fetch(`${s.url}/api/v1/messages`, { headers: auth })).status, 200);
});
