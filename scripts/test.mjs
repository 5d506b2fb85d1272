#!/usr/bin/env node
// `npm test [-- [--repeat N] [paths…]]`: runs every test file under the paths (default: test/) with
// node's test runner (TypeScript through tsx), each file in its own process, TEST_CONCURRENCY (2) at a
// time. With CI=true (or REQUIRE_ALL_TESTS=1) a run that skipped or left any test as todo fails: nothing
// may be skipped in CI.
//
// The spec reporter goes to the terminal; a second one (scripts/test-reporter.mjs) writes the run's
// totals, each file's wall time and each failed test's name to a temporary file, for the summary line,
// the slowest-files table and the list of failures printed at the end.
//
// --repeat N runs the same files N times in a row, to the end whatever fails (a flake shows up as a
// failure in some runs only), prints each run's totals, the failures by test with the runs they failed
// in, and a final "N runs, F failures" line; the exit status is non-zero if any run failed.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const USAGE = "usage: node scripts/test.mjs [--repeat N] [file or directory…]";

function parseArgs(argv) {
  const out = { repeat: 1, roots: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--repeat" || a.startsWith("--repeat=")) {
      const v = a === "--repeat" ? argv[++i] : a.slice("--repeat=".length);
      if (!/^[1-9]\d*$/.test(v ?? ""))
        fail(`--repeat needs a whole number of runs, 1 or more (got ${v ?? "nothing"})`);
      out.repeat = Number(v);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("-")) {
      fail(`unknown option ${a}`);
    } else {
      out.roots.push(a);
    }
  }
  if (out.roots.length === 0) out.roots.push("test");
  return out;
}

function fail(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { repeat, roots } = parseArgs(process.argv.slice(2));
const files = [];
const walk = (p) => {
  let st;
  try {
    st = statSync(p);
  } catch {
    fail(`no such file or directory: ${p}`);
  }
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
const reporter = new URL("./test-reporter.mjs", import.meta.url).href;

const read = (file) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return ""; // no report: the runner died before writing one
  }
};

/** One run of every file: resolves with its exit status, totals, per-file times and failed tests. */
function runOnce() {
  const dir = mkdtempSync(join(tmpdir(), "mycrmsim-test-run-"));
  const events = join(dir, "events.jsonl");
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      `--test-concurrency=${concurrency}`,
      // A safety net, not a speed check: a test that hangs fails after 15 minutes instead of holding
      // CI until its 90-minute limit.
      `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 900_000}`,
      // Not --test-force-exit: it ends a file's process before the process has reported all its tests
      // (a file with a long failure message lost 12 of its 23). A file kept alive by something its
      // after hook never closed waits for this timeout instead; the after hooks close what exists.
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${reporter}`,
      // It writes to MYCRMSIM_TEST_EVENTS itself. Not os.devNull: Node 22 and 24 fsync a reporter's
      // file when the run ends, which /dev/null refuses (EINVAL) and the run then fails.
      `--test-reporter-destination=${join(dir, "unused")}`,
      ...files,
    ],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NODE_ENV: "test", MYCRMSIM_TEST_EVENTS: events },
    },
  );
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      const lines = read(events)
        .split("\n")
        .filter(Boolean)
        .flatMap((l) => {
          try {
            return [JSON.parse(l)];
          } catch {
            return []; // a line cut short by a runner that was killed
          }
        });
      rmSync(dir, { recursive: true, force: true });
      const result = {
        code,
        signal,
        ms: Date.now() - started,
        // the last of each: the runner closes with them
        totals: Object.fromEntries(lines.filter((x) => x.kind === "total").map((x) => [x.name, x.value])),
        times: lines.filter((x) => x.kind === "file").map((x) => ({ file: relative(".", x.file), ms: x.ms })),
        failures: lines
          .filter((x) => x.kind === "fail")
          .map((x) => ({ test: [relative(".", x.file), ...x.names].join(" › "), error: x.error })),
      };
      resolve({ ...result, ...verdict(result) });
    });
  });
}

/** Whether a run passed, its summary line, and why it failed when no test did. */
function verdict({ code, signal, totals: t }) {
  if (t.pass === undefined) {
    return { ok: false, summary: `no test totals were reported (runner exit ${code ?? signal})`, failed: 1 };
  }
  const { pass = 0, fail = 0, skipped = 0, todo = 0, cancelled = 0 } = t;
  const extra = [todo ? `${todo} todo` : "", cancelled ? `${cancelled} cancelled` : ""].filter(Boolean);
  const summary = `${pass} passed, ${fail} failed, ${skipped} skipped${extra.map((x) => `, ${x}`).join("")}`;
  // A cancelled test (a file that timed out or crashed) fails the run even if the runner said 0.
  const failed = fail + cancelled;
  if (code !== 0 || failed > 0) return { ok: false, summary, failed: Math.max(failed, 1) };
  if (strict && (skipped > 0 || todo > 0)) {
    return {
      ok: false,
      summary,
      failed: 1,
      why: `CI: ${skipped} skipped and ${todo} todo tests; every test must run in CI.`,
    };
  }
  return { ok: true, summary, failed: 0 };
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function printSlowest(runs) {
  const byFile = new Map();
  for (const r of runs)
    for (const { file, ms } of r.times) byFile.set(file, [...(byFile.get(file) ?? []), ms]);
  const rows = [...byFile]
    .map(([file, ms]) => ({ file, mean: ms.reduce((a, b) => a + b, 0) / ms.length, max: Math.max(...ms) }))
    .sort((a, b) => b.mean - a.mean)
    .slice(0, 10);
  if (rows.length === 0) return;
  const many = runs.length > 1;
  const total = runs.reduce((n, r) => n + r.ms, 0);
  console.log(
    `\nslowest files (wall time of each file's process${many ? `, mean and max of ${runs.length} runs` : ""}; ${many ? "all runs" : "the run"} took ${seconds(total)}):`,
  );
  for (const x of rows) {
    console.log(
      `  ${seconds(x.mean).padStart(8)}${many ? `  max ${seconds(x.max).padStart(8)}` : ""}  ${x.file}`,
    );
  }
}

const runs = [];
for (let i = 1; i <= repeat; i++) {
  if (repeat > 1) console.log(`\n== run ${i} of ${repeat}`);
  const r = await runOnce();
  runs.push(r);
  if (r.failures.length > 0) {
    console.log("\nfailed:");
    for (const f of r.failures) console.log(`  ${f.test}${f.error ? `\n      ${f.error}` : ""}`);
  }
  console.log(repeat > 1 ? `\nrun ${i} of ${repeat}: ${r.summary} (${seconds(r.ms)})` : `\n${r.summary}`);
  if (r.why) console.error(r.why);
}

printSlowest(runs);

if (repeat > 1) {
  const byTest = new Map();
  runs.forEach((r, i) => {
    for (const f of r.failures) byTest.set(f.test, [...(byTest.get(f.test) ?? []), i + 1]);
  });
  if (byTest.size > 0) {
    console.log("\nfailures by test (the runs they failed in):");
    for (const [test, inRuns] of byTest) console.log(`  ${test}  (run ${inRuns.join(", ")})`);
  }
  const failedRuns = runs.filter((r) => !r.ok).length;
  const failures = runs.reduce((n, r) => n + r.failed, 0);
  console.log(
    `\n${repeat} runs, ${failures} failures${failedRuns ? ` (${failedRuns} of the runs failed)` : ""}`,
  );
}

const last = runs.at(-1);
if (runs.some((r) => !r.ok)) process.exit(repeat === 1 && last.code ? last.code : 1);
process.exit(0);
