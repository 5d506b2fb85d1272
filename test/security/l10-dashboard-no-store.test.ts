import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { setupAdmin } from "../helpers/web.js";

/** L10: authenticated dashboard pages must not be kept by a browser or a shared proxy cache. */
forEachDialect("L10 dashboard pages carry Cache-Control: no-store", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => s.close());

  it("L10 every signed-in page and the sign-in page say no-store; static assets stay cacheable", async () => {
    const c = await setupAdmin(s.url);
    for (const path of ["/", "/locations", "/account", "/integrations", "/admin/users", "/admin/apps"]) {
      const r = await c.get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("cache-control"), "no-store", path);
    }
    const signin = await fetch(`${s.url}/signin`);
    assert.equal(signin.headers.get("cache-control"), "no-store");
    const css = await fetch(`${s.url}/assets/app.css`);
    assert.match(css.headers.get("cache-control") ?? "", /max-age=3600/);
  });
});
