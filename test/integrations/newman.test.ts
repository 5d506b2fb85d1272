import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { after, before, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

const COLLECTION = "integrations/postman/myCRMSIM.postman_collection.json";

interface Failure {
  error: { message: string; test?: string };
  source?: { name?: string };
}
interface Summary {
  run: {
    stats: { requests: { total: number }; assertions: { total: number; failed: number } };
    failures: Failure[];
    executions: { item: { name: string }; assertions?: { assertion: string }[] }[];
  };
}
type Newman = {
  run(opts: Record<string, unknown>, cb: (err: Error | null, summary: Summary) => void): unknown;
};
// newman ships no types; this is the one call we use.
const newman = createRequire(import.meta.url)("newman") as Newman;

function runNewman(environment: Record<string, string>): Promise<Summary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION,
        environment: { values: Object.entries(environment).map(([key, value]) => ({ key, value })) },
        reporters: [],
        timeoutRequest: 15_000,
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    );
  });
}

forEachDialect("Postman collection run by newman", (dialect) => {
  let s: TestServer;
  let receiver: Server;
  let environment: Record<string, string>;

  before(async () => {
    s = await startTestServer(dialect);
    // The webhook target: answers 2xx to whatever the server delivers while the run lasts.
    receiver = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const ctx = ctxFor(s.db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const stranger = await makeUser(ctx);
    const other = await makeLocation(ctx, stranger.id);
    const t = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
    environment = {
      mainUrl: s.url,
      dispatchUrl: s.url,
      clientId: t.clientId,
      clientSecret: t.clientSecret ?? "",
      redirectUri: "https://app.example.com/cb",
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      otherLocationId: other.id,
      targetUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    };
  });
  after(async () => {
    await new Promise((r) => receiver.close(r));
    await s.close();
  });

  it("every request of the collection passes its tests against a fresh server", async () => {
    const summary = await runNewman(environment);
    const lines = summary.run.failures.map(
      (f) => `${f.source?.name ?? "?"}: ${f.error.test ? `${f.error.test}: ` : ""}${f.error.message}`,
    );
    assert.equal(lines.length, 0, `newman failures:\n${lines.join("\n")}`);
    assert.ok(summary.run.stats.requests.total >= 31, `ran ${summary.run.stats.requests.total} requests`);
    assert.ok(
      summary.run.stats.assertions.total >= 60,
      `checked ${summary.run.stats.assertions.total} assertions`,
    );
    // Every webhook event is exercised: device_status subscribe, refusals, list and unsubscribe ran with their tests.
    const ran = new Map(summary.run.executions.map((e) => [e.item.name, e.assertions?.length ?? 0]));
    for (const name of [
      "Subscribe Webhook to phone status",
      "Subscribe Webhook to phone status again (same id)",
      "Subscribe Webhook to an unknown event",
      "Subscribe Webhook to phone status of another tenant's location",
      "Unsubscribe Webhook from phone status",
    ])
      assert.ok((ran.get(name) ?? 0) >= 2, `${name}: ran with ${ran.get(name) ?? 0} assertions`);
  });
});
