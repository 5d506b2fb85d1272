import assert from "node:assert/strict";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { after, before, it } from "node:test";
import { Webhook } from "standardwebhooks";
import type { Ctx } from "../../src/context.js";
import type { Clock } from "../../src/core/clock.js";
import { removeOldAttachments } from "../../src/messages/index.js";
import { makeApiToken } from "../helpers/oauth.js";
import { mobile, pairingFor, setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { eventually, Receiver } from "../webhooks/receiver.js";
import { signIn } from "../web/util.js";

type Json = Record<string, unknown>;

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const MAX_BYTES = 4096;
const DAY = 86_400_000;

/** Real time, moved forward on demand (expiry and retention without waiting). */
class ShiftedClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

forEachDialect("inbound MMS: stored parts, signed media URLs, caps, dashboard", (dialect) => {
  let s: TestServer;
  let ctx: Ctx;
  let userId: string;
  let locationId: string;
  let token: string;
  let ingestUrl: string;
  let signingKey: string;
  let rcv: Receiver;
  let secret: string;
  const clock = new ShiftedClock();
  let seq = 0;

  before(async () => {
    s = await startTestServer(
      dialect,
      { MMS_MAX_BYTES: String(MAX_BYTES), WEBHOOK_POLL_MS: "50", RATE_LIMIT_PER_MINUTE: "10000" },
      { clock },
    );
    ({ ctx, userId, locationId } = await setupTenant(s));
    // A phone, registered and configured the way the stock app does it.
    const p = await pairingFor(ctx, locationId);
    const device = (await mobile(s, "POST", "/device", { auth: `Bearer ${p.token}`, body: { name: "P" } }))
      .body as { id: string; token: string };
    const settings = (await mobile(s, "GET", "/settings", { auth: `Bearer ${device.token}` })).body as {
      webhooks: { signing_key: string };
    };
    signingKey = settings.webhooks.signing_key;
    const hooks = (await mobile(s, "GET", "/webhooks", { auth: `Bearer ${device.token}` })).body as {
      event: string;
      url: string;
    }[];
    const hook = hooks.find((h) => h.event === "mms:downloaded");
    assert.ok(hook, "the phone is told where to post mms:downloaded");
    ingestUrl = hook.url;
    // An integration subscribed to new_message through the OAuth API.
    token = (await makeApiToken(ctx, { userId, locationIds: [locationId] })).accessToken;
    rcv = await new Receiver().start();
    const sub = await api("POST", "/webhooks/subscribe", {
      targetUrl: `${rcv.url}/hook`,
      event: "new_message",
      locationId,
    });
    assert.equal(sub.status, 200, JSON.stringify(sub.body));
    secret = (sub.body as { secret: string }).secret;
  });
  after(async () => {
    await rcv.close();
    await s.close();
  });

  async function api(
    method: string,
    path: string,
    body?: unknown,
    bearer = token,
  ): Promise<{ status: number; body: Json }> {
    const r = await fetch(`${s.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Json };
  }

  /** POST a body to the ingest URL, signed as the app signs it (hex HMAC of body + X-Timestamp). */
  async function postSigned(body: string): Promise<{ status: number; body: Json }> {
    const ts = String(Math.floor(clock.now() / 1000));
    const res = await fetch(ingestUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-timestamp": ts,
        "x-signature": createHmac("sha256", signingKey)
          .update(body + ts)
          .digest("hex"),
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  /** An `mms:downloaded` envelope as app v1.68 builds it (Gson leaves out nulls). */
  function envelope(payload: Json, id: string = randomUUID()): string {
    return JSON.stringify({ id, webhookId: "w-mms", event: "mms:downloaded", deviceId: "d", payload });
  }

  function mms(sender: string, attachments: Json[], extra: Json = {}): Json {
    return {
      messageId: String(++seq),
      sender,
      phoneNumber: sender,
      simNumber: 1,
      body: "Look at this",
      attachments,
      receivedAt: new Date(clock.now() - 60_000).toISOString().replace("Z", "+00:00"),
      ...extra,
    };
  }

  /** The verified `new_message` payload the receiver got for message `id`. */
  async function delivered(id: string): Promise<Json> {
    return eventually(async () => {
      for (const r of rcv.requests) {
        const p = new Webhook(secret).verify(r.body, r.headers) as Json;
        if (p.id === id) return p;
      }
      return undefined;
    });
  }

  const twoParts = () => [
    {
      partId: 11,
      contentType: "image/png",
      name: "photo.png",
      size: PNG.length,
      data: PNG.toString("base64"),
    },
    {
      partId: 12,
      contentType: "text/plain",
      name: "note.txt",
      data: Buffer.from("Gruß aus dem MMS").toString("base64"),
    },
  ];

  type Stored = { messageId: string; urls: string[]; payload: Json };
  // The two-part MMS that several tests read. They ask for it rather than rely on the first test having
  // stored it: when that test failed (or a test runs alone) the next one receives its own, so a failure
  // stays where it happened.
  let stored: Promise<Stored> | undefined;
  const twoPartMms = (): Promise<Stored> => {
    stored ??= (async () => {
      const r = await postSigned(envelope(mms("+14155550101", twoParts())));
      assert.equal(r.status, 200, `storing the two-part MMS this test reads: ${JSON.stringify(r.body)}`);
      const messageId = String(r.body.messageId);
      const payload = await delivered(messageId);
      return { messageId, urls: payload.attachments as string[], payload };
    })().catch((e: unknown) => {
      stored = undefined;
      throw e;
    });
    return stored;
  };

  it("a signed mms:downloaded reaches new_message subscribers with two attachment URLs that work", async () => {
    const r = await postSigned(envelope(mms("+14155550101", twoParts())));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.duplicate, false);
    const messageId = String(r.body.messageId);
    assert.match(messageId, /^msg_/);

    const payload = await delivered(messageId);
    assert.equal(payload.event, "new_message");
    assert.equal(payload.phone_number, "+14155550101");
    assert.equal(payload.locationId, locationId);
    assert.equal(payload.message, "Look at this");
    const urls = payload.attachments as string[];
    assert.equal(urls.length, 2);
    for (const u of urls) assert.match(u, new RegExp(`^${s.url}/media/att_[0-9a-z]{26}\\?exp=\\d+&sig=`));

    // Fetched like a webhook receiver would: no cookie, no token.
    const png = await fetch(urls[0] ?? "");
    assert.equal(png.status, 200);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await png.arrayBuffer()), PNG);
    assert.equal(png.headers.get("x-content-type-options"), "nosniff");
    assert.match(png.headers.get("content-security-policy") ?? "", /default-src 'none'.*sandbox/);
    assert.match(png.headers.get("content-disposition") ?? "", /^inline; filename="photo\.png"/);
    assert.match(png.headers.get("cache-control") ?? "", /^private, max-age=\d+$/);
    const text = await fetch(urls[1] ?? "");
    assert.equal(text.status, 200);
    assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await text.text(), "Gruß aus dem MMS");
    stored = Promise.resolve({ messageId, urls, payload });
  });

  it("a part of a type outside the allow-list is served as a download, never as itself", async () => {
    const r = await postSigned(
      envelope(
        mms("+14155550102", [
          {
            partId: 1,
            contentType: "text/html",
            name: '../x"y.html',
            data: Buffer.from("<script>alert(1)</script>").toString("base64"),
          },
          {
            partId: 2,
            contentType: "image/svg+xml",
            data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').toString(
              "base64",
            ),
          },
        ]),
      ),
    );
    assert.equal(r.status, 200);
    const urls = (await delivered(String(r.body.messageId))).attachments as string[];
    assert.equal(urls.length, 2);
    for (const u of urls) {
      const res = await fetch(u);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/octet-stream");
      assert.match(res.headers.get("content-disposition") ?? "", /^attachment; /);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      await res.arrayBuffer();
    }
    // The phone's file name cannot break out of the header or name a path.
    const html = await fetch(urls[0] ?? "");
    assert.match(
      html.headers.get("content-disposition") ?? "",
      /^attachment; filename="x_y\.html"; filename\*=/,
    );
    assert.equal(await html.text(), "<script>alert(1)</script>");
  });

  it("tampered, wrong-id and expired URLs are refused alike; the API gives fresh ones", async () => {
    const first = await twoPartMms();
    const [a = "", b = ""] = first.urls;
    const u = new URL(a);
    const idA = u.pathname.split("/").pop() ?? "";
    const idB = new URL(b).pathname.split("/").pop() ?? "";
    const exp = u.searchParams.get("exp") ?? "";
    const sig = u.searchParams.get("sig") ?? "";
    const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    const bad = [
      `${s.url}/media/${idA}?exp=${exp}&sig=${flipped}`, // changed signature
      `${s.url}/media/${idB}?exp=${exp}&sig=${sig}`, // A's signature on B
      `${s.url}/media/att_00000000000000000000000000?exp=${exp}&sig=${sig}`, // an id that does not exist
      `${s.url}/media/${idA}?exp=${Number(exp) + 3600}&sig=${sig}`, // a later expiry
      `${s.url}/media/${idA}?exp=${exp}`, // no signature
      `${s.url}/media/${idA}`,
    ];
    const answers = new Set<string>();
    for (const url of bad) {
      const res = await fetch(url);
      assert.equal(res.status, 404, url);
      const { request_id: _, ...body } = (await res.json()) as Json;
      answers.add(JSON.stringify(body));
    }
    assert.equal(answers.size, 1, "every refusal looks the same");
    assert.equal((await fetch(a)).status, 200, "the genuine URL still works");

    // Eight days on (MMS_URL_TTL_SECONDS is a week): the webhook's URL has expired ...
    clock.offset = 8 * DAY;
    try {
      const expired = await fetch(a);
      assert.equal(expired.status, 404);
      const { request_id: _, ...body } = (await expired.json()) as Json;
      assert.ok(answers.has(JSON.stringify(body)));
      // ... and the API signs afresh at read time, in the list and for one message (with a token
      // of that day: the first one expired long ago too).
      const later = (await makeApiToken(ctx, { userId, locationIds: [locationId] })).accessToken;
      const one = await api("GET", `/messages/${first.messageId}`, undefined, later);
      assert.equal(one.status, 200);
      const fresh = one.body.attachments as string[];
      assert.equal(fresh.length, 2);
      assert.notDeepEqual(fresh, first.urls);
      const res = await fetch(fresh[0] ?? "");
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
      const list = await api("GET", `/messages?locationId=${locationId}&direction=inbound`, undefined, later);
      const row = (list.body.data as Json[]).find((m) => m.id === first.messageId);
      assert.deepEqual(row?.attachments, fresh);
    } finally {
      clock.offset = 0;
    }
  });

  it("the phone's retry and an inbox export re-post store the MMS once", async () => {
    const payload = mms("+14155550103", twoParts());
    const id = randomUUID();
    const r1 = await postSigned(envelope(payload, id));
    assert.equal(r1.status, 200);
    const messageId = String(r1.body.messageId);
    // The same envelope again (the app retries until it sees a 2xx).
    const r2 = await postSigned(envelope(payload, id));
    assert.equal(r2.status, 200);
    assert.equal(r2.body.duplicate, true);
    // The same MMS under a new envelope id (an inbox export).
    const r3 = await postSigned(envelope(payload));
    assert.equal(r3.status, 200);
    assert.equal(r3.body.messageId, messageId);

    await delivered(messageId);
    await new Promise((r) => setTimeout(r, 300)); // room for a second delivery, if there were one
    const hooks = rcv.requests.filter((q) => (JSON.parse(q.body) as Json).phone_number === "+14155550103");
    assert.equal(hooks.length, 1);
    const list = await api("GET", `/messages?locationId=${locationId}&direction=inbound&limit=200`);
    const mine = (list.body.data as Json[]).filter((m) => m.phone === "+14155550103");
    assert.equal(mine.length, 1);
    assert.equal((mine[0]?.attachments as string[] | undefined)?.length, 2);
    const parts = await ctx.db
      .selectFrom("message_attachments")
      .select("id")
      .where("message_id", "=", messageId)
      .execute();
    assert.equal(parts.length, 2);
  });

  it("an MMS over MMS_MAX_BYTES is stored: parts that fit are kept, the rest dropped and noted", async () => {
    const big = randomBytes(3000);
    const toobig = randomBytes(3000);
    const r = await postSigned(
      envelope(
        mms("+14155550104", [
          { partId: 1, contentType: "image/jpeg", name: "a.jpg", data: big.toString("base64") },
          { partId: 2, contentType: "image/jpeg", name: "b.jpg", data: toobig.toString("base64") },
          { partId: 3, contentType: "text/plain", data: Buffer.from("still fits").toString("base64") },
          { partId: 4, contentType: "video/mp4", name: "c.mp4", size: 900_000 },
        ]),
      ),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const messageId = String(r.body.messageId);
    const urls = (await delivered(messageId)).attachments as string[];
    assert.equal(urls.length, 2);
    const kept = await fetch(urls[0] ?? "");
    assert.deepEqual(Buffer.from(await kept.arrayBuffer()), big);
    assert.equal(await (await fetch(urls[1] ?? "")).text(), "still fits");
    const m = await api("GET", `/messages/${messageId}`);
    assert.equal(m.body.status, "received");
    assert.equal(m.body.message, "Look at this");
    assert.match(
      String(m.body.error),
      /^2 of 4 attachments not stored: 1 over the 4 KiB limit.*1 not sent by the phone/,
    );
  });

  it("the dashboard's message page shows the picture and links the other part", async () => {
    const first = await twoPartMms();
    const user = await ctx.db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirst();
    // setupTenant's user has the factory's default password.
    const c = await signIn(s.url, user?.email ?? "", "a long enough password");
    const listPage = await (await c.get(`/locations/${locationId}/messages`)).text();
    assert.match(listPage, new RegExp(`${first.messageId}[\\s\\S]*?2 attachment\\(s\\)`));
    const res = await c.get(`/locations/${locationId}/messages/${first.messageId}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /img-src 'self'/);
    const page = await res.text();
    const src = /<img src="(\/media\/att_[^"]+)" alt="photo\.png"/.exec(page)?.[1]?.replace(/&amp;/g, "&");
    assert.ok(src, "an <img> of the picture");
    const img = await c.get(src);
    assert.equal(img.status, 200);
    assert.equal(img.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await img.arrayBuffer()), PNG);
    assert.match(page, /<a href="\/media\/att_[^"]+">note\.txt<\/a>/);
  });

  it("after MMS_RETENTION_DAYS the content is deleted, the message and its metadata stay", async () => {
    const first = await twoPartMms();
    const later: Ctx = { ...ctx, clock: { now: () => Date.now() + 31 * DAY } };
    let removed = 0;
    for (;;) {
      const r = await removeOldAttachments({ ctx: later, input: { retentionMs: 30 * DAY, limit: 3 } });
      removed += r.removed;
      if (!r.more) break;
    }
    assert.ok(removed >= 8, `removed ${removed}`);
    assert.equal((await fetch(first.urls[0] ?? "")).status, 404);
    const m = await api("GET", `/messages/${first.messageId}`);
    assert.equal(m.status, 200);
    assert.deepEqual(m.body.attachments, []);
    assert.equal(m.body.message, "Look at this");
    const user = await ctx.db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirst();
    const c = await signIn(s.url, user?.email ?? "", "a long enough password");
    const page = await (await c.get(`/locations/${locationId}/messages/${first.messageId}`)).text();
    assert.match(page, /photo\.png <span class="muted">\(image\/png, 70 B\) not stored: removed after/);
  });
});
