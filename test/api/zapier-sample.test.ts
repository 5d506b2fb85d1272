import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, it } from "node:test";
import { recordInbound } from "../../src/messages/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { subscriber } from "../helpers/subscriber.js";

type Json = Record<string, unknown>;
const DOC = readFileSync(resolve(import.meta.dirname, "../../docs/zapier.md"), "utf8");

/** The static `new_message` sample docs/zapier.md gives (the ```json new_message block). */
function documentedSample(): Json {
  const m = /```json new_message\n([\s\S]*?)```/.exec(DOC);
  assert.ok(m?.[1], "docs/zapier.md has a new_message sample");
  return JSON.parse(m[1]) as Json;
}

/** The Perform list's reshaping function, as docs/zapier.md writes it, evaluated as it is. */
function documentedReshape(): (m: Json) => Json {
  const m = /const asHook = (\(m\) => \(\{[^\n]*\}\));/.exec(DOC);
  assert.ok(m?.[1], "docs/zapier.md has the asHook function");
  return new Function(`return ${m[1]};`)() as (m: Json) => Json;
}

/**
 * F7: what Zapier shows while a Zap is built (the static sample and the Perform list) has the same
 * fields as what a live `new_message` delivery brings, so a Zap mapped on the sample works live.
 */
forEachDialect("docs/zapier.md: the samples match a live new_message delivery", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  it("the static sample has the live payload's keys, and the Perform list reshaped is the payload itself", async () => {
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    const loc = (await makeLocation(ctx, u.id)).id;
    const sub = await subscriber(s.url, ctx, { userId: u.id, locationId: loc }, ["new_message"]);
    try {
      await recordInbound({
        ctx,
        input: {
          locationId: loc,
          phone: "+14155552671",
          body: "Can I book for 4 tonight?",
          receivedAt: Date.now(),
          dedupeKey: "zap-1",
        },
      });
      await sub.receiver.waitFor(1);
      const live = sub.got("new_message")[0];
      assert.ok(live);
      assert.deepEqual(Object.keys(documentedSample()).sort(), Object.keys(live).sort());

      const list = await fetch(`${s.url}/api/v1/messages?locationId=${loc}&direction=inbound&limit=3`, {
        headers: { authorization: `Bearer ${sub.token}` },
      });
      assert.equal(list.status, 200);
      const { data } = (await list.json()) as { data: Json[] };
      assert.equal(data.length, 1);
      assert.deepEqual(data.map(documentedReshape()), [live]);
    } finally {
      await sub.close();
    }
  });
});
