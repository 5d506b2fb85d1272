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
    assert.throws(() => parse("body[a]"), ImlError);
    assert.throws(() => parse("secrets.token"), /unknown IML variable secrets/);
    assert.throws(() => parse("body.a * 2"), ImlError);
    assert.throws(() => parse("body.a ? 1 : 2"), ImlError);
    assert.throws(() => parse("ifempty(body.a"), ImlError);
    assert.throws(() => ev("body.missing < now"), /undefined/);
  });

  it("array indexes are 1-based, as in Make; 0 or past the end gives nothing", () => {
    assert.equal(ev("body.list[1]"), "a");
    assert.equal(ev("body.list[2]"), "b");
    assert.equal(ev("body.list[0]"), undefined);
    assert.equal(ev("body.list[3]"), undefined);
    assert.equal(
      evaluate(parse("body.data[1].id"), { body: { data: [{ id: "first" }, { id: "second" }] } }),
      "first",
    );
    assert.throws(() => ev("body.a[1]"), /not an array/);
  });

  it("equality is strict: no date parsing of strings; dates equal at the same instant", () => {
    assert.equal(ev("'2026-01-01T00:00:00Z' = '2026-01-01T00:00:00.000Z'"), false);
    assert.equal(ev("'2026-01-01T00:00:00Z' != '2026-01-01T00:00:00.000Z'"), true);
    assert.equal(ev("now = now"), true);
    assert.equal(ev("now = '2026-05-21T10:00:00.000Z'"), false);
    assert.equal(ev("body.n = '5'"), false);
    // Ordering still compares times.
    assert.equal(ev("'2026-01-01T00:00:00Z' < '2026-01-01T00:00:01.000Z'"), true);
  });

  it("ifempty: only undefined, null and '' are empty; an empty array or 0 is a value", () => {
    assert.deepEqual(ev("ifempty(body.none, 'x')"), "x");
    assert.deepEqual(evaluate(parse("ifempty(body.arr, 'x')"), { body: { arr: [] } }), []);
    assert.equal(evaluate(parse("ifempty(body.z, 'x')"), { body: { z: 0 } }), 0);
    assert.equal(evaluate(parse("ifempty(body.z, 'x')"), { body: { z: null } }), "x");
  });

  it("the {{...}} spread key merges a collection into the object; undefined adds nothing", () => {
    const s = { parameters: { headers: [{ key: "X-A", value: "1" }] } };
    assert.deepEqual(
      render({ authorization: "t", "{{...}}": "{{toCollection(parameters.headers, 'key', 'value')}}" }, s),
      { authorization: "t", "X-A": "1" },
    );
    assert.deepEqual(render({ a: 1, "{{...}}": "{{parameters.none}}" }, s), { a: 1 });
    assert.throws(() => render({ "{{...}}": "{{parameters.headers}}" }, s), /needs a collection/);
  });

  it("a Make function the harness lacks is reported as not supported, not guessed", () => {
    for (const fn of [
      "formatDate(now, 'X')",
      "parseDate('2026', 'YYYY')",
      "length(body.list)",
      "get(body.list, 1)",
    ])
      assert.throws(() => parse(fn), /is not supported by the harness/, fn);
    assert.equal(ev("encodeURL('a b/c')"), "a%20b%2Fc");
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
      "getMessage",
      "makeApiCall",
      "searchMessages",
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
    assert.equal(app.components.module.searchMessages?.moduleType, "search");
    // One app for any server: no URL in the definition names a host; it comes from the connection.
    for (const [file, v] of Object.entries(app.files))
      if (!file.endsWith(".md") && !/samples|params/.test(file))
        assert.doesNotMatch(JSON.stringify(v), /https?:\/\//, file);
    const params = app.components.connection.mycrmsim?.code.params as {
      name: string;
      advanced?: boolean;
      default?: string;
    }[];
    assert.deepEqual(
      params.map((p) => p.name),
      ["serverUrl", "dispatchUrl", "clientId", "clientSecret"],
    );
    assert.equal(params[0]?.default, "https://backend.mysmsgateway.app", "the hosted service is prefilled");
    assert.ok(
      params.slice(1).every((p) => p.advanced),
      "dispatch URL and client are advanced fields",
    );
    const scope = app.components.connection.mycrmsim?.code.defaultScope as string[];
    for (const s of ["messages:read", "webhooks:write"]) assert.ok(scope.includes(s), s);
    const conn = app.components.connection.mycrmsim?.code.communication as Record<string, unknown>;
    for (const s of ["authorize", "token", "info", "refresh", "invalidate"]) assert.ok(conn[s], s);
    assert.deepEqual(app.common, {}, "no placeholder or credential in Common data");
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
