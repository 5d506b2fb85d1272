/**
 * `npm test` (scripts/test.mjs) prints the run's totals right even when failures print pages of
 * output after them, fails on a failure, and with CI=true fails on anything skipped or todo.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, it } from "node:test";

const dir = mkdtempSync(join(tmpdir(), "mycrmsim-runner-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, body: string): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `import { describe, it } from "node:test";\n${body}\n`);
  return file;
}

function run(target: string, env: Record<string, string> = {}) {
  // Not NODE_TEST_CONTEXT: with it, the inner runner would report to us instead of printing.
  const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
  const r = spawnSync(process.execPath, ["scripts/test.mjs", target], {
    encoding: "utf8",
    env: { ...outer, CI: "", REQUIRE_ALL_TESTS: "", ...env },
    timeout: 60_000,
  });
  const summary = /^(\d+) passed, (\d+) failed, (\d+) skipped.*$/m.exec(r.stdout);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, summary: summary?.[0] ?? "" };
}

it("counts every file even when a failure prints 50 kB after the totals", () => {
  const sub = join(dir, "long");
  fixture(
    "long/a.test.ts",
    `it("ok 1", () => {});
     it("fails with a long message", () => { throw new Error("x".repeat(50_000)); });
     describe("more", () => { for (let i = 0; i < 20; i++) it("ok " + i, () => {}); });`,
  );
  fixture("long/b.test.ts", `it("fails too", () => { throw new Error("y".repeat(10_000)); });`);
  const r = run(sub);
  assert.equal(r.summary, "21 passed, 2 failed, 0 skipped", r.stdout.slice(-500));
  assert.equal(r.status, 1);
});

it("a clean run exits 0; with CI=true a skipped or todo test fails the run", () => {
  const sub = join(dir, "skips");
  fixture("skips/a.test.ts", `it("ok", () => {}); it("later", { skip: "not yet" }, () => {});`);
  fixture("skips/b.test.ts", `it("idea", { todo: true }, () => {}); it("ok 2", () => {});`);
  const local = run(sub);
  assert.equal(local.summary, "2 passed, 0 failed, 1 skipped, 1 todo");
  assert.equal(local.status, 0);
  const ci = run(sub, { CI: "true" });
  assert.equal(ci.status, 1);
  assert.match(ci.stderr, /CI: 1 skipped and 1 todo tests/);
  const clean = run(fixture("clean.test.ts", `it("ok", () => {});`), { CI: "true" });
  assert.equal(clean.summary, "1 passed, 0 failed, 0 skipped");
  assert.equal(clean.status, 0);
});

it("a file that cannot even load fails the run and is counted", () => {
  const r = run(fixture("broken.test.ts", `import "./does-not-exist.js";\nit("never", () => {});`));
  assert.equal(r.status, 1);
  assert.equal(r.summary, "0 passed, 1 failed, 0 skipped");
});
