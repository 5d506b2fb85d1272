import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createClient } from "../../src/oauth/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { authorizeQuery } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import type { FormClient } from "../helpers/web.js";
import { signIn } from "../web/util.js";

forEachDialect("L4 membership needs the invitee's consent", (dialect) => {
  let s: TestServer;
  let bob: FormClient;
  let alice: FormClient;
  let aliceEmail = "";
  let trap = "";
  before(async () => {
    s = await startTestServer(dialect);
    const ctx = ctxFor(s.db.store);
    const b = await makeUser(ctx);
    const a = await makeUser(ctx);
    aliceEmail = a.email;
    await makeLocation(ctx, a.id, { name: "Alice Dental" });
    await makeLocation(ctx, a.id, { name: "Alice Second" });
    bob = await signIn(s.url, b.email, b.password);
    alice = await signIn(s.url, a.email, a.password);
    // Any user may create a location (and own it); bob makes one to pull alice into.
    trap = (await makeLocation(ctx, b.id, { name: "Trap location" })).id;
  });
  after(async () => {
    await s.close();
  });

  const add = async (email: string) => {
    const csrf = await bob.csrf(`/locations/${trap}/members`);
    return bob.post(`/locations/${trap}/members`, { _csrf: csrf, email, role: "member" });
  };

  it("L4 adding an existing user makes an invitation, not a membership", async () => {
    const r = await add(aliceEmail);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), `/locations/${trap}/members?done=invited`);
    assert.equal((await alice.get(`/locations/${trap}/phones`)).status, 404);
    const members = await (await bob.get(`/locations/${trap}/members`)).text();
    assert.match(members, /Invitations not yet accepted/);
  });

  it("L4 the add-member form answers the same for an unknown email (no account enumeration)", async () => {
    const known = await add(aliceEmail);
    const unknown = await add("nobody-l4@example.com");
    assert.equal(unknown.status, known.status);
    assert.equal(unknown.headers.get("location"), known.headers.get("location"));
    const page = await (await bob.get(unknown.headers.get("location") ?? "")).text();
    assert.doesNotMatch(page, /no user with this email/);
    assert.match(page, /If an account with this email exists/);
  });

  it("L4 the consent page pre-ticks no location when the user has several", async () => {
    const c = await createClient({
      ctx: ctxFor(s.db.store),
      input: { name: "Make", redirectUris: ["http://127.0.0.1:9/cb"] },
    });
    const q = authorizeQuery({
      client_id: c.client_id,
      redirect_uri: "http://127.0.0.1:9/cb",
      response_type: "code",
      state: "s",
    });
    const text = await (await alice.get(`/oauth/authorize?${q}`)).text();
    assert.equal(text.match(/name="location" value="loc_[^"]+"/g)?.length, 2);
    assert.doesNotMatch(text, /name="location" value="loc_[^"]+" checked/);
    assert.doesNotMatch(text, /Trap location/);
  });

  it("L4 the invitee sees the invitation on their account page and decides", async () => {
    const page = await (await alice.get("/account")).text();
    assert.match(page, /Trap location/);
    const id = /data-invitation="(inv_[0-9a-z]+)"/.exec(page)?.[1] ?? "";
    // Nobody else can answer it.
    const other = await signIn(s.url, (await makeUser(ctxFor(s.db.store))).email, "a long enough password");
    const stolen = await other.post(`/account/invitations/${id}/accept`, {
      _csrf: await other.csrf("/account"),
    });
    assert.equal(stolen.status, 400);
    assert.equal((await other.get(`/locations/${trap}/phones`)).status, 404);
    const ok = await alice.post(`/account/invitations/${id}/accept`, { _csrf: await alice.csrf("/account") });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), `/locations/${trap}/phones`);
    assert.equal((await alice.get(`/locations/${trap}/phones`)).status, 200);
    assert.doesNotMatch(await (await alice.get("/account")).text(), /data-invitation=/);
  });

  it("L4 a declined invitation gives no access", async () => {
    const ctx = ctxFor(s.db.store);
    const carol = await makeUser(ctx);
    await add(carol.email);
    const c = await signIn(s.url, carol.email, carol.password);
    const id = /data-invitation="(inv_[0-9a-z]+)"/.exec(await (await c.get("/account")).text())?.[1] ?? "";
    const r = await c.post(`/account/invitations/${id}/decline`, { _csrf: await c.csrf("/account") });
    assert.equal(r.status, 200);
    assert.equal((await c.get(`/locations/${trap}/phones`)).status, 404);
  });

  it("L4 an administrator adds an existing account directly", async () => {
    const ctx = ctxFor(s.db.store);
    const admin = await makeUser(ctx, { isAdmin: true });
    const dave = await makeUser(ctx);
    const loc = await makeLocation(ctx, admin.id);
    const a = await signIn(s.url, admin.email, admin.password);
    const r = await a.post(`/locations/${loc.id}/members`, {
      _csrf: await a.csrf(`/locations/${loc.id}/members`),
      email: dave.email,
      role: "member",
    });
    assert.equal(r.headers.get("location"), `/locations/${loc.id}/members?done=added`);
    const d = await signIn(s.url, dave.email, dave.password);
    assert.equal((await d.get(`/locations/${loc.id}/phones`)).status, 200);
  });
});
