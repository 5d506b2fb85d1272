import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient, setupAdmin } from "../helpers/web.js";

describe("mycrmsim clients", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "mycrmsim-clients-"));
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
      encoding: "utf8",
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it("create prints the id and secret once; list never shows secrets; rotate-secret gives a new one", () => {
    const c = cli([
      "clients",
      "create",
      "--name",
      "Make",
      "--redirect-uri",
      "https://www.make.com/oauth/cb/app",
      "--redirect-uri",
      "http://localhost:8080/cb",
      "--scope",
      "messages:send",
      "--require-pkce",
      "--json",
    ]);
    assert.equal(c.code, 0, c.err);
    const created = (JSON.parse(c.out) as { data: unknown }).data as {
      client_id: string;
      client_secret: string;
      redirect_uris: string[];
    };
    assert.match(created.client_id, /^cli_/);
    assert.match(created.client_secret, /^mcs_cs_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.redirect_uris.length, 2);
    const l = cli(["clients", "list", "--json"]);
    assert.equal(l.code, 0, l.err);
    assert.ok(!l.out.includes(created.client_secret));
    const listed = (JSON.parse(l.out) as { data: unknown }).data as {
      clients: { client_id: string; require_pkce: boolean; scopes: string }[];
    };
    assert.equal(listed.clients[0]?.client_id, created.client_id);
    assert.equal(listed.clients[0]?.require_pkce, true);
    assert.equal(listed.clients[0]?.scopes, "messages:send");
    const r = cli(["clients", "rotate-secret", "--id", created.client_id, "--json"]);
    assert.equal(r.code, 0, r.err);
    const rotated = (JSON.parse(r.out) as { data: { client_secret: string } }).data;
    assert.notEqual(rotated.client_secret, created.client_secret);
  });

  it("bad input is a clear error, not a crash", () => {
    const bad = cli([
      "clients",
      "create",
      "--name",
      "X",
      "--redirect-uri",
      "http://example.com/cb",
      "--json",
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /must be https/);
    const none = cli(["clients", "create", "--name", "X"]);
    assert.equal(none.code, 2);
    assert.match(none.err, /missing --redirect-uri/);
    const unknown = cli(["clients", "rotate-secret", "--id", "cli_nope"]);
    assert.equal(unknown.code, 1);
  });
});

forEachDialect("sign-in brute-force protection", (dialect) => {
  let s: TestServer;
  const clock = new ManualClock();
  before(async () => {
    s = await startTestServer(dialect, {}, { clock });
    await setupAdmin(s.url);
  });
  after(async () => {
    await s.close();
  });

  async function attempt(email: string, password: string) {
    const c = new FormClient(s.url);
    const csrf = await c.csrf("/signin");
    return c.post("/signin", { _csrf: csrf, email, password });
  }

  it("after 5 failures an account must wait (429, Retry-After, generic text), even with the right password", async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await attempt("admin@example.com", "wrong password")).status, 401);
    const blocked = await attempt("admin@example.com", "correct horse battery");
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get("retry-after"), "1");
    assert.match(await blocked.text(), /Too many sign-in attempts/);
    clock.advance(1_100);
    assert.equal((await attempt("admin@example.com", "wrong again")).status, 401);
    const longer = await attempt("admin@example.com", "correct horse battery");
    assert.equal(longer.status, 429);
    assert.equal(longer.headers.get("retry-after"), "2");
    clock.advance(2_100);
    assert.equal((await attempt("admin@example.com", "correct horse battery")).status, 303);
    // Success resets the account's counter.
    assert.equal((await attempt("admin@example.com", "wrong password")).status, 401);
  });

  it("an unknown email is throttled the same way (no account enumeration)", async () => {
    for (let i = 0; i < 5; i++) assert.equal((await attempt("ghost@example.com", "x")).status, 401);
    assert.equal((await attempt("ghost@example.com", "x")).status, 429);
  });

  it("many failures from one IP across accounts throttle that IP", async () => {
    clock.advance(3_600_000);
    for (let i = 0; i < 20; i++) await attempt(`spray${i}@example.com`, "x");
    const r = await attempt("admin@example.com", "correct horse battery");
    assert.equal(r.status, 429);
  });
});
