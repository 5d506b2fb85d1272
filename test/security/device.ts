import { createHmac } from "node:crypto";
import type { Ctx } from "../../src/context.js";
import { mobile, pairingFor } from "../helpers/phone.js";
import type { TestServer } from "../helpers/server.js";

export interface TestDevice {
  id: string;
  token: string;
  signingKey: string;
  /** POST `raw` to the device's ingest URL, signed as the app signs it (HMAC of body + X-Timestamp). */
  ingest(raw: string): Promise<Response>;
}

/** A phone registered by pairing code on `locationId`, with its device token and signing key. */
export async function registerDevice(server: TestServer, ctx: Ctx, locationId: string): Promise<TestDevice> {
  const p = await pairingFor(ctx, locationId);
  const reg = await mobile(server, "POST", "/device", { auth: `Code ${p.code}`, body: { name: "Fuzz" } });
  const { id, token } = reg.body as { id: string; token: string };
  const settings = await mobile(server, "GET", "/settings", { auth: `Bearer ${token}` });
  const signingKey = (settings.body as { webhooks: { signing_key: string } }).webhooks.signing_key;
  return {
    id,
    token,
    signingKey,
    ingest(raw) {
      const ts = String(Math.floor(Date.now() / 1000));
      return fetch(`${server.url}/api/mobile/v1/ingest/${id}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-timestamp": ts,
          "x-signature": createHmac("sha256", signingKey)
            .update(raw + ts)
            .digest("hex"),
        },
        body: raw,
      });
    },
  };
}
