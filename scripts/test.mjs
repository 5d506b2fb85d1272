#!/usr/bin/env node
// Runs every test file with node's test runner (TypeScript through tsx). With CI=true (or
// REQUIRE_ALL_TESTS=1) a run that skipped or left any test as todo fails: nothing may be skipped in CI.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
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
const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NODE_ENV: "test" } },
);
let tail = "";
child.stdout.on("data", (d) => {
  process.stdout.write(d);
  tail = (tail + d.toString()).slice(-4000);
});
child.on("close", (code) => {
  const num = (name) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(tail)?.[1] ?? 0);
  const skipped = num("skipped");
  const todo = num("todo");
  const passed = num("pass");
  const failed = num("fail");
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (code === 0 && strict && (skipped > 0 || todo > 0)) {
    console.error(`CI: ${skipped} skipped and ${todo} todo tests; every test must run in CI.`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
