import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { addMember, removeMember, roleIn } from "../../src/accounts/index.js";
import { isAppError } from "../../src/core/errors.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { signIn } from "../web/util.js";

forEachDialect("L5 a location never loses its last owner", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  const conflict = (e: unknown) =>
    isAppError(e) && e.code === "conflict" && /at least one owner/.test(e.message);

  it("L5 the sole owner cannot demote themselves through the add-member form", async () => {
    const ctx = ctxFor(s.db.store);
    const bob = await makeUser(ctx);
    const loc = await makeLocation(ctx, bob.id);
    const c = await signIn(s.url, bob.email, bob.password);
    const r = await c.post(`/locations/${loc.id}/members`, {
      _csrf: await c.csrf(`/locations/${loc.id}/members`),
      email: bob.email,
      role: "member",
    });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /A location needs at least one owner/);
    assert.equal(await roleIn({ ctx, input: { userId: bob.id, locationId: loc.id } }), "owner");
    const rm = await c.post(`/locations/${loc.id}/members/${bob.id}/remove`, {
      _csrf: await c.csrf(`/locations/${loc.id}/members`),
    });
    assert.equal(rm.status, 400);
    assert.equal(await roleIn({ ctx, input: { userId: bob.id, locationId: loc.id } }), "owner");
  });

  it("L5 the verbs refuse too; with a second owner, stepping down works", async () => {
    const ctx = ctxFor(s.db.store);
    const admin = await makeUser(ctx, { isAdmin: true });
    const other = await makeUser(ctx);
    const loc = await makeLocation(ctx, admin.id);
    const demote = { actorUserId: admin.id, locationId: loc.id, email: admin.email, role: "member" as const };
    await assert.rejects(addMember({ ctx, input: demote }), conflict);
    await assert.rejects(
      removeMember({ ctx, input: { actorUserId: admin.id, locationId: loc.id, userId: admin.id } }),
      conflict,
    );
    const added = await addMember({
      ctx,
      input: { actorUserId: admin.id, locationId: loc.id, email: other.email, role: "owner" },
    });
    assert.equal(added, "added");
    assert.equal(await addMember({ ctx, input: demote }), "role_changed");
    assert.equal(await roleIn({ ctx, input: { userId: admin.id, locationId: loc.id } }), "member");
    // Now `other` is the only owner: they cannot demote themselves either.
    await assert.rejects(
      addMember({
        ctx,
        input: { actorUserId: other.id, locationId: loc.id, email: other.email, role: "member" },
      }),
      conflict,
    );
  });
});
