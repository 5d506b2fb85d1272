import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const dataDir = mkdtempSync(join(tmpdir(), "mycrmsim-cli-"));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The --json envelope: every command, success or failure, prints exactly this on stdout. */
type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
function envelope<T>(out: string): Envelope<T> {
  const lines = out.trim().split("\n");
  assert.equal(lines.length, 1, `one JSON line, got:\n${out}`);
  return JSON.parse(lines[0] as string) as Envelope<T>;
}
function data<T>(out: string): T {
  const e = envelope<T>(out);
  assert.ok(e.ok, out);
  return e.data;
}

describe("command line", () => {
  it("migrate applies the schema once", () => {
    const first = cli(["migrate", "--json"]);
    assert.equal(first.code, 0, first.err);
    assert.ok(data<{ applied: string[] }>(first.out).applied.includes("0001_accounts"));
    const again = cli(["migrate", "--json"]);
    assert.deepEqual(data<{ applied: string[] }>(again.out).applied, []);
    assert.equal(cli(["migrate"]).out, "up to date\n");
  });

  it("users create prints a generated password once; locations create makes the user owner", () => {
    const u = cli(["users", "create", "--email", "Owner@Example.com", "--name", "Olive", "--json"]);
    assert.equal(u.code, 0, u.err);
    const created = data<{ user: { id: string; email: string }; password: string }>(u.out);
    assert.match(created.user.id, /^usr_[0-9a-z]{26}$/);
    assert.equal(created.user.email, "owner@example.com");
    assert.ok(created.password.length >= 20);
    const l = cli(["locations", "create", "--owner", "owner@example.com", "--name", "Clinic", "--json"]);
    assert.equal(l.code, 0, l.err);
    const loc = data<{ location: { id: string; role: string } }>(l.out).location;
    assert.match(loc.id, /^loc_/);
    assert.equal(loc.role, "owner");
  });

  it("a value that is wrong: exit 1, one line naming the flag as typed; --json: the failure envelope", () => {
    const dup = cli([
      "users",
      "create",
      "--email",
      "owner@example.com",
      "--name",
      "X",
      "--password",
      "0123456789ab",
    ]);
    assert.equal(dup.code, 1);
    assert.equal(dup.err, "error: --email: a user with this email already exists\n");
    const tz = cli([
      "locations",
      "create",
      "--owner",
      "owner@example.com",
      "--name",
      "X",
      "--time-zone",
      "PKT",
    ]);
    assert.equal(tz.code, 1);
    // The wording is the domain's (shared with the dashboard); the CLI puts the flag as typed in front.
    assert.match(tz.err, /^error: --time-zone: [^\n]*time zone[^\n]*\n$/);
    const nobody = cli(["locations", "create", "--owner", "ghost@example.com", "--name", "X", "--json"]);
    assert.equal(nobody.code, 1);
    assert.deepEqual(envelope(nobody.out), {
      ok: false,
      error: { code: "user_not_found", message: "--owner: no user with email ghost@example.com" },
    });
    assert.equal(nobody.err, "", "with --json nothing goes to stderr");
    const scope = cli([
      "clients",
      "create",
      "--name",
      "X",
      "--redirect-uri",
      "https://x.test/cb",
      "--scope",
      "message:send",
    ]);
    assert.equal(scope.code, 1);
    assert.match(
      scope.err,
      /--scope: unknown scope message:send \(did you mean messages:send\?\); the scopes are locations:read, /,
    );
  });

  it("unknown ids exit 1 with `no location …`, never an empty success", () => {
    const list = cli(["devices", "list", "--location", "loc_nope"]);
    assert.equal(list.code, 1);
    assert.equal(list.err, "error: --location: no location loc_nope\n");
    const pair = cli(["devices", "pair", "--location", "loc_nope", "--json"]);
    assert.equal(pair.code, 1);
    assert.deepEqual(envelope(pair.out), {
      ok: false,
      error: { code: "location_not_found", message: "no location loc_nope" },
    });
    const rotate = cli(["clients", "rotate-secret", "--id", "cli_nope"]);
    assert.equal(rotate.code, 1);
    assert.equal(rotate.err, "error: no OAuth client cli_nope\n");
    const empty = cli(["devices", "list", "--json"]);
    assert.deepEqual(data(empty.out), { devices: [] });
  });

  it("a mistyped command: exit 2, a suggestion, every problem at once, the usage line", () => {
    const singular = cli(["user", "create", "--email", "a@b.co", "--name", "A"]);
    assert.equal(singular.code, 2);
    assert.match(singular.err, /^error: unknown command "user create" \(did you mean "users create"\?\)\n/);
    const group = cli(["users"]);
    assert.equal(group.code, 2);
    assert.match(group.err, /users needs a subcommand: create, set-password, disable, enable/);
    const typo = cli(["users", "create", "--emial", "a@b.co", "--pasword", "0123456789ab"]);
    assert.equal(typo.code, 2);
    assert.equal(
      typo.err,
      "error: unknown option --emial (did you mean --email?); unknown option --pasword (did you mean --password?); missing --email and --name\n" +
        "usage: mycrmsim users create --email E --name N [--password P] [--admin] [--json]\n",
    );
    const missing = cli(["clients", "create"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^error: missing --name and --redirect-uri\n/);
    const noValue = cli(["locations", "create", "--owner", "--name", "X"]);
    assert.equal(noValue.code, 2);
    assert.match(noValue.err, /--owner needs a value/);
    const stray = cli(["users", "create", "a@b.co", "--name", "A"]);
    assert.equal(stray.code, 2);
    assert.match(stray.err, /unexpected argument "a@b.co"/);
    const json = cli(["frobnicate", "--json"]);
    assert.equal(json.code, 2);
    assert.deepEqual(envelope(json.out), {
      ok: false,
      error: { code: "invalid_request", message: 'unknown command "frobnicate"' },
    });
  });

  it("no arguments prints help and starts nothing; --help lists every command", () => {
    const dir = mkdtempSync(join(tmpdir(), "mycrmsim-bare-"));
    const bare = cli([], { DATA_DIR: join(dir, "data") });
    assert.equal(bare.code, 2);
    assert.match(bare.err, /Usage:[\s\S]*No command given; to run the gateway: mycrmsim serve/);
    assert.ok(!existsSync(join(dir, "data")), "no server touched DATA_DIR");
    const h = cli(["--help"]);
    assert.equal(h.code, 0);
    for (const c of [
      "serve",
      "migrate",
      "users create",
      "users set-password",
      "users disable",
      "locations create",
    ])
      assert.match(h.out, new RegExp(c));
    const one = cli(["users", "set-password", "--help"]);
    assert.equal(one.code, 0);
    assert.match(one.out, /usage: mycrmsim users set-password --email E \[--password P\]/);
    assert.match(one.out, /--email VALUE {2}\(required\)/);
  });
});
