import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { authenticate } from "../../src/accounts/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { isAppError } from "../../src/core/errors.js";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient } from "../helpers/web.js";

const tooMany = (e: unknown) => isAppError(e) && e.code === "too_many_attempts";

forEachDialect("L8 failed sign-ins from elsewhere do not lock the owner out", (dialect) => {
  let s: TestServer;
  // Time stands still: the first block is 1 s, and on a busy machine the attempts after the one that
  // earned it could arrive after it ended (an address or account unblocked mid-test: a flaky 303).
  const clock = new ManualClock();
  before(async () => {
    s = await startTestServer(dialect, {}, { clock });
  });
  after(async () => {
    await s.close();
  });

  it("L8 failures from one address block that address, not the owner's", async () => {
    const ctx = ctxFor(s.db.store, clock);
    const u = await makeUser(ctx);
    for (let i = 0; i < 8; i++) {
      await assert.rejects(
        authenticate({ ctx, input: { email: u.email, password: `guess ${i}`, ip: "203.0.113.9" } }),
        (e: unknown) => isAppError(e) && (e.code === "invalid_credentials" || tooMany(e)),
      );
    }
    await assert.rejects(
      authenticate({ ctx, input: { email: u.email, password: u.password, ip: "203.0.113.9" } }),
      tooMany,
    );
    const ok = await authenticate({
      ctx,
      input: { email: u.email, password: u.password, ip: "198.51.100.7" },
    });
    assert.equal(ok.id, u.id);
  });

  it("L8 many addresses trip the softer account-wide limit; a device that signed in before still gets in", async () => {
    const ctx = ctxFor(s.db.store, clock);
    const u = await makeUser(ctx);
    // The owner's browser signed in once before: it carries the signed known-device cookie.
    const owner = new FormClient(s.url);
    const first = await owner.post("/signin", {
      _csrf: await owner.csrf("/signin"),
      email: u.email,
      password: u.password,
    });
    assert.equal(first.status, 303);
    assert.ok(owner.cookies.get("mycrmsim_device"));
    // A botnet: 4 guesses from each of 12 addresses (under the per-address limit of each).
    for (let n = 0; n < 12; n++) {
      for (let i = 0; i < 4; i++) {
        await authenticate({ ctx, input: { email: u.email, password: "nope", ip: `192.0.2.${n}` } }).catch(
          () => undefined,
        );
      }
    }
    // A new browser on the owner's address (loopback here) is held back by the account-wide limit…
    const stranger = new FormClient(s.url);
    const blocked = await stranger.post("/signin", {
      _csrf: await stranger.csrf("/signin"),
      email: u.email,
      password: u.password,
    });
    assert.equal(blocked.status, 429);
    // …a tampered cookie does not help…
    const forged = new FormClient(s.url);
    const cookie = owner.cookies.get("mycrmsim_device") ?? "";
    forged.cookies.set("mycrmsim_device", `${cookie.slice(0, -2)}00`);
    const f = await forged.post("/signin", {
      _csrf: await forged.csrf("/signin"),
      email: u.email,
      password: u.password,
    });
    assert.equal(f.status, 429);
    // …but the owner's known device signs in.
    const again = await owner.post("/signin", {
      _csrf: await owner.csrf("/signin"),
      email: u.email,
      password: u.password,
    });
    assert.equal(again.status, 303);
  });

  it("L8 the known-device cookie is for one account: it does not lift the limit of another", async () => {
    const ctx = ctxFor(s.db.store, clock);
    const a = await makeUser(ctx);
    const b = await makeUser(ctx);
    const c = new FormClient(s.url);
    const r = await c.post("/signin", {
      _csrf: await c.csrf("/signin"),
      email: a.email,
      password: a.password,
    });
    assert.equal(r.status, 303);
    for (let n = 0; n < 12; n++) {
      for (let i = 0; i < 4; i++) {
        await authenticate({
          ctx,
          input: { email: b.email, password: "nope", ip: `192.0.2.${100 + n}` },
        }).catch(() => undefined);
      }
    }
    const other = await c.post("/signin", {
      _csrf: await c.csrf("/signin"),
      email: b.email,
      password: b.password,
    });
    assert.equal(other.status, 429);
  });
});
