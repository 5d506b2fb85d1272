// A node:test reporter for scripts/test.mjs: one JSON line per test file (how long its process ran), per
// failed test (its full name) and per total of the run, which the runner turns into the summary line,
// the slowest-files table and the list of failures. The spec reporter stays the one people read: its
// output cannot be cut to a tail for the totals, since a failing run prints a recap after them.
//
// The totals are the runner's own closing diagnostics ("tests 12", "pass 11", …): the only ones not
// tied to a file, so a test's own t.diagnostic() cannot pass for them.
//
// Every file runs in its own process; the runner reports a `test:complete` named after the file with
// that process's wall time (Node 20, 22 and 24 alike).
//
// The lines are appended synchronously to $MYCRMSIM_TEST_EVENTS, so that none is lost however the
// runner ends (a destination stream's last writes can be, when the process exits at once). Without
// that variable they go to the reporter's destination as usual.
import { appendFileSync } from "node:fs";

const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;

/** @param {AsyncIterable<{type: string, data: any}>} source */
// biome-ignore lint/style/noDefaultExport: node:test loads a reporter module through its default export
export default async function* report(source) {
  for await (const line of lines(source)) {
    if (process.env.MYCRMSIM_TEST_EVENTS) appendFileSync(process.env.MYCRMSIM_TEST_EVENTS, line);
    else yield line;
  }
}

/** @param {AsyncIterable<{type: string, data: any}>} source */
async function* lines(source) {
  // The tests open now, by nesting: each file's start/pass/fail events come in order, one file after
  // the other. An event's `file` is where the test was declared, which for a suite made by a helper
  // (forEachDialect) is the helper: a failure belongs to the nearest test file up its chain.
  /** @type {{name: string, file: string}[]} */
  const open = [];
  for await (const { type, data } of source) {
    const file = data?.file;
    if (type === "test:diagnostic" && !file && data.nesting === 0) {
      const m = /^(tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(String(data.message));
      if (m) yield `${JSON.stringify({ kind: "total", name: m[1], value: Number(m[2]) })}\n`;
      continue;
    }
    if (!file) continue;
    if (type === "test:complete" && data.nesting === 0 && data.name === file) {
      const ms = Math.round(data.details?.duration_ms ?? 0);
      yield `${JSON.stringify({ kind: "file", file, ms })}\n`;
      continue;
    }
    if (type === "test:start") {
      open.length = data.nesting;
      open.push({ name: data.name, file });
      continue;
    }
    if (type !== "test:fail") continue;
    const e = data.details?.error;
    // A failed suite is reported through the failed tests inside it, unless it failed on its own (in a
    // hook): then it is the reason, and the tests it cancelled are only counted.
    if (data.details?.type === "suite" && e?.failureType === "subtestsFailed") continue;
    if (e?.failureType === "cancelledByParent") continue;
    if (data.name === file) {
      // The file failed as a whole (it did not load, or its process died): say how.
      const exit = e?.exitCode ?? e?.cause?.exitCode;
      const signal = e?.signal ?? e?.cause?.signal;
      const how = exit
        ? `its process exited with code ${exit}`
        : signal
          ? `its process was killed by ${signal}`
          : "";
      yield `${JSON.stringify({ kind: "fail", file, names: [], error: how || firstLine(e) })}\n`;
      continue;
    }
    const chain = [...open.slice(0, data.nesting), { name: data.name, file }];
    const testFile = chain.findLast((t) => TEST_FILE.test(t.file))?.file ?? file;
    const names = chain.map((t) => t.name);
    yield `${JSON.stringify({ kind: "fail", file: testFile, names, error: firstLine(e) })}\n`;
  }
}

/** The first line of an error's message (an assertion's message, or what was thrown). */
function firstLine(e) {
  const message = typeof e?.cause === "object" && e.cause?.message ? e.cause.message : (e?.message ?? "");
  return String(message).split("\n")[0].slice(0, 200);
}
