import assert from "node:assert/strict";
import type { Ctx } from "../../src/context.js";
import { Receiver } from "../webhooks/receiver.js";
import { makeApiToken } from "./oauth.js";

export type Json = Record<string, unknown>;

/**
 * An integration subscribed through the real API (OAuth token, POST /api/v1/webhooks/subscribe) to
 * some events of a location, with a real receiver on 127.0.0.1 recording what arrives.
 */
export async function subscriber(
  baseUrl: string,
  ctx: Ctx,
  who: { userId: string; locationId: string },
  events: string[],
) {
  const receiver = await new Receiver().start();
  const token = (await makeApiToken(ctx, { userId: who.userId, locationIds: [who.locationId] })).accessToken;
  for (const event of events) {
    const r = await fetch(`${baseUrl}/api/v1/webhooks/subscribe`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ targetUrl: `${receiver.url}/${event}`, event, locationId: who.locationId }),
    });
    assert.equal(r.status, 200, `subscribe ${event}: ${await r.text()}`);
  }
  return {
    receiver,
    token,
    /** Bodies received for `event`, in arrival order (every attempt, duplicates included). */
    got(event: string): Json[] {
      return receiver.requests.filter((q) => q.path === `/${event}`).map((q) => JSON.parse(q.body) as Json);
    },
    close: () => receiver.close(),
  };
}
