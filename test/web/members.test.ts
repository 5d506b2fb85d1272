import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail } from "../../src/accounts/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";
import { signIn } from "./util.js";

forEachDialect("members page", (dialect) => {
  let s: TestServer;
  let owner: FormClient;
  let locationId: string;
  let member: { id: string; email: string; password: string };
  let memberClient: FormClient;
  let foreignLocation: string;
  before(async () => {
    s = await startTestServer(dialect);
    owner = await setupAdmin(s.url);
    const ctx = ctxFor(s.db.store);
    member = await makeUser(ctx, { email: "bob@example.com", name: "Bob Member" });
    memberClient = await signIn(s.url, member.email, member.password);
    const text = await (await owner.get("/locations")).text();
    locationId = /href="\/locations\/([^/]+)\/members"/.exec(text)?.[1] ?? "";
    assert.ok(locationId);
    const stranger = await makeUser(ctx);
    foreignLocation = (await makeLocation(ctx, stranger.id, { name: "Elsewhere" })).id;
  });
  after(async () => {
    await s.close();
  });

  it("signed out → sign-in; other tenant's location → 404; CSRF-less POST → 403", async () => {
    const r = await new FormClient(s.url).get(`/locations/${locationId}/members`);
    assert.equal(r.status, 303);
    assert.match(r.headers.get("location") ?? "", /^\/signin\?next=/);
    const other = await owner.get(`/locations/${foreignLocation}/members`);
    assert.equal(other.status, 404);
    assert.doesNotMatch(await other.text(), /Elsewhere/);
    const csrf = await owner.csrf(`/locations/${locationId}/members`);
    const post = await owner.post(`/locations/${foreignLocation}/members`, {
      _csrf: csrf,
      email: "bob@example.com",
    });
    assert.equal(post.status, 404);
    const noCsrf = await owner.post(`/locations/${locationId}/members`, { email: member.email });
    assert.equal(noCsrf.status, 403);
    assert.doesNotMatch(
      await (await owner.get(`/locations/${locationId}/members`)).text(),
      /bob@example\.com/,
    );
  });

  it("owner adds a member by email; the member sees the list but cannot manage it", async () => {
    const csrf = await owner.csrf(`/locations/${locationId}/members`);
    const r = await owner.post(`/locations/${locationId}/members`, {
      _csrf: csrf,
      email: "BOB@example.com",
      role: "member",
    });
    assert.equal(r.status, 303);
    const list = await (await owner.get(r.headers.get("location") ?? "")).text();
    assert.match(list, /Member added/); // an administrator adds directly; others invite (test/security/l4-*)
    assert.match(list, /Bob Member<\/td>\s*<td>bob@example\.com<\/td><td><span class="badge ">member</);
    // Bob now sees the location and its members, without management forms.
    const seen = await memberClient.get(`/locations/${locationId}/members`);
    assert.equal(seen.status, 200);
    const text = await seen.text();
    assert.match(text, /Ada Admin/);
    assert.match(text, /Only owners of this location can add or remove members/);
    assert.doesNotMatch(text, /Add a member/);
    const mcsrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? "";
    const tries = await memberClient.post(`/locations/${locationId}/members`, {
      _csrf: mcsrf,
      email: "admin@example.com",
      role: "member",
    });
    assert.equal(tries.status, 403);
    assert.match(await tries.text(), /Only an owner/);
    // A member works with the location's phones, messages and webhooks.
    for (const tab of ["phones", "messages", "webhooks"]) {
      assert.equal((await memberClient.get(`/locations/${locationId}/${tab}`)).status, 200, tab);
    }
  });

  it("bad input is shown in the form, never a 500", async () => {
    const csrf = await owner.csrf(`/locations/${locationId}/members`);
    const unknown = await owner.post(`/locations/${locationId}/members`, {
      _csrf: csrf,
      email: "nobody@example.com",
      role: "member",
    });
    // An unknown email is an invitation like any other: the form does not tell who has an account.
    assert.equal(unknown.status, 303);
    assert.match(unknown.headers.get("location") ?? "", /done=invited$/);
    const badRole = await owner.post(`/locations/${locationId}/members`, {
      _csrf: csrf,
      email: member.email,
      role: "emperor",
    });
    assert.equal(badRole.status, 400);
    assert.match(await badRole.text(), /role: must be owner or member/);
    // The last owner is offered no Remove, and cannot remove themselves anyway (with or without confirm).
    const page = await (await owner.get(`/locations/${locationId}/members`)).text();
    assert.match(page, /only owner/);
    assert.doesNotMatch(page, /aria-label="Remove admin@example\.com"|Remove<span class="sr-only"> admin@/);
    const adminId = (
      await findUserByEmail({ ctx: ctxFor(s.db.store), input: { email: "admin@example.com" } })
    )?.id;
    for (const extra of [{}, { confirm: "1" }] as Record<string, string>[]) {
      const last = await owner.post(`/locations/${locationId}/members/${adminId}/remove`, {
        _csrf: csrf,
        ...extra,
      });
      assert.equal(last.status, 400);
      assert.match(await last.text(), /at least one owner/);
    }
  });

  it("owner removes the member, who then gets 404", async () => {
    const csrf = await owner.csrf(`/locations/${locationId}/members`);
    // First the confirmation step: nothing changes yet.
    const ask = await owner.post(`/locations/${locationId}/members/${member.id}/remove`, { _csrf: csrf });
    assert.equal(ask.status, 200);
    const step = await ask.text();
    assert.match(step, /data-testid="confirm-step"/);
    assert.match(step, /<input type="hidden" name="confirm" value="1">/);
    assert.equal((await memberClient.get(`/locations/${locationId}/members`)).status, 200);
    const fresh = /name="_csrf" value="([^"]+)"/.exec(step)?.[1] ?? "";
    const r = await owner.post(`/locations/${locationId}/members/${member.id}/remove`, {
      _csrf: fresh,
      confirm: "1",
    });
    assert.equal(r.status, 303);
    const list = await (await owner.get(r.headers.get("location") ?? "")).text();
    assert.match(list, /Member removed/);
    assert.doesNotMatch(list, /bob@example\.com/);
    assert.equal((await memberClient.get(`/locations/${locationId}/members`)).status, 404);
  });
});
