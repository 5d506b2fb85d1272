import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadApp } from "../../integrations/make/harness/definition.js";
import { evaluate, expressionsIn, ImlError, parse, render } from "../../integrations/make/harness/iml.js";
import { WEBHOOK_EVENTS } from "../../src/webhooks/index.js";

const at = new Date("2026-05-21T10:00:00.000Z");
const scope = { now: () => at, body: { a: "x", n: 5, list: ["a", "b"], empty: "" }, data: {} };
const ev = (src: string) => evaluate(parse(src), scope);

describe("IML subset", () => {
  it("reads paths, dotted and bracketed, and gives undefined past a missing key", () => {
    assert.equal(ev("body.a"), "x");
    assert.equal(ev("body['a']"), "x");
    assert.equal(ev("body.missing.deeper"), undefined);
  });

  it("ifempty, join, if, toCollection", () => {
    assert.equal(ev("ifempty(body.empty, 'fallback')"), "fallback");
    assert.equal(ev("ifempty(body.a, 'fallback')"), "x");
    assert.equal(ev("ifempty(body.missing, body.a)"), "x");
    assert.equal(ev("join(body.list, ' ')"), "a b");
    assert.equal(ev("if(body.a = 'x', 'yes', 'no')"), "yes");
    assert.equal(ev("if(body.a != 'x', 'yes', undefined)"), undefined);
    assert.deepEqual(
      evaluate(parse("toCollection(body.h, 'key', 'value')"), { body: { h: [{ key: "A", value: "1" }] } }),
      { A: "1" },
    );
    assert.deepEqual(ev("toCollection(body.missing, 'key', 'value')"), {});
  });

  it("dates: now, addSeconds, addMinutes, and comparisons across Date and ISO strings", () => {
    assert.equal((ev("addSeconds(now, 3600)") as Date).toISOString(), "2026-05-21T11:00:00.000Z");
    assert.equal((ev("addMinutes(now, 15)") as Date).toISOString(), "2026-05-21T10:15:00.000Z");
    const s = { now: () => at, data: { expires: "2026-05-21T10:10:00.000Z" } };
    assert.equal(evaluate(parse("data.expires < addMinutes(now, 15)"), s), true);
    assert.equal(evaluate(parse("data.expires < addMinutes(now, 5)"), s), false);
  });

  it("base64, sha256 (hash and HMAC), uuid, string concatenation and number addition", () => {
    assert.equal(ev("base64('id' + ':' + 'secret')"), Buffer.from("id:secret").toString("base64"));
    assert.equal(ev("sha256('abc')"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(ev("sha256('abc', 'base64', 'k')"), "NC5RnOCtbAOja5jus/HRMNtIE7nfTRFg7aSI1xLceO4=");
    assert.match(String(ev("uuid")), /^[0-9a-f-]{36}$/);
    assert.equal(ev("body.n + 1"), 6);
    assert.equal(ev("'n=' + body.n"), "n=5");
  });

  it("fails on anything outside the subset instead of guessing", () => {
    assert.throws(() => parse("formatDate(now, 'X')"), ImlError);
    assert.throws(() => parse("secrets.token"), /unknown IML variable secrets/);
    assert.throws(() => parse("body.a * 2"), ImlError);
    assert.throws(() => parse("body.a ? 1 : 2"), ImlError);
    assert.throws(() => parse("ifempty(body.a"), ImlError);
    assert.throws(() => ev("body.missing < now"), /undefined/);
  });

  it("renders templates: a lone expression keeps its type, text interpolates, undefined keys drop", () => {
    assert.deepEqual(render({ n: "{{body.n}}", s: "n={{body.n}}", gone: "{{body.missing}}" }, scope), {
      n: 5,
      s: "n=5",
    });
    assert.equal(render("{{body.a}}-{{body.n}}", scope), "x-5");
    assert.equal(render("{{addSeconds(now, 1)}}", scope) instanceof Date, true);
  });

  it("every expression in the Make app definition is inside the subset", () => {
    const app = loadApp();
    const exprs = Object.values(app.files).flatMap(expressionsIn);
    assert.ok(exprs.length > 40, `found only ${exprs.length} expressions`);
    for (const e of exprs) assert.doesNotThrow(() => parse(e), `{{${e}}}`);
  });

  it("the definition has every component the app needs, wired to its connection and webhooks", () => {
    const app = loadApp();
    assert.deepEqual(Object.keys(app.components.module).sort(), [
      "makeApiCall",
      "sendMessage",
      "watchMessageStatus",
      "watchNewMessages",
      "watchPhoneStatus",
    ]);
    assert.equal(app.components.module.watchNewMessages?.webhook, "newMessage");
    assert.equal(app.components.module.watchMessageStatus?.webhook, "messageStatus");
    assert.equal(app.components.module.watchPhoneStatus?.webhook, "deviceStatus");
    assert.equal(app.components.module.watchPhoneStatus?.moduleType, "instant_trigger");
    assert.equal(app.components.module.makeApiCall?.moduleType, "universal");
    const conn = app.components.connection.mycrmsim?.code.communication as Record<string, unknown>;
    for (const s of ["authorize", "token", "info", "refresh", "invalidate"]) assert.ok(conn[s], s);
    assert.deepEqual(Object.keys(app.common).sort(), ["clientId", "clientSecret"]);
  });

  it("every webhook event the server offers has one Make webhook subscribing it, used by an instant trigger", () => {
    const app = loadApp();
    const webhooks = Object.entries(app.components.webhook);
    const subscribed = webhooks.map(([, w]) => (w.code.attach as { body: { event: string } }).body.event);
    assert.deepEqual([...subscribed].sort(), [...WEBHOOK_EVENTS].sort());
    const triggers = Object.values(app.components.module).filter((m) => m.moduleType === "instant_trigger");
    assert.deepEqual(triggers.map((m) => m.webhook).sort(), webhooks.map(([id]) => id).sort());
    for (const [id, w] of webhooks) {
      assert.equal(w.connection, "mycrmsim", id);
      // Detach sends back what attach kept: the subscription's id, location and URL.
      const kept = Object.keys((w.code.attach as { response: { data: object } }).response.data).sort();
      assert.deepEqual(kept, ["locationId", "targetUrl", "webhook_id"], id);
      assert.match(JSON.stringify(w.code.detach), /webhooks\/unsubscribe/, id);
    }
  });
});
