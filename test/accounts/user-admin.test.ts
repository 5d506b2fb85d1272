import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import {
  authenticate,
  PASSWORD_MIN,
  resolveSession,
  setAdmin,
  setUserDisabled,
  setUserPassword,
  startSession,
} from "../../src/accounts/index.js";
import type { Ctx } from "../../src/context.js";
import { isAppError } from "../../src/core/errors.js";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

const code = (e: unknown) => (isAppError(e) ? e.code : String(e));

forEachDialect(
  "accounts: setUserPassword and setUserDisabled (the CLI's and the dashboard's verbs)",
  (dialect) => {
    let db: TestStore;
    let ctx: Ctx;
    before(async () => {
      db = await makeTestStore(dialect);
      ctx = ctxFor(db.store);
    });
    after(async () => {
      await db.cleanup();
    });

    it("setUserPassword: policy, unknown email, sessions end, new password works", async () => {
      const u = await makeUser(ctx, { email: "Pat@Example.com" });
      const session = await startSession({ ctx, input: { userId: u.id } });
      await assert.rejects(
        setUserPassword(ctx, { email: u.email, password: "x".repeat(PASSWORD_MIN - 1) }),
        (e) => {
          assert.equal(code(e), "validation_failed");
          assert.match(
            (e as Error).message,
            new RegExp(`password: must be ${PASSWORD_MIN} to 256 characters`),
          );
          return true;
        },
      );
      await assert.rejects(
        setUserPassword(ctx, { email: "nobody@example.com", password: "y".repeat(20) }),
        (e) => {
          assert.equal(code(e), "user_not_found");
          return true;
        },
      );
      assert.ok(await resolveSession({ ctx, input: { token: session } }), "a failed reset changes nothing");
      // Email is matched however it is written.
      const { user } = await setUserPassword(ctx, {
        email: " PAT@example.com ",
        password: "a brand new passphrase",
      });
      assert.equal(user.id, u.id);
      assert.equal(await resolveSession({ ctx, input: { token: session } }), undefined);
      await assert.rejects(authenticate({ ctx, input: { email: u.email, password: u.password } }));
      assert.equal(
        (await authenticate({ ctx, input: { email: u.email, password: "a brand new passphrase" } })).id,
        u.id,
      );
    });

    it("setUserDisabled: ends sessions, refuses sign-in, re-enables cleanly; unknown email", async () => {
      const u = await makeUser(ctx);
      const session = await startSession({ ctx, input: { userId: u.id } });
      const { user } = await setUserDisabled(ctx, { email: u.email, disabled: true });
      assert.equal(user.disabled, true);
      assert.equal(await resolveSession({ ctx, input: { token: session } }), undefined);
      await assert.rejects(authenticate({ ctx, input: { email: u.email, password: u.password } }), (e) => {
        assert.equal(code(e), "account_disabled");
        return true;
      });
      // Disabling twice is fine (the CLI may be run again).
      assert.equal((await setUserDisabled(ctx, { email: u.email, disabled: true })).user.disabled, true);
      assert.equal((await setUserDisabled(ctx, { email: u.email, disabled: false })).user.disabled, false);
      assert.equal((await authenticate({ ctx, input: { email: u.email, password: u.password } })).id, u.id);
      await assert.rejects(setUserDisabled(ctx, { email: "ghost@example.com", disabled: true }), (e) => {
        assert.equal(code(e), "user_not_found");
        return true;
      });
    });

    it("the last enabled administrator can be neither disabled nor demoted; nobody disables themself", async () => {
      const a = await makeUser(ctx, { isAdmin: true });
      const b = await makeUser(ctx, { isAdmin: true });
      await assert.rejects(
        setUserDisabled(ctx, { email: a.email, disabled: true, actorUserId: a.id }),
        (e) => {
          assert.equal(code(e), "conflict");
          return true;
        },
      );
      // Admins made by earlier tests in this file: none (makeUser defaults to non-admin). With two, one may go.
      await setUserDisabled(ctx, { email: b.email, disabled: true, actorUserId: a.id });
      await assert.rejects(setUserDisabled(ctx, { email: a.email, disabled: true }), (e) => {
        assert.equal(code(e), "last_admin");
        assert.match((e as Error).message, /last enabled administrator/);
        return true;
      });
      // A disabled admin does not count: demoting `a` through `b` is impossible (b cannot act), and
      // enabling b then demoting b leaves a; demoting a after that is refused.
      await setUserDisabled(ctx, { email: b.email, disabled: false });
      await setAdmin({ ctx, input: { actorUserId: a.id, userId: b.id, isAdmin: false } });
      const c = await makeUser(ctx, { isAdmin: true });
      await setUserDisabled(ctx, { email: c.email, disabled: true, actorUserId: a.id });
      await assert.rejects(
        setAdmin({ ctx, input: { actorUserId: c.id, userId: a.id, isAdmin: false } }),
        (e) => {
          // c is an admin on paper but disabled, and a is the last enabled one.
          assert.equal(code(e), "last_admin");
          return true;
        },
      );
    });
  },
);
