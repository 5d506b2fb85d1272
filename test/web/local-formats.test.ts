import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail, listUserLocations } from "../../src/accounts/index.js";
import { listMessages } from "../../src/messages/index.js";
import { ctxFor } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient } from "../helpers/web.js";

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

forEachDialect("time zones and local phone numbers", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let karachi: string;
  const ctx = () => ctxFor(s.db.store);
  before(async () => {
    s = await startTestServer(dialect);
    c = new FormClient(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("setup: a time zone picker with every zone; a city alone is refused in words, the rest kept, not the password", async () => {
    const page = await (await c.get("/setup")).text();
    assert.match(
      page,
      /<input id="time_zone" name="time_zone" list="time-zones"[^>]* data-tz-detect="[^"]+">/,
    );
    assert.match(page, /<datalist id="time-zones">[\s\S]*<option value="Asia\/Karachi"><\/option>/);
    assert.match(page, /<script src="\/assets\/time-zone\.js" defer><\/script>/);
    const js = await c.get("/assets/time-zone.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    const bad = await c.post("/setup", {
      _csrf: csrfOf(page),
      name: "Ayesha",
      email: "ayesha@example.com",
      password: "a long enough password",
      location_name: "Karachi Bakery",
      time_zone: "Karachi",
    });
    assert.equal(bad.status, 400);
    const text = await bad.text();
    assert.match(
      text,
      /Time zone: “Karachi” is not a time zone we know; they are written Region\/City\. Did you mean Asia\/Karachi\?/,
    );
    assert.match(text, /value="Ayesha"/);
    assert.match(text, /value="ayesha@example\.com"/);
    assert.match(text, /value="Karachi Bakery"/);
    assert.match(text, /name="time_zone" list="time-zones" value="Karachi"/);
    assert.doesNotMatch(text, /data-tz-detect/, "what the user typed is not replaced by the browser's zone");
    assert.doesNotMatch(text, /a long enough password/);
    assert.match(text, /the password was not kept: type it again/);
    const ok = await c.post("/setup", {
      _csrf: csrfOf(text),
      name: "Ayesha",
      email: "ayesha@example.com",
      password: "a long enough password",
      location_name: "Karachi Bakery",
      time_zone: "asia/karachi",
    });
    assert.equal(ok.status, 303);
    const user = await findUserByEmail({ ctx: ctx(), input: { email: "ayesha@example.com" } });
    const locs = await listUserLocations({ ctx: ctx(), input: { userId: user?.id ?? "" } });
    assert.equal(locs[0]?.time_zone, "Asia/Karachi");
    karachi = locs[0]?.id ?? "";
  });

  it("locations: the new-location form defaults to the zone of the user's location; an owner changes a time zone", async () => {
    const page = await (await c.get("/locations")).text();
    assert.match(page, /<input id="time_zone" name="time_zone" list="time-zones" value="Asia\/Karachi"/);
    const bad = await c.post("/locations", { _csrf: csrfOf(page), name: "Lahore Cafe", time_zone: "Lahore" });
    assert.equal(bad.status, 400);
    const badText = await bad.text();
    assert.match(badText, /Time zone: “Lahore” is not a time zone we know/);
    assert.match(badText, /value="Lahore Cafe"/);
    const edit = await c.post(`/locations/${karachi}/rename`, {
      _csrf: csrfOf(page),
      name: "Karachi Bakery",
      time_zone: "Mars/Olympus",
    });
    assert.equal(edit.status, 400);
    const editText = await edit.text();
    assert.match(editText, /Time zone: “Mars\/Olympus” is not a time zone we know/);
    assert.match(editText, /<details open><summary>Edit/);
    const saved = await c.post(`/locations/${karachi}/rename`, {
      _csrf: csrfOf(page),
      name: "Karachi Bakery",
      time_zone: "Asia/Dubai",
    });
    assert.equal(saved.status, 303);
    assert.match(await (await c.get("/locations")).text(), /<td>Asia\/Dubai<\/td>/);
    const back = await c.post(`/locations/${karachi}/rename`, {
      _csrf: csrfOf(page),
      name: "Karachi Bakery",
      time_zone: "Asia/Karachi",
    });
    assert.equal(back.status, 303);
  });

  it("send form: suggests the location's format, accepts a national number as E.164; errors say “To”", async () => {
    const page = await (await c.get(`/locations/${karachi}/messages`)).text();
    assert.match(
      page,
      /<label for="phone">To <span class="hint">\(e\.g\. \+923\d{9}, or 03\d\d \d{7} in Pakistan\)<\/span>/,
    );
    const sent = await c.post(`/locations/${karachi}/messages`, {
      _csrf: csrfOf(page),
      phone: "0300 1234567",
      message: "Your cake is ready",
    });
    assert.equal(sent.status, 303);
    const list = await listMessages({ ctx: ctx(), input: { locationIds: [karachi], limit: 5 } });
    assert.equal(list.data[0]?.phone, "+923001234567");
    const bad = await c.post(`/locations/${karachi}/messages`, {
      _csrf: csrfOf(page),
      phone: "0300",
      message: "x",
    });
    assert.equal(bad.status, 400);
    const text = await bad.text();
    assert.match(
      text,
      /To: “0300” is not a phone number we can send to\. Write it with its country code, e\.g\. \+923\d{9}, or as dialled in Pakistan, e\.g\. 03\d\d \d{7}\./,
    );
    assert.match(text, /name="phone" type="tel" required value="0300"/);
  });

  it("the API stays E.164 only: a national number is refused there", async () => {
    const user = await findUserByEmail({ ctx: ctx(), input: { email: "ayesha@example.com" } });
    const app = await makeApiToken(ctx(), { userId: user?.id ?? "", locationIds: [karachi] });
    const r = await fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${app.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ phone: "03001234567", locationId: karachi, message: "hi" }),
    });
    assert.equal(r.status, 400);
  });
});
