#!/usr/bin/env node
// The `mycrmsim` command (package.json "bin"). It runs the compiled dist/cli.js when that is at
// least as new as every file under src/, and otherwise the TypeScript sources through tsx, so that
// `npx mycrmsim` works right after `npm install` on a fresh clone, and never runs stale code after a
// `git pull` (F4).
//
// Why a launcher and not a "prepare" script that builds: npm runs "prepare" on every install,
// including `npm ci --omit=dev` for production, where TypeScript is absent and the build would fail
// the install; and a build made at install time is stale again after the next pull. tsx is a
// devDependency: a production install (no src/ changes, dist/ built beforehand) runs dist/ and
// needs nothing else. Supervisors should run `node dist/cli.js serve` directly (docs/deploy.md).
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist", "cli.js");
const src = join(root, "src");

/** Newest modification time under `dir` (0 when it does not exist: an installed package has no src/). */
function newest(dir) {
  let max = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = mtime(dist);
const sources = newest(src);
if (built !== undefined && built >= sources) {
  await import(pathToFileURL(dist).href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(
      built === undefined
        ? "error: mycrmsim is not built (no dist/cli.js) and tsx is not installed to run the sources; run `npm install` then `npm run build`\n"
        : "error: dist/ is older than src/ (the sources changed since the last build) and tsx is not installed to run them; run `npm run build` (it needs the dev dependencies: `npm install`)\n",
    );
    process.exit(1);
  }
  register();
  await import(pathToFileURL(join(src, "cli.ts")).href);
}
