import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

type Json = Record<string, unknown>;
const PHONE = "+14155552671";

// Make (and other no-code tools) send `Idempotency-Key:` with an empty value when the field is left blank:
// the server treats an empty or blank key as no key at all instead of answering 400.
forEachDialect("POST /api/v1/messages with an empty Idempotency-Key", (dialect) => {
  let s: TestServer;
  let token: string;
  let loc: string;

  before(async () => {
    s = await startTestServer(dialect, {
      RATE_LIMIT_PER_MINUTE: "10000",
      RATE_LIMIT_PER_LOCATION_PER_MINUTE: "10000",
    });
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc] })).accessToken;
  });
  after(async () => s.close());

  const send = (body: unknown, key: string) =>
    fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        "idempotency-key": key,
      },
      body: JSON.stringify(body),
    });
  const countMessages = async () =>
    Number(
      (
        await s.db.store.db
          .selectFrom("messages")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("location_id", "=", loc)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("an empty key sends normally: 200, a new message each time, no replay header", async () => {
    const before = await countMessages();
    const body = { phone: PHONE, locationId: loc, message: "empty key" };
    const a = await send(body, "");
    const b = await send(body, "");
    assert.equal(a.status, 200, await a.clone().text());
    assert.equal(b.status, 200, await b.clone().text());
    assert.equal(a.headers.get("idempotent-replayed"), null);
    assert.equal(b.headers.get("idempotent-replayed"), null);
    const ma = (await a.json()) as Json;
    const mb = (await b.json()) as Json;
    assert.match(String(ma.id), /^msg_[0-9a-z]{26}$/);
    assert.match(String(mb.id), /^msg_[0-9a-z]{26}$/);
    assert.notEqual(ma.id, mb.id);
    assert.equal(ma.status, "queued");
    assert.equal(await countMessages(), before + 2);
  });

  it("an empty key with another body is a new message too, not 422 idempotency_key_reused", async () => {
    const before = await countMessages();
    const a = await send({ phone: PHONE, locationId: loc, message: "first" }, "");
    const b = await send({ phone: PHONE, locationId: loc, message: "second" }, "");
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(((await b.json()) as Json).message, "second");
    assert.equal(await countMessages(), before + 2);
  });

  it("a blank (whitespace-only) key, as it reaches the route, is no key either", async () => {
    // Over HTTP the parser trims the value to ""; inject hands the route the blanks themselves.
    const app = s.server.app;
    assert.ok(app);
    const before = await countMessages();
    const ids: unknown[] = [];
    for (const key of ["   ", "\t", " \t "]) {
      const r: LightMyRequestResponse = await app.inject({
        method: "POST",
        url: "/api/v1/messages",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          "idempotency-key": key,
        },
        payload: { phone: PHONE, locationId: loc, message: "blank key" },
      });
      assert.equal(r.statusCode, 200, `${JSON.stringify(key)}: ${r.body}`);
      assert.equal(r.headers["idempotent-replayed"], undefined);
      ids.push((r.json() as Json).id);
    }
    assert.equal(new Set(ids).size, 3, "three blank keys, three messages");
    assert.equal(await countMessages(), before + 3);
  });

  it("a real key still replays, and surrounding blanks are not part of it", async () => {
    const before = await countMessages();
    const body = { phone: PHONE, locationId: loc, message: "only once" };
    const a = await send(body, "order-42");
    const b = await send(body, "order-42");
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.headers.get("idempotent-replayed"), null);
    assert.equal(b.headers.get("idempotent-replayed"), "true");
    const first = (await a.json()) as Json;
    assert.deepEqual(await b.json(), first);
    const app = s.server.app;
    assert.ok(app);
    const padded = await app.inject({
      method: "POST",
      url: "/api/v1/messages",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        "idempotency-key": " order-42 ",
      },
      payload: body,
    });
    assert.equal(padded.statusCode, 200, padded.body);
    assert.equal(padded.headers["idempotent-replayed"], "true");
    assert.equal((padded.json() as Json).id, first.id);
    assert.equal(await countMessages(), before + 1);
  });

  it("a key with a space inside, or too long, is still a 400 naming the header", async () => {
    const body = { phone: PHONE, locationId: loc, message: "x" };
    for (const key of ["order 42", "k".repeat(300)]) {
      const r = await send(body, key);
      assert.equal(r.status, 400, key);
      assert.equal(((await r.json()) as Json).field, "headers.idempotency-key");
    }
  });
});
