#!/usr/bin/env node
// Runs every test file with node's test runner (TypeScript through tsx). With CI=true (or
// REQUIRE_ALL_TESTS=1) a run that skipped or left any test as todo fails: nothing may be skipped in CI.
//
// The spec reporter goes to the terminal; a second reporter (TAP) goes to a temporary file whose last
// lines are the run's totals. Those are what the summary line prints: the spec output cannot be cut
// to a tail for this, because a failing run prints a recap of every failure after its totals.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ["test"];
const files = [];
const walk = (p) => {
  const st = statSync(p);
  if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (/\.test\.ts$/.test(p)) files.push(p);
};
for (const r of roots) walk(r);
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const strict = process.env.CI === "true" || process.env.REQUIRE_ALL_TESTS === "1";
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const dir = mkdtempSync(join(tmpdir(), "mycrmsim-test-run-"));
const tap = join(dir, "report.tap");
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    // A safety net, not a speed check: a test (or a file kept alive by a leaked server) that hangs
    // fails after 15 minutes instead of holding CI until its 90-minute limit.
    `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 900_000}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, NODE_ENV: "test" } },
);

/**
 * The run's totals: the last `# tests|pass|fail|skipped|todo|cancelled N` lines of the TAP report
 * (the reporter ends with them; a test's own output can only appear before).
 */
function totals(report) {
  const out = {};
  for (const m of report.matchAll(/^# (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
    out[m[1]] = Number(m[2]);
  }
  return out;
}

child.on("close", (code, signal) => {
  let report = "";
  try {
    report = readFileSync(tap, "utf8");
  } catch {
    // no report: the runner died before writing one
  }
  rmSync(dir, { recursive: true, force: true });
  const t = totals(report);
  if (t.pass === undefined) {
    console.error(`\nno test totals were reported (runner exit ${code ?? signal})`);
    process.exit(code || 1);
  }
  const { pass = 0, fail = 0, skipped = 0, todo = 0, cancelled = 0 } = t;
  const extra = [todo ? `${todo} todo` : "", cancelled ? `${cancelled} cancelled` : ""].filter(Boolean);
  console.log(`\n${pass} passed, ${fail} failed, ${skipped} skipped${extra.map((x) => `, ${x}`).join("")}`);
  if (code === 0 && strict && (skipped > 0 || todo > 0)) {
    console.error(`CI: ${skipped} skipped and ${todo} todo tests; every test must run in CI.`);
    process.exit(1);
  }
  // A cancelled test (a file that timed out or crashed) fails the run even if the runner said 0.
  if (code === 0 && (fail > 0 || cancelled > 0)) process.exit(1);
  process.exit(code ?? 1);
});
