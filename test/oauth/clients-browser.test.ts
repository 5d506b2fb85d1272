import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import * as oauth from "oauth4webapi";
import { createClient } from "../../src/oauth/index.js";
import { launchBrowser } from "../helpers/browser.js";
import { ctxFor } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { setupAdmin } from "../helpers/web.js";

const REDIRECT = "http://127.0.0.1:9/cb";

forEachDialect("a real browser and oauth4webapi", (dialect) => {
  let s: TestServer;
  let client: { client_id: string; client_secret: string };
  before(async () => {
    s = await startTestServer(dialect);
    await setupAdmin(s.url);
    client = await createClient({
      ctx: ctxFor(s.db.store),
      input: { name: "Browser App", redirectUris: [REDIRECT], requirePkce: true },
    });
  });
  after(async () => {
    await s.close();
  });

  it("sign in, Allow, then discovery, PKCE code exchange, refresh, introspection and revocation", async () => {
    const issuer = new URL(s.url);
    const opts = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...opts }),
    );
    const c: oauth.Client = { client_id: client.client_id };
    const auth = oauth.ClientSecretPost(client.client_secret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(String(as.authorization_endpoint));
    url.searchParams.set("client_id", c.client_id);
    url.searchParams.set("redirect_uri", REDIRECT);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", "locations:read messages:send");
    url.searchParams.set("state", state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");

    const browser = await launchBrowser();
    let callback = "";
    try {
      const page = await browser.newPage();
      await page.route("http://127.0.0.1:9/**", async (route) => {
        callback = route.request().url();
        await route.fulfill({ status: 200, body: "done" });
      });
      await page.goto(url.toString());
      assert.match(page.url(), /\/signin\?next=/);
      await page.fill("#email", "admin@example.com");
      await page.fill("#password", "correct horse battery");
      await page.click("button[type=submit]");
      await page.waitForURL(/\/oauth\/authorize/);
      assert.match((await page.textContent("h1")) ?? "", /Browser App/);
      assert.ok(await page.isChecked("input[name=location]"));
      // Deny once: the app hears access_denied with its state.
      await page.click("button[value=deny]");
      await page.waitForURL(/127\.0\.0\.1:9\/cb/).catch(() => undefined);
      assert.equal(new URL(callback).searchParams.get("error"), "access_denied");
      assert.equal(new URL(callback).searchParams.get("state"), state);
      callback = "";
      await page.goto(url.toString());
      await page.click("button[value=allow]");
      await page.waitForURL(/127\.0\.0\.1:9\/cb/).catch(() => undefined);
    } finally {
      await browser.close();
    }
    assert.ok(callback, "the browser reached the redirect URI");

    const params = oauth.validateAuthResponse(as, c, new URL(callback), state);
    const tokenRes = await oauth.authorizationCodeGrantRequest(as, c, auth, params, REDIRECT, verifier, opts);
    const tokens = await oauth.processAuthorizationCodeResponse(as, c, tokenRes);
    assert.equal(tokens.token_type, "bearer");
    assert.equal(tokens.scope, "locations:read messages:send");
    assert.ok(tokens.refresh_token);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      c,
      await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token, opts),
    );
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);

    const basicAuth = oauth.ClientSecretBasic(client.client_secret);
    const intro = await oauth.processIntrospectionResponse(
      as,
      c,
      await oauth.introspectionRequest(as, c, basicAuth, refreshed.access_token, opts),
    );
    assert.equal(intro.active, true);

    const me = await fetch(`${s.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(me.status, 200);
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, c, basicAuth, refreshed.refresh_token ?? "", opts),
    );
    const after = await fetch(`${s.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(after.status, 401);
  });
});
