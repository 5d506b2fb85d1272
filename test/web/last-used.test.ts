import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { findUserByEmail } from "../../src/accounts/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { LAST_USED_EVERY_MS, listGrantsForUser } from "../../src/oauth/index.js";
import { ctxFor } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { waitFor } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { type FormClient, setupAdmin } from "../helpers/web.js";

forEachDialect("OAuth connections: last used (Integrations, Admin → OAuth apps)", (dialect) => {
  let s: TestServer;
  let c: FormClient;
  let userId: string;
  let app: { accessToken: string; grantId: string; clientId: string };
  const clock = new ManualClock(Date.parse("2026-03-02T10:00:00Z"));
  const ctx = () => ctxFor(s.db.store, clock);
  const lastUsed = async () =>
    (await listGrantsForUser({ ctx: ctx(), input: { userId } })).find((g) => g.id === app.grantId)
      ?.last_used_at;
  const call = async () => {
    const r = await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${app.accessToken}` } });
    assert.equal(r.status, 200);
  };
  before(async () => {
    s = await startTestServer(dialect, {}, { clock });
    c = await setupAdmin(s.url);
    userId = (await findUserByEmail({ ctx: ctx(), input: { email: "admin@example.com" } }))?.id ?? "";
    app = await makeApiToken(ctx(), { userId, locationIds: [], clientName: "Make (test)" });
  });
  after(async () => {
    await s.close();
  });

  it("never used: Integrations says so, Admin shows the connection as never used", async () => {
    assert.match(
      await (await c.get("/integrations")).text(),
      /data-testid="last-used"><span class="muted">not yet<\/span>/,
    );
    const apps = await (await c.get("/admin/apps")).text();
    assert.match(apps, /data-testid="usage">1<div class="muted">last used never<\/div>/);
  });

  it("an API call records it (to the minute, at most once a minute) and both pages show it", async () => {
    await call();
    const first = await waitFor(lastUsed, 5000, "last_used_at written");
    assert.equal(first, "2026-03-02T10:00:00.000Z");
    clock.advance(LAST_USED_EVERY_MS / 2);
    await call();
    await call();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await lastUsed(), first, "not written again within the minute");
    clock.advance(LAST_USED_EVERY_MS / 2 + 1000);
    await call();
    const second = await waitFor(
      async () => ((await lastUsed()) !== first ? lastUsed() : undefined),
      5000,
      "written again after a minute",
    );
    assert.equal(second, "2026-03-02T10:01:01.000Z");
    const integrations = await (await c.get("/integrations")).text();
    assert.match(
      integrations,
      /data-testid="last-used"><time datetime="2026-03-02T10:01:01.000Z">2026-03-02 10:01 UTC<\/time>/,
    );
    const apps = await (await c.get("/admin/apps")).text();
    assert.match(
      apps,
      /data-testid="usage">1<div class="muted">last used <time datetime="2026-03-02T10:01:01.000Z">/,
    );
  });

  it("a refused token records nothing", async () => {
    const before = await lastUsed();
    clock.advance(2 * LAST_USED_EVERY_MS);
    const r = await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${app.accessToken}x` } });
    assert.equal(r.status, 401);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await lastUsed(), before);
  });
});
