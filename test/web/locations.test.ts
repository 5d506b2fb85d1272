import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("locations page", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  before(async () => {
    s = await startTestServer(dialect);
    c = await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("signed out → sign-in; CSRF-less POST refused", async () => {
    const r = await new FormClient(s.url).get("/locations");
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin/);
    assert.equal((await c.post("/locations", { name: "X" })).status, 403);
  });

  it("creates and renames a location; another user's location is not found", async () => {
    const csrf = await c.csrf("/locations");
    assert.equal(
      (await c.post("/locations", { _csrf: csrf, name: "Uptown Clinic", time_zone: "UTC" })).status,
      303,
    );
    const text = await (await c.get("/locations")).text();
    assert.match(text, /Uptown Clinic/);
    const id = /action="\/locations\/([^/]+)\/rename"/.exec(text)?.[1] ?? "";
    assert.equal((await c.post(`/locations/${id}/rename`, { _csrf: csrf, name: "Downtown" })).status, 303);
    assert.match(await (await c.get("/locations")).text(), /Downtown/);
    const bad = await c.post("/locations/loc_doesnotexist/rename", { _csrf: csrf, name: "Mine" });
    assert.equal(bad.status, 404);
  });

  it("bad input is shown in the form, never a 500", async () => {
    const csrf = await c.csrf("/locations");
    const tz = await c.post("/locations", { _csrf: csrf, name: "Lakeside", time_zone: "Mars/Olympus" });
    assert.equal(tz.status, 400);
    const text = await tz.text();
    assert.match(text, /role="alert"/);
    assert.match(text, /value="Lakeside"/);
    assert.match(text, /value="Mars\/Olympus"/);
    const id = /action="\/locations\/([^/]+)\/rename"/.exec(text)?.[1] ?? "";
    const empty = await c.post(`/locations/${id}/rename`, { _csrf: csrf, name: "   " });
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /name: must be 1 to 120 characters/);
  });
});
