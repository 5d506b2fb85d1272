import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isLoopbackHost } from "../../src/api/system.js";
import { makeApiToken } from "../helpers/oauth.js";
import { mobile, setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { registerDevice } from "./device.js";

describe("L10 API answers are not cacheable", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer("sqlite");
  });
  after(async () => s.close());

  it("L10 /api/v1 answers (success and error) and the mobile API carry Cache-Control: no-store", async () => {
    const { ctx, userId, locationId } = await setupTenant(s);
    const { accessToken } = await makeApiToken(ctx, { userId, locationIds: [locationId] });
    const auth = { authorization: `Bearer ${accessToken}` };
    for (const path of ["/api/v1/me", "/api/v1/locations", "/api/v1/messages", "/api/v1/webhooks"]) {
      const r = await fetch(`${s.url}${path}`, { headers: auth });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("cache-control"), "no-store", path);
    }
    const anon = await fetch(`${s.url}/api/v1/messages`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get("cache-control"), "no-store");

    const device = await registerDevice(s, ctx, locationId);
    for (const path of ["/settings", "/webhooks", "/messages"]) {
      const r = await mobile(s, "GET", path, { auth: `Bearer ${device.token}` });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("cache-control"), "no-store", path);
    }
  });
});

describe("L11 /metrics is not public by default", () => {
  it("L11 loopback HOST without METRICS_TOKEN: served directly, not through a proxy", async () => {
    const s = await startTestServer("sqlite");
    try {
      assert.equal((await fetch(`${s.url}/metrics`)).status, 200);
      const proxied = await fetch(`${s.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
      assert.equal(proxied.status, 404);
    } finally {
      await s.close();
    }
  });

  it("L11 a non-loopback HOST without METRICS_TOKEN answers 404", async () => {
    const s = await startTestServer("sqlite", { HOST: "0.0.0.0" });
    try {
      const r = await fetch(`${s.url.replace("0.0.0.0", "127.0.0.1")}/metrics`);
      assert.equal(r.status, 404);
      assert.doesNotMatch(await r.text(), /mycrmsim_http/);
    } finally {
      await s.close();
    }
  });

  it("L11 with METRICS_TOKEN only the right token gets metrics (any HOST)", async () => {
    const token = "m".repeat(40);
    const s = await startTestServer("sqlite", { HOST: "0.0.0.0", METRICS_TOKEN: token });
    try {
      const base = s.url.replace("0.0.0.0", "127.0.0.1");
      for (const sent of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, token, "Bearer "]) {
        const r = await fetch(`${base}/metrics`, { headers: sent ? { authorization: sent } : {} });
        assert.equal(r.status, 401, String(sent));
        assert.equal(r.headers.get("www-authenticate"), "Bearer");
      }
      const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /mycrmsim_/);
    } finally {
      await s.close();
    }
  });

  it("L11 loopback hosts are told apart from others", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com"]) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });
});
