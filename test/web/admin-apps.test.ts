import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";
import { signIn } from "./util.js";

forEachDialect("admin OAuth apps page", (dialect) => {
  let s: TestServer;
  let admin: FormClient;
  let clientId = "";
  let firstSecret = "";
  // Client authentication at the introspection endpoint tells whether a secret works.
  const works = async (id: string, secret: string) =>
    (
      await fetch(`${s.url}/oauth/introspect`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "token=nothing",
      })
    ).status === 200;
  before(async () => {
    s = await startTestServer(dialect);
    admin = await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  it("non-admin → 403, signed out → sign-in, CSRF-less POST → 403", async () => {
    const r = await new FormClient(s.url).get("/admin/apps");
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin/);
    const u = await makeUser(ctxFor(s.db.store));
    const bob = await signIn(s.url, u.email, u.password);
    assert.equal((await bob.get("/admin/apps")).status, 403);
    const bcsrf = await bob.csrf("/integrations");
    const tries = await bob.post("/admin/apps", {
      _csrf: bcsrf,
      name: "X",
      redirect_uris: "https://x.example/cb",
    });
    assert.equal(tries.status, 403);
    assert.equal(
      (await admin.post("/admin/apps", { name: "X", redirect_uris: "https://x.example/cb" })).status,
      403,
    );
    assert.doesNotMatch(await (await admin.get("/admin/apps")).text(), /x\.example/);
  });

  it("bad redirect URI is shown in the form; a good one creates the app and shows its secret once", async () => {
    const csrf = await admin.csrf("/admin/apps");
    const bad = await admin.post("/admin/apps", {
      _csrf: csrf,
      name: "Make.com",
      redirect_uris: "http://evil.example/cb",
    });
    assert.equal(bad.status, 400);
    const badText = await bad.text();
    assert.match(badText, /role="alert">redirect_uri: must be https/);
    assert.match(badText, /value="Make.com"/);
    const body = new URLSearchParams({
      _csrf: csrf,
      name: "Make.com",
      redirect_uris: "https://www.integromat.com/oauth/cb/app\r\nhttps://www.make.com/oauth/cb/app",
    });
    body.append("scope", "messages:send");
    body.append("scope", "locations:read");
    const r = await fetch(`${s.url}/admin/apps`, {
      method: "POST",
      redirect: "manual",
      headers: {
        cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: body.toString(),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    const text = await r.text();
    clientId = /data-testid="client-id">([^<]+)</.exec(text)?.[1] ?? "";
    firstSecret = /data-testid="client-secret">([^<]+)</.exec(text)?.[1] ?? "";
    assert.match(firstSecret, /^mcs_cs_/);
    assert.ok(await works(clientId, firstSecret));
    const list = await (await admin.get("/admin/apps")).text();
    assert.doesNotMatch(list, new RegExp(firstSecret));
    assert.match(list, /https:\/\/www\.make\.com\/oauth\/cb\/app/);
    assert.match(list, /<div class="mono">locations:read<\/div><div class="mono">messages:send<\/div><\/td>/);
  });

  it("edits redirect URIs (bad input shown), rotates the secret, disables and enables", async () => {
    const csrf = await admin.csrf("/admin/apps");
    const bad = await admin.post(`/admin/apps/${clientId}/edit`, {
      _csrf: csrf,
      name: "Make.com",
      redirect_uris: "not a url",
    });
    assert.equal(bad.status, 400);
    const badText = await bad.text();
    assert.match(badText, /<details open>/);
    assert.match(badText, /redirect_uri: not an absolute URL/);
    const ok = await admin.post(`/admin/apps/${clientId}/edit`, {
      _csrf: csrf,
      name: "Make",
      redirect_uris: "https://hook.eu1.make.com/oauth/cb",
    });
    assert.equal(ok.status, 303);
    const list = await (await admin.get(ok.headers.get("location") ?? "")).text();
    assert.match(list, /App saved/);
    assert.match(list, /<strong>Make<\/strong>/);
    assert.doesNotMatch(list, /integromat/);

    const rot = await admin.post(`/admin/apps/${clientId}/rotate`, { _csrf: csrf });
    assert.equal(rot.status, 200);
    const rotText = await rot.text();
    const second = /data-testid="client-secret">([^<]+)</.exec(rotText)?.[1] ?? "";
    assert.match(rotText, /previous secret keeps working/);
    assert.notEqual(second, firstSecret);
    assert.ok(await works(clientId, second));
    assert.ok(await works(clientId, firstSecret));

    const ask = await admin.post(`/admin/apps/${clientId}/disable`, { _csrf: csrf });
    assert.equal(ask.status, 200);
    assert.match(await ask.text(), /data-testid="confirm-step"/);
    assert.doesNotMatch(
      await (await admin.get("/admin/apps")).text(),
      /<span class="badge bad">disabled<\/span>/,
    );
    const dis = await admin.post(`/admin/apps/${clientId}/disable`, { _csrf: csrf, confirm: "1" });
    assert.equal(dis.status, 303);
    const disabled = await (await admin.get(dis.headers.get("location") ?? "")).text();
    assert.match(disabled, /<span class="badge bad">disabled<\/span>/);
    assert.equal(await works(clientId, second), false);
    const en = await admin.post(`/admin/apps/${clientId}/enable`, { _csrf: csrf });
    assert.equal(en.status, 303);
    assert.ok(await works(clientId, second));
    const missing = await admin.post("/admin/apps/cl_nope/rotate", { _csrf: csrf });
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /No OAuth client cl_nope/);
  });
});
