import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const dataDir = mkdtempSync(join(tmpdir(), "mycrmsim-cli-"));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("command line", () => {
  it("migrate applies the schema once", () => {
    const first = cli(["migrate", "--json"]);
    assert.equal(first.code, 0, first.err);
    assert.ok((JSON.parse(first.out) as { applied: string[] }).applied.includes("0001_accounts"));
    const again = cli(["migrate", "--json"]);
    assert.deepEqual((JSON.parse(again.out) as { applied: string[] }).applied, []);
  });

  it("users create prints a generated password once; locations create makes the user owner", () => {
    const u = cli(["users", "create", "--email", "Owner@Example.com", "--name", "Olive", "--json"]);
    assert.equal(u.code, 0, u.err);
    const created = JSON.parse(u.out) as { user: { id: string; email: string }; password: string };
    assert.match(created.user.id, /^usr_[0-9a-z]{26}$/);
    assert.equal(created.user.email, "owner@example.com");
    assert.ok(created.password.length >= 20);
    const l = cli(["locations", "create", "--owner", "owner@example.com", "--name", "Clinic", "--json"]);
    assert.equal(l.code, 0, l.err);
    const loc = JSON.parse(l.out) as { location: { id: string; role: string } };
    assert.match(loc.location.id, /^loc_/);
    assert.equal(loc.location.role, "owner");
  });

  it("errors are clear and exit non-zero", () => {
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
    assert.match(dup.err, /already exists/);
    const missing = cli(["locations", "create", "--name", "X"]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /--owner is required/);
    const nobody = cli(["locations", "create", "--owner", "ghost@example.com", "--name", "X", "--json"]);
    assert.equal(nobody.code, 1);
    assert.equal((JSON.parse(nobody.out) as { error: string }).error, "user_not_found");
    const unknown = cli(["frobnicate"]);
    assert.equal(unknown.code, 2);
    const badFlag = cli(["users", "create", "--colour", "red"]);
    assert.equal(badFlag.code, 2);
  });

  it("--help lists the commands", () => {
    const h = cli(["--help"]);
    assert.equal(h.code, 0);
    for (const c of ["serve", "migrate", "users create", "locations create"])
      assert.match(h.out, new RegExp(c));
  });
});
