import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, it } from "node:test";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

const exec = promisify(execFile);

/**
 * `users set-password / disable / enable`: the operator's way back in and way to lock someone out,
 * checked where it matters, by signing in to the running server over HTTP.
 */
forEachDialect("mycrmsim users set-password, disable, enable", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
    await setupAdmin(s.url);
  });
  after(() => s.close());

  async function cli(args: string[]) {
    try {
      const r = await exec(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
        env: { ...process.env, DATABASE_URL: "", DATA_DIR: "", LOG_LEVEL: "", ...s.db.env },
      });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  }

  async function signIn(email: string, password: string): Promise<number> {
    const c = new FormClient(s.url);
    const csrf = await c.csrf("/signin");
    return (await c.post("/signin", { _csrf: csrf, email, password })).status;
  }

  it("set-password without --password prints a strong one once; it works, the old one does not", async () => {
    assert.equal(await signIn("admin@example.com", "correct horse battery"), 303);
    const r = await cli(["users", "set-password", "--email", "Admin@Example.com", "--json"]);
    assert.equal(r.code, 0, r.err);
    const { ok, data } = JSON.parse(r.out) as {
      ok: boolean;
      data: { user: { email: string }; password: string };
    };
    assert.equal(ok, true);
    assert.equal(data.user.email, "admin@example.com");
    assert.match(data.password, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(await signIn("admin@example.com", data.password), 303);
    assert.equal(await signIn("admin@example.com", "correct horse battery"), 401);
  });

  it("set-password --password P sets that one (not echoed); a short one is refused naming --password", async () => {
    const r = await cli([
      "users",
      "set-password",
      "--email",
      "admin@example.com",
      "--password",
      "correct horse battery",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "password set for admin@example.com; their sessions were ended\n");
    assert.equal(await signIn("admin@example.com", "correct horse battery"), 303);
    const short = await cli(["users", "set-password", "--email", "admin@example.com", "--password", "short"]);
    assert.equal(short.code, 1);
    assert.match(short.err, /^error: --password: must be \d+ to 256 characters\n$/);
    const nobody = await cli(["users", "set-password", "--email", "ghost@example.com"]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.err, "error: no user with email ghost@example.com\n");
  });

  it("disable locks a user out at once; enable lets them back; the last admin cannot be disabled", async () => {
    const made = await cli([
      "users",
      "create",
      "--email",
      "clerk@example.com",
      "--name",
      "Clerk",
      "--password",
      "clerk password 123",
    ]);
    assert.equal(made.code, 0, made.err);
    assert.equal(await signIn("clerk@example.com", "clerk password 123"), 303);
    const off = await cli(["users", "disable", "--email", "clerk@example.com", "--json"]);
    assert.equal(off.code, 0, off.err);
    assert.equal((JSON.parse(off.out) as { data: { user: { disabled: boolean } } }).data.user.disabled, true);
    assert.notEqual(await signIn("clerk@example.com", "clerk password 123"), 303);
    const on = await cli(["users", "enable", "--email", "clerk@example.com"]);
    assert.equal(on.code, 0, on.err);
    assert.equal(on.out, "enabled clerk@example.com: they can sign in again\n");
    assert.equal(await signIn("clerk@example.com", "clerk password 123"), 303);

    const last = await cli(["users", "disable", "--email", "admin@example.com", "--json"]);
    assert.equal(last.code, 1);
    const e = JSON.parse(last.out) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(e.ok, false);
    assert.match(e.error.message, /last enabled administrator/);
    assert.equal(await signIn("admin@example.com", "correct horse battery"), 303);
    const missing = await cli(["users", "disable"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^error: missing --email\nusage: mycrmsim users disable --email E/);
  });
});
