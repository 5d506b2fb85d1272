/**
 * `npm test` (scripts/test.mjs) prints the run's totals right even when failures print pages of
 * output after them, fails on a failure, and with CI=true fails on anything skipped or todo; names each
 * failed test, lists the slowest files, keeps one file's failure or crash from failing the others, and
 * with --repeat N runs the same files N times to the end and counts the failures of every run.
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

function run(target: string | string[], env: Record<string, string> = {}) {
  // Not NODE_TEST_CONTEXT: with it, the inner runner would report to us instead of printing.
  const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
  const r = spawnSync(process.execPath, ["scripts/test.mjs", ...[target].flat()], {
    encoding: "utf8",
    env: { ...outer, CI: "", REQUIRE_ALL_TESTS: "", ...env },
    timeout: 120_000,
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

it("names every failed test with its file and suites, and lists the slowest files with their times", () => {
  const sub = join(dir, "named");
  fixture(
    "named/a.test.ts",
    `describe("outer", () => { it("fine", () => {}); it("breaks", () => { throw new Error("the reason\\nmore"); }); });`,
  );
  fixture("named/slow.test.ts", `it("waits", () => new Promise((r) => setTimeout(r, 1500)));`);
  const r = run(sub);
  assert.equal(r.status, 1);
  assert.equal(r.summary, "2 passed, 1 failed, 0 skipped");
  const failed = r.stdout.slice(r.stdout.lastIndexOf("\nfailed:"));
  assert.match(failed, /named\/a\.test\.ts › outer › breaks\n\s+the reason\n/);
  assert.doesNotMatch(failed, /fine/);
  const slowest = /slowest files[^\n]*\n((?: +[\d.]+ s +\S+\n?)+)/.exec(r.stdout);
  assert.ok(slowest, r.stdout.slice(-800));
  const rows = (slowest[1] ?? "")
    .trim()
    .split("\n")
    .map((row) => ({ s: Number(/([\d.]+) s/.exec(row)?.[1]), file: row.trim().split(/\s+/).at(-1) ?? "" }));
  assert.deepEqual(rows.map((x) => x.file.replace(/.*\/named\//, "")).sort(), ["a.test.ts", "slow.test.ts"]);
  assert.deepEqual(
    rows.map((x) => x.s),
    rows.map((x) => x.s).sort((a, b) => b - a),
    "slowest first",
  );
  // A file's time is its process's: the 1.5 s the slow test waits are in it (however busy the machine).
  assert.ok((rows.find((x) => x.file.endsWith("slow.test.ts"))?.s ?? 0) >= 1.5, slowest[1]);
});

it("a file that crashes or throws outside its tests fails alone: the other files' tests still pass", () => {
  const sub = join(dir, "isolation");
  fixture("isolation/1-crash.test.ts", `it("crashes the process", () => { process.exit(7); });`);
  fixture(
    "isolation/2-uncaught.test.ts",
    `it("throws later", () => { setTimeout(() => { throw new Error("async boom"); }, 10); return new Promise((r) => setTimeout(r, 100)); });`,
  );
  fixture("isolation/3-ok.test.ts", `for (let i = 0; i < 5; i++) it("fine " + i, () => {});`);
  const r = run(sub);
  assert.equal(r.status, 1);
  const m = /^(\d+) passed, (\d+) failed/.exec(r.summary);
  assert.equal(m?.[1], "5", r.stdout.slice(-1500));
  assert.ok(Number(m?.[2]) >= 2, r.summary);
  const failed = r.stdout.slice(r.stdout.lastIndexOf("\nfailed:"), r.stdout.lastIndexOf(r.summary));
  assert.match(failed, /1-crash\.test\.ts\n\s+its process exited with code 7\n/);
  assert.match(failed, /2-uncaught\.test\.ts › throws later\n\s+async boom\n/);
  assert.doesNotMatch(failed, /3-ok/);
});

it("--repeat N runs the files N times to the end, prints each run's totals and N runs, F failures", () => {
  const sub = join(dir, "repeat");
  // Fails on every other run: a flake that one run could miss.
  const marker = join(dir, "repeat-marker");
  fixture(
    "repeat/a.test.ts",
    `import { existsSync, rmSync, writeFileSync } from "node:fs";
     it("ok", () => {});
     it("every other run", () => {
       if (existsSync(${JSON.stringify(marker)})) { rmSync(${JSON.stringify(marker)}); throw new Error("flaked"); }
       writeFileSync(${JSON.stringify(marker)}, "");
     });`,
  );
  const r = run(["--repeat", "3", sub]);
  assert.equal(r.status, 1, "a failure in any run fails the whole");
  const perRun = [...r.stdout.matchAll(/^run (\d) of 3: (\d+ passed, \d+ failed, \d+ skipped)/gm)].map(
    (x) => [x[1], x[2]],
  );
  assert.deepEqual(perRun, [
    ["1", "2 passed, 0 failed, 0 skipped"],
    ["2", "1 passed, 1 failed, 0 skipped"],
    ["3", "2 passed, 0 failed, 0 skipped"],
  ]);
  assert.match(r.stdout, /repeat\/a\.test\.ts › every other run {2}\(run 2\)/);
  assert.match(r.stdout, /\n3 runs, 1 failures \(1 of the runs failed\)\n/);
  assert.match(r.stdout, /mean and max of 3 runs/);

  const clean = run(["--repeat=2", fixture("repeat-clean.test.ts", `it("ok", () => {});`)]);
  assert.equal(clean.status, 0);
  assert.match(clean.stdout, /\n2 runs, 0 failures\n/);
});

it("refuses a bad --repeat or an unknown option, or a path that does not exist, with the reason", () => {
  for (const [args, reason] of [
    [["--repeat", "0"], /--repeat needs a whole number of runs, 1 or more \(got 0\)/],
    [["--repeat"], /--repeat needs a whole number of runs, 1 or more \(got nothing\)/],
    [["--repeats=3"], /unknown option --repeats=3/],
    [[join(dir, "nowhere")], /no such file or directory: .*nowhere/],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.status, 2, String(args));
    assert.match(r.stderr, reason);
    assert.match(r.stderr, /usage: node scripts\/test\.mjs \[--repeat N\]/);
  }
});
