import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import type { Browser } from "playwright-core";
import { component } from "../../integrations/make/harness/definition.js";
import { type MakeError, MakeHarness } from "../../integrations/make/harness/make.js";
import { ManualClock } from "../../src/core/clock.js";
import { parseHealth } from "../../src/devices/health.js";
import { deviceStatusPayload } from "../../src/devices/presenters.js";
import { createClient } from "../../src/oauth/index.js";
import { devices as deviceRepos } from "../../src/store/repos/index.js";
import { emitEvent } from "../../src/webhooks/index.js";
import { launchBrowser } from "../helpers/browser.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { pairPhone } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { connectInBrowser, hostsFor, WebhookReceiver } from "./make-flow.js";
import { phoneReceivesSms } from "./phone.js";

const HOUR = 3600_000;

forEachDialect("Make custom app, replayed by the harness", (dialect) => {
  const clock = new ManualClock();
  let s: TestServer;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let hookBase: string;
  let user: { id: string; email: string; password: string };
  let loc: { id: string; name: string };
  let otherLoc: { id: string };
  let common: { clientId: string; clientSecret: string };
  const harness = (tokenType: "json" | "urlencoded") =>
    new MakeHarness({
      hosts: hostsFor(s.url),
      // The self-hoster's connection: their server, and their OAuth client in the advanced fields.
      connection: { serverUrl: s.url, clientId: common.clientId, clientSecret: common.clientSecret },
      now: () => clock.now(),
      tokenType,
    });

  before(async () => {
    s = await startTestServer(dialect, {}, { clock });
    browser = await launchBrowser();
    receiver = new WebhookReceiver();
    hookBase = await receiver.start();
    const ctx = ctxFor(s.db.store, clock);
    user = await makeUser(ctx);
    loc = await makeLocation(ctx, user.id, { name: "Harbor Clinic" });
    otherLoc = await makeLocation(ctx, (await makeUser(ctx)).id);
    const c = await createClient({
      ctx,
      input: { name: "Make", redirectUris: ["https://www.make.com/oauth/cb/app"] },
    });
    common = { clientId: c.client_id, clientSecret: c.client_secret };
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await s?.close();
  });

  /** A new connection as a user makes it: consent in the browser, then Make exchanges the code. */
  const connect = async (tokenType: "json" | "urlencoded") => {
    const m = harness(tokenType);
    const redirected = await connectInBrowser(browser, m, user);
    await m.token();
    return { m, redirected };
  };
  // The json connection most tests share, as one Make scenario uses one connection. Each test asks for
  // it rather than relying on an earlier test having made it: when the connect test failed (or a test
  // runs alone) the next test connects itself, and a test that cannot connect fails with that reason.
  let shared: Promise<MakeHarness> | undefined;
  const json = (): Promise<MakeHarness> => {
    shared ??= connect("json").then(
      ({ m }) => m,
      (e: unknown) => {
        shared = undefined;
        throw new Error(`could not connect the Make app (json) for this test: ${String(e)}`, { cause: e });
      },
    );
    return shared;
  };
  /** Sends one SMS from the shared connection; the tests that need messages send their own. */
  const sendSms = async (m: MakeHarness, message: string) =>
    (await m.module("sendMessage", {
      locationId: loc.id,
      type: "sms",
      phone: "+923001234567",
      message,
    })) as Record<string, unknown>;

  it("connects: authorize in a browser, token (json), info labels the connection", async () => {
    const m = harness("json");
    const redirected = await connectInBrowser(browser, m, user);
    assert.match(redirected, /[?&]code=[^&]+/);
    await m.token();
    assert.match(String(m.data.accessToken), /^mcs_at_[\w-]{20,}$/);
    assert.ok(m.data.refreshToken);
    assert.equal(new Date(String(m.data.expires)).getTime(), clock.now() + HOUR);
    const info = await m.info();
    assert.equal(info.uid, user.id);
    assert.deepEqual(info.metadata, { type: "email", value: user.email });
    shared = Promise.resolve(m);
  });

  it("the listLocations RPC offers only this grant's locations", async () => {
    assert.deepEqual(await (await json()).rpc("listLocations"), [{ label: "Harbor Clinic", value: loc.id }]);
  });

  it("Send a Message: an SMS, an MMS, and the API's errors mapped to Make errors", async () => {
    const m = await json();
    const sms = (await m.module("sendMessage", {
      locationId: loc.id,
      type: "sms",
      phone: "+923001234567",
      message: "Hello from Make",
    })) as Record<string, unknown>;
    assert.match(String(sms.id), /^msg_/);
    assert.equal(sms.status, "queued");
    assert.equal(sms.locationId, loc.id);
    const mms = (await m.module("sendMessage", {
      locationId: loc.id,
      type: "mms",
      phone: "+923001234567",
      attachments: ["https://example.com/file.jpg"],
    })) as Record<string, unknown>;
    assert.match(String(mms.id), /^msg_/);
    await assert.rejects(
      m.module("sendMessage", { locationId: loc.id, type: "sms", phone: "03001234567", message: "x" }),
      (e: MakeError) => e.type === "DataError" && /\[400\] invalid_phone/.test(e.message),
    );
    await assert.rejects(
      m.module("sendMessage", { locationId: otherLoc.id, type: "sms", phone: "+923001234567", message: "x" }),
      (e: MakeError) => /\[404\] location_not_found/.test(e.message),
    );
  });

  it("Send an SMS/MMS: an empty idempotency key is left out; a key makes a retry return the same message", async () => {
    const m = await json();
    const send = (idempotencyKey: string) =>
      m.module("sendMessage", {
        locationId: loc.id,
        type: "sms",
        phone: "+923001234567",
        message: `keyed ${idempotencyKey || "none"}`,
        idempotencyKey,
      }) as Promise<Record<string, unknown>>;
    const before = m.logs.length;
    const a = await send("");
    assert.match(String(a.id), /^msg_/);
    assert.doesNotMatch(m.logs.slice(before).join("\n"), /idempotency-key/, "no empty header is sent");
    const k1 = await send("make-run-1");
    const k2 = await send("make-run-1");
    assert.equal(k2.id, k1.id, "the retry is the same message");
    assert.notEqual(k1.id, a.id);
    const mod = component(m.app, "module", "sendMessage");
    const names = (mod.code.interface as { name: string }[]).map((f) => f.name).sort();
    assert.deepEqual(Object.keys(a).sort(), names, "the interface names exactly what the server returns");
    assert.deepEqual(Object.keys(mod.code.samples as object).sort(), names);
  });

  it("Get a Message: the message with its history, as the interface and sample declare; 404 mapped", async () => {
    const m = await json();
    const sent = (await m.module("sendMessage", {
      locationId: loc.id,
      type: "sms",
      phone: "+923001234567",
      message: "To be read back",
    })) as Record<string, unknown>;
    const got = (await m.module("getMessage", { id: sent.id })) as Record<string, unknown>;
    assert.equal(got.id, sent.id);
    assert.equal(got.message, "To be read back");
    assert.equal(got.direction, "outbound");
    assert.ok(Array.isArray(got.history) && got.history.length >= 1);
    const mod = component(m.app, "module", "getMessage");
    const names = (mod.code.interface as { name: string }[]).map((f) => f.name).sort();
    assert.deepEqual(Object.keys(got).sort(), names, "the interface names exactly what the server returns");
    assert.deepEqual(Object.keys(mod.code.samples as object).sort(), names);
    await assert.rejects(
      m.module("getMessage", { id: "msg_doesnotexist" }),
      (e: MakeError) => e.type === "DataError" && /\[404\]/.test(e.message),
    );
    await assert.rejects(m.module("getMessage", {}), /id is required/);
  });

  it("Search Messages: filters, pages followed through next_cursor, stops at the Limit", async () => {
    const m = await json();
    // Its own five, whatever the other tests sent from this location before.
    const texts = ["Search 1", "Search 2", "Search 3", "Search 4", "Search 5"];
    for (const text of texts) {
      await sendSms(m, text);
      clock.advance(1000); // distinct creation times: "newest first" is then one order
    }
    const mod = component(m.app, "module", "searchMessages");
    const names = (mod.code.interface as { name: string }[]).map((f) => f.name).sort();
    assert.deepEqual(Object.keys(mod.code.samples as object).sort(), names);

    // The shipped page size is 100; the same definition with pages of 2 makes the paging visible.
    const app = structuredClone(m.app);
    const comm = component(app, "module", "searchMessages").code.communication as { qs: { limit: number } };
    assert.equal(comm.qs.limit, 100);
    comm.qs.limit = 2;
    const paged = new MakeHarness({ ...m.opts, app });
    paged.data = m.data;
    const search = async (parameters: Record<string, unknown>) =>
      (await paged.module("searchMessages", parameters)) as Record<string, unknown>[];

    const before = paged.logs.length;
    const four = await search({ locationId: loc.id, direction: "outbound", limit: 4 });
    assert.equal(four.length, 4, "the Limit caps the bundles");
    assert.deepEqual(
      four.map((x) => x.message),
      texts.slice(1).reverse(),
      "the newest four, newest first",
    );
    const requests = paged.logs
      .slice(before)
      .map((l) => (JSON.parse(l) as { request: { url: string } }).request.url);
    assert.equal(requests.length, 2, "two pages of two");
    assert.doesNotMatch(String(requests[0]), /cursor=/);
    assert.match(String(requests[1]), /cursor=/);
    const times = four.map((x) => Date.parse(String(x.created_at)));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      "newest first",
    );
    for (const x of four) {
      assert.equal(x.locationId, loc.id);
      assert.equal(x.direction, "outbound");
      assert.deepEqual(Object.keys(x).sort(), names.filter((n) => n in x).sort());
      for (const k of Object.keys(x)) assert.ok(names.includes(k), `${k} is in the interface`);
    }

    const all = await search({ locationId: loc.id, direction: "outbound", limit: 100 });
    assert.ok(all.length >= 5, `every outbound message over several pages (${all.length})`);
    for (const text of texts)
      assert.ok(
        all.some((x) => x.message === text),
        text,
      );
    assert.deepEqual(
      all.slice(0, 4).map((x) => x.id),
      four.map((x) => x.id),
      "the first pages are the same",
    );
    assert.equal(new Set(all.map((x) => x.id)).size, all.length, "no message twice across pages");
    assert.deepEqual(await search({ locationId: loc.id, status: "delivered", limit: 10 }), []);
    assert.deepEqual(await search({ since: new Date(clock.now() + HOUR).toISOString(), limit: 10 }), []);
    assert.deepEqual(
      (
        (await m.module("searchMessages", {
          locationId: loc.id,
          direction: "outbound",
          limit: 3,
        })) as unknown[]
      ).length,
      3,
      "the shipped definition (one page of 100) honours the Limit too",
    );
  });

  it("Make an API call reaches only our hosts, with a relative path", async () => {
    const m = await json();
    await sendSms(m, "For the API call to list");
    const out = (await m.module("makeApiCall", { host: "main", url: "/api/v1/me", method: "GET" })) as {
      statusCode: number;
      body: { data: { user: { id: string } } };
    };
    assert.equal(out.statusCode, 200);
    assert.equal(out.body.data.user.id, user.id);
    // Headers and query string in Make's spread form reach the server; the base's token still applies.
    const list = (await m.module("makeApiCall", {
      host: "dispatch",
      url: "/api/v1/messages",
      method: "GET",
      headers: [{ key: "X-Trace", value: "make" }],
      qs: [
        { key: "locationId", value: loc.id },
        { key: "limit", value: "1" },
      ],
    })) as { statusCode: number; body: { data: unknown[] } };
    assert.equal(list.statusCode, 200);
    assert.equal(list.body.data.length, 1);
    const sentHeaders = (JSON.parse(m.logs.at(-1) as string) as { request: { url: string; headers: object } })
      .request;
    assert.match(sentHeaders.url, /locationId=.*limit=1/);
    assert.ok("x-trace" in sentHeaders.headers && "authorization" in sentHeaders.headers);
    for (const url of ["@evil.example/x", "//evil.example/x", "https://evil.example/x"])
      await assert.rejects(m.module("makeApiCall", { host: "main", url, method: "GET" }), /does not match/);
    await assert.rejects(
      m.module("makeApiCall", { host: "https://evil.example", url: "/x", method: "GET" }),
      /one of the options/,
    );
  });

  // Before any clock jump: the simulated phone signs its events with the real time.
  it("Watch New Messages: attach, an inbound SMS from a phone arrives as a bundle, detach twice", async () => {
    const m = await json();
    const webhook = await m.attach("newMessage", `${hookBase}/make/hook-1`, { locationId: loc.id });
    assert.match(String(webhook.webhook_id), /^wh_/);
    await phoneReceivesSms(s, ctxFor(s.db.store, clock), {
      locationId: loc.id,
      from: "+923001234567",
      text: "Reply from a customer",
    });
    const hit = await receiver.next("/make/hook-1");
    const bundle = m.bundle("newMessage", {
      body: hit.body,
      headers: hit.headers as Record<string, unknown>,
    }) as Record<string, unknown>;
    assert.equal(bundle.phone_number, "+923001234567");
    assert.equal(bundle.locationId, loc.id);
    assert.equal(bundle.message, "Reply from a customer");
    assert.ok(!Number.isNaN(Date.parse(String(bundle.created_at))));
    assert.match(String(bundle.id), /^msg_/);
    assert.ok(hit.headers["webhook-signature"], "deliveries are signed");
    await m.detach("newMessage", webhook);
    await m.detach("newMessage", webhook);
  });

  it("Watch Message Status attaches and detaches too", async () => {
    const m = await json();
    const webhook = await m.attach("messageStatus", `${hookBase}/make/hook-2`, { locationId: loc.id });
    assert.match(String(webhook.webhook_id), /^wh_/);
    await m.detach("messageStatus", webhook);
  });

  it("Watch Phone Status: attach subscribes device_status, a phone's event arrives as a bundle with the interface's fields, detach twice", async () => {
    const m = await json();
    const hookUrl = `${hookBase}/make/hook-3`;
    const webhook = await m.attach("deviceStatus", hookUrl, { locationId: loc.id });
    assert.match(String(webhook.webhook_id), /^wh_/);
    const subscription = () =>
      fetch(`${s.url}/api/v1/webhooks/${String(webhook.webhook_id)}`, {
        headers: { authorization: `Bearer ${String(m.data.accessToken)}` },
      });
    const sub = (await (await subscription()).json()) as Record<string, unknown>;
    assert.equal(sub.event, "device_status");
    assert.equal(sub.locationId, loc.id);
    assert.equal(sub.targetUrl, hookUrl);

    // A phone of the location with a low battery: its payload (the server's own builder) goes through
    // the outbox and the signed delivery, as the phone layer sends it.
    const ctx = ctxFor(s.db.store, clock);
    const phone = await pairPhone(s, ctx, loc.id, { name: "samsung/a52qnsxx" });
    await phone.stop();
    const health = parseHealth({
      health: {
        status: "warn",
        checks: {
          "battery:level": { status: "warn", observedValue: 15 },
          "battery:charging": { status: "pass", observedValue: 0 },
        },
      },
    });
    await deviceRepos.devices.update(ctx.db, phone.deviceId, {
      health: JSON.stringify(health),
      health_at: clock.now(),
    });
    const row = await deviceRepos.devices.byId(ctx.db, phone.deviceId);
    assert.ok(row);
    const payload = deviceStatusPayload(row, "battery_low", clock.now());
    const queued = await emitEvent({ ctx, input: { locationId: loc.id, event: "device_status", payload } });
    assert.equal(queued, 1, "exactly the Make subscription listens to device_status here");
    const sent = JSON.parse(JSON.stringify(payload)) as unknown;
    // Matched on the whole body: the phone layer may announce this phone on its own too.
    const hit = await receiver.next("/make/hook-3", 15_000, (r) => isDeepStrictEqual(r.body, sent));
    assert.ok(hit.headers["webhook-signature"], "deliveries are signed");
    const bundle = m.bundle("deviceStatus", {
      body: hit.body,
      headers: hit.headers as Record<string, unknown>,
    }) as Record<string, unknown>;
    assert.equal(bundle.event, "device_status");
    assert.equal(bundle.deviceId, phone.deviceId);
    assert.equal(bundle.locationId, loc.id);
    assert.equal(bundle.name, "samsung/a52qnsxx");
    assert.equal(bundle.status, "battery_low");
    assert.equal(bundle.battery, 15);
    assert.equal(bundle.charging, false);
    assert.equal(bundle.updated_at, new Date(clock.now()).toISOString());
    assert.ok(bundle.last_seen_at === null || typeof bundle.last_seen_at === "string");

    // What Make shows for mapping is exactly what arrives: interface, sample and bundle name the same fields.
    const trigger = component(m.app, "module", "watchPhoneStatus");
    assert.equal(trigger.webhook, "deviceStatus");
    const iface = trigger.code.interface as { name: string; type: string; spec?: unknown }[];
    const names = iface.map((f) => f.name).sort();
    assert.deepEqual(Object.keys(bundle).sort(), names);
    assert.deepEqual(
      names,
      [
        "battery",
        "charging",
        "deviceId",
        "event",
        "last_seen_at",
        "locationId",
        "name",
        "status",
        "updated_at",
      ],
      "the contract's device_status fields, flat",
    );
    const samples = trigger.code.samples as Record<string, unknown>;
    assert.deepEqual(Object.keys(samples).sort(), names);
    assert.ok(
      iface.every((f) => f.spec === undefined),
      "no nested groups: battery and charging are flat",
    );
    assert.equal(iface.find((f) => f.name === "battery")?.type, "uinteger");
    assert.equal(iface.find((f) => f.name === "charging")?.type, "boolean");
    assert.equal(typeof samples.battery, "number");
    assert.equal(typeof samples.charging, "boolean");
    assert.ok(!("id" in bundle) && !("online" in bundle) && !("push_only" in bundle));

    await m.detach("deviceStatus", webhook);
    await m.detach("deviceStatus", webhook);
    assert.equal((await subscription()).status, 404, "detach removed the subscription");
  });

  it("refreshes only when the token is about to expire, after the clock jumps", async () => {
    const m = await json();
    assert.equal((await m.refresh()).skipped, true, "a fresh token must not be refreshed");
    const before = { ...m.data };
    clock.advance(HOUR - 5 * 60_000);
    const r = await m.refresh();
    assert.equal(r.skipped, false);
    assert.notEqual(m.data.accessToken, before.accessToken);
    assert.notEqual(m.data.refreshToken, before.refreshToken, "refresh tokens rotate");
    assert.equal(new Date(String(m.data.expires)).getTime(), clock.now() + HOUR);
    assert.equal((await m.info()).uid, user.id);
  });

  it("invalidate revokes the connection: info then fails with 401", async () => {
    const m = await json();
    await m.invalidate();
    await assert.rejects(
      m.info(),
      (e: MakeError) => e.statusCode === 401 && e.type === "InvalidAccessTokenError",
    );
    shared = undefined; // that connection is gone: a later test connects anew
  });

  it("no token, secret or code ever appears in Make's (sanitized) logs", async () => {
    // A connection of its own, taken through every kind of call, so that every token it ever held is known.
    const { m, redirected } = await connect("json");
    const secrets = [common.clientSecret, new URL(redirected).searchParams.get("code") ?? "no code"];
    const keep = () => secrets.push(String(m.data.accessToken), String(m.data.refreshToken));
    keep();
    await m.info();
    await m.rpc("listLocations");
    await sendSms(m, "For the logs");
    await m.module("makeApiCall", { host: "main", url: "/api/v1/me", method: "GET" });
    clock.advance(HOUR - 5 * 60_000);
    assert.equal((await m.refresh()).skipped, false);
    keep();
    await m.info();
    await m.invalidate();
    assert.ok(m.logs.length >= 7, `every call is logged (${m.logs.length})`);
    for (const line of m.logs) for (const t of secrets) assert.equal(line.includes(t), false, line);
  });

  it("the urlencoded variant: token and refresh as forms; a replayed refresh token ends the grant", async () => {
    const m = harness("urlencoded");
    await connectInBrowser(browser, m, user);
    await m.token();
    assert.equal((await m.info()).uid, user.id);
    const old = String(m.data.refreshToken);
    clock.advance(HOUR - 60_000);
    assert.equal((await m.refresh()).skipped, false);
    assert.equal((await m.info()).uid, user.id);
    m.data.refreshToken = old;
    clock.advance(HOUR - 60_000);
    await assert.rejects(m.refresh(), /invalid_grant/);
    await assert.rejects(m.info(), (e: MakeError) => e.statusCode === 401);
  });
});
