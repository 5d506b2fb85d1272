#!/usr/bin/env node
// `npm run test:faults [-- --full]`: the fault matrix in test/faults at CI size, or at the research
// sizes with --full; collects each row's lost / duplicated / recovered into one table at the end.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const full = process.argv.includes("--full");
const reportFile = join(tmpdir(), `mycrmsim-faults-${process.pid}.jsonl`);
const r = spawnSync(process.execPath, ["scripts/test.mjs", "test/faults"], {
  stdio: "inherit",
  env: { ...process.env, FAULTS_REPORT: reportFile, ...(full ? { FAULTS_FULL: "1" } : {}) },
});
const rows = existsSync(reportFile)
  ? readFileSync(reportFile, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(reportFile, { force: true });
console.log(`\nFault matrix (${full ? "full" : "CI"} size), ${new Date().toISOString()}`);
console.log("| Scenario | DB | Lost | Duplicated | Recovered | Note |\n|---|---|---|---|---|---|");
for (const x of rows)
  console.log(`| ${x.row} | ${x.dialect} | ${x.lost} | ${x.duplicated} | ${x.recovered} | ${x.note ?? ""} |`);
process.exit(r.status ?? 1);
