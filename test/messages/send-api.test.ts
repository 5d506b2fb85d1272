import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

type Json = Record<string, unknown>;
const PHONE = "+14155552671";

forEachDialect("POST /api/v1/messages", (dialect) => {
  let s: TestServer;
  let token: string;
  let readOnly: string;
  let otherClientToken: string;
  let loc: string;
  let foreign: string;

  before(async () => {
    s = await startTestServer(dialect, {
      RATE_LIMIT_PER_MINUTE: "10000",
      RATE_LIMIT_PER_LOCATION_PER_MINUTE: "10000",
    });
    const ctx = ctxFor(s.db.store);
    const u = await makeUser(ctx);
    loc = (await makeLocation(ctx, u.id)).id;
    const stranger = await makeUser(ctx);
    foreign = (await makeLocation(ctx, stranger.id)).id;
    token = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc] })).accessToken;
    readOnly = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc], scopes: ["messages:read"] }))
      .accessToken;
    otherClientToken = (await makeApiToken(ctx, { userId: u.id, locationIds: [loc] })).accessToken;
  });
  after(async () => s.close());

  const send = (body: unknown, opts: { token?: string | null; key?: string; raw?: string } = {}) =>
    fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? token}` }),
        ...(opts.key ? { "idempotency-key": opts.key } : {}),
      },
      body: opts.raw ?? JSON.stringify(body),
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

  it("accepts an SMS: the seed's fields, status queued, sent_at null, segments and encoding", async () => {
    const r = await send({ phone: PHONE, locationId: loc, message: "Hello from myCRMSIM" });
    assert.equal(r.status, 200);
    const body = (await r.json()) as Json;
    assert.match(String(body.id), /^msg_[0-9a-z]{26}$/);
    assert.equal(body.phone, PHONE);
    assert.equal(body.locationId, loc);
    assert.equal(body.message, "Hello from myCRMSIM");
    assert.equal(body.status, "queued");
    assert.equal(body.sent_at, null);
    assert.equal(body.segments, 1);
    assert.equal(body.encoding, "GSM-7");
    assert.equal(body.direction, "outbound");
    // Durable: the row is there with its first history entry.
    const row = await s.db.store.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", String(body.id))
      .executeTakeFirst();
    assert.equal(row?.status, "queued");
    const history = await s.db.store.db
      .selectFrom("message_events")
      .selectAll()
      .where("message_id", "=", String(body.id))
      .execute();
    assert.deepEqual(
      history.map((h) => h.status),
      ["queued"],
    );
  });

  it("counts segments and picks UCS-2 for text outside GSM-7", async () => {
    const long = (await (
      await send({ phone: PHONE, locationId: loc, message: "a".repeat(161) })
    ).json()) as Json;
    assert.deepEqual([long.segments, long.encoding], [2, "GSM-7"]);
    const emoji = (await (await send({ phone: PHONE, locationId: loc, message: "Hi 👋" })).json()) as Json;
    assert.deepEqual([emoji.segments, emoji.encoding], [1, "UCS-2"]);
    const ext = (await (
      await send({ phone: PHONE, locationId: loc, message: "€".repeat(81) })
    ).json()) as Json;
    assert.deepEqual([ext.segments, ext.encoding], [2, "GSM-7"], "extension characters cost two septets");
  });

  it("accepts an MMS with attachments and no text", async () => {
    const r = await send({ phone: PHONE, locationId: loc, attachments: ["https://cdn.example.com/a.jpg"] });
    assert.equal(r.status, 200);
    const body = (await r.json()) as Json;
    assert.deepEqual(body.attachments, ["https://cdn.example.com/a.jpg"]);
    assert.equal(body.message, null);
  });

  it("refuses bad input with a 4xx naming the problem and stores nothing", async () => {
    const before = await countMessages();
    const cases: [unknown, number, string, string?][] = [
      [{ phone: "4155552671", locationId: loc, message: "x" }, 400, "invalid_phone", "phone"],
      [{ phone: "+1 415 555 2671", locationId: loc, message: "x" }, 400, "invalid_phone", "phone"],
      [{ phone: "+15550000000", locationId: loc, message: "x" }, 400, "invalid_phone", "phone"],
      [{ phone: 14155552671, locationId: loc, message: "x" }, 400, "invalid_request", "phone"],
      [{ locationId: loc, message: "x" }, 400, "invalid_request", "phone"],
      [{ phone: PHONE, message: "x" }, 400, "invalid_request", "locationId"],
      [{ phone: PHONE, locationId: loc }, 400, "invalid_request", "message"],
      [{ phone: PHONE, locationId: loc, message: "" }, 400, "invalid_request", "message"],
      [{ phone: PHONE, locationId: loc, message: 5 }, 400, "invalid_request", "message"],
      [{ phone: PHONE, locationId: loc, message: "x".repeat(1601) }, 400, "message_too_long", "message"],
      [
        { phone: PHONE, locationId: loc, attachments: ["ftp://x.example/a"] },
        400,
        "invalid_request",
        "attachments[0]",
      ],
      [
        { phone: PHONE, locationId: loc, attachments: ["https://u:p@x.example/a"] },
        400,
        "invalid_request",
        "attachments[0]",
      ],
      [
        { phone: PHONE, locationId: loc, attachments: "https://x.example/a" },
        400,
        "invalid_request",
        "attachments",
      ],
      [{ phone: PHONE, locationId: "loc_nope", message: "x" }, 404, "location_not_found"],
      [{ phone: PHONE, locationId: foreign, message: "x" }, 404, "location_not_found"],
      [[1, 2], 400, "invalid_request"],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await send(body);
      const json = (await r.json()) as Json;
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(json)}`);
      assert.equal(json.error, code, JSON.stringify(body).slice(0, 80));
      assert.equal(typeof json.message, "string");
      if (field)
        assert.equal(json.field, field, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(json)}`);
    }
    const bad = await send(undefined, { raw: '{"phone": "+1415' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as Json).error, "invalid_request");
    const exactly = await send({ phone: PHONE, locationId: loc, message: "é".repeat(1600) });
    assert.equal(exactly.status, 200, "1600 characters is allowed");
    assert.equal(await countMessages(), before + 1);
  });

  it("security: no token, a bad token, a token without messages:send", async () => {
    const none = await send({ phone: PHONE, locationId: loc, message: "x" }, { token: null });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    assert.deepEqual(
      { ...((await none.json()) as Json), request_id: undefined },
      { error: "unauthorized", message: "Invalid or expired access token", request_id: undefined },
    );
    assert.equal(
      (await send({ phone: PHONE, locationId: loc, message: "x" }, { token: "mcs_at_forged" })).status,
      401,
    );
    const scope = await send({ phone: PHONE, locationId: loc, message: "x" }, { token: readOnly });
    assert.equal(scope.status, 403);
    assert.equal(((await scope.json()) as Json).error, "insufficient_scope");
  });

  it("Idempotency-Key: a retry returns the first answer and stores one message", async () => {
    const before = await countMessages();
    const body = { phone: PHONE, locationId: loc, message: "only once" };
    const a = await send(body, { key: "order-1234" });
    const b = await send(body, { key: "order-1234" });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(b.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await b.json(), await a.json());
    assert.equal(await countMessages(), before + 1);
    // The same key with another body is a client bug: 422, nothing stored.
    const changed = await send({ ...body, message: "something else" }, { key: "order-1234" });
    assert.equal(changed.status, 422);
    assert.equal(((await changed.json()) as Json).error, "idempotency_key_reused");
    // Keys are scoped per OAuth client: another client's identical key is a new message.
    const other = await send(body, { key: "order-1234", token: otherClientToken });
    assert.equal(other.status, 200);
    assert.equal(other.headers.get("idempotent-replayed"), null);
    assert.equal(await countMessages(), before + 2);
  });

  it("Idempotency-Key: concurrent requests with one key create exactly one message", async () => {
    const before = await countMessages();
    const body = { phone: PHONE, locationId: loc, message: "race" };
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(body, { key: "race-key" })));
    const statuses = answers.map((r) => r.status);
    for (const st of statuses) assert.ok(st === 200 || st === 409, `status ${st}`);
    const ok = await Promise.all(
      answers.filter((r) => r.status === 200).map((r) => r.json() as Promise<Json>),
    );
    assert.ok(ok.length >= 1);
    assert.equal(new Set(ok.map((m) => m.id)).size, 1, "every 200 names the same message");
    for (const r of answers.filter((x) => x.status === 409)) {
      assert.equal(((await r.json()) as Json).error, "idempotency_in_flight");
      assert.ok(r.headers.get("retry-after"));
    }
    assert.equal(await countMessages(), before + 1);
  });

  it("an invalid Idempotency-Key header is a 400", async () => {
    const r = await send({ phone: PHONE, locationId: loc, message: "x" }, { key: "k".repeat(300) });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as Json).field, "headers.idempotency-key");
  });
});
