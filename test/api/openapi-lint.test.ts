import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");

/**
 * The document the server generates passes Redocly's recommended rules with no error and no warning
 * (redocly.yaml at the repository root). The document does not depend on the storage dialect, so this
 * runs once, on SQLite. Redocly runs offline: telemetry off, no update check.
 */
describe("OpenAPI document: Redocly recommended lint", () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    // A PUBLIC_URL like a real deployment's (Redocly warns about example.com and localhost servers).
    s = await startTestServer("sqlite", { PUBLIC_URL: "https://sms.mycrmsim.test" });
    dir = mkdtempSync(join(tmpdir(), "mycrmsim-openapi-"));
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("has 0 errors and 0 warnings", async () => {
    const r = await fetch(`${s.url}/openapi.json`);
    assert.equal(r.status, 200);
    const file = join(dir, "openapi.json");
    writeFileSync(file, await r.text());
    const t0 = performance.now();
    const out = await run(
      join(ROOT, "node_modules/.bin/redocly"),
      ["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format=json"],
      {
        cwd: dir,
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: "off",
          REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
          NO_COLOR: "1",
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((e: { stdout?: string; stderr?: string }) => ({
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    }));
    const ms = performance.now() - t0;
    process.stdout.write(`# redocly lint: ${ms.toFixed(0)} ms\n`);
    const report = JSON.parse(out.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location?: { pointer?: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
    assert.deepEqual(problems, []);
    assert.equal(report.totals.errors, 0);
    assert.equal(report.totals.warnings, 0);
  });
});
