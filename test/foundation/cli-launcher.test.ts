import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

/**
 * bin/mycrmsim.js (F4): the built dist/ when it is current, the sources through tsx when they are
 * newer (a fresh clone, a `git pull`), and a clear sentence when neither can run. Exercised on a
 * small copy of the layout, so each case controls the files' ages.
 */
function layout(opts: { tsx: boolean }) {
  const root = mkdtempSync(join(tmpdir(), "mycrmsim-launcher-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  mkdirSync(join(root, "dist"));
  copyFileSync(resolve("bin/mycrmsim.js"), join(root, "bin", "mycrmsim.js"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(root, "dist", "cli.js"), 'console.log("dist", process.argv.slice(2).join(" "));\n');
  // TypeScript only tsx can run: proves the sources ran, not a stray .js.
  writeFileSync(
    join(root, "src", "cli.ts"),
    'const from: string = "src";\nconsole.log(from, process.argv.slice(2).join(" "));\n',
  );
  writeFileSync(join(root, "src", "cli", "index.ts"), "export {};\n");
  if (opts.tsx) symlinkSync(resolve("node_modules"), join(root, "node_modules"), "dir");
  return root;
}

function age(path: string, secondsAgo: number) {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, t, t);
}

function launch(root: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin", "mycrmsim.js"), ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the mycrmsim launcher", () => {
  it("runs dist/ when it is newer than every source file", () => {
    const root = layout({ tsx: false });
    age(join(root, "src", "cli.ts"), 60);
    age(join(root, "src", "cli", "index.ts"), 60);
    const r = launch(root, ["users", "list"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "dist users list\n");
  });

  it("runs the sources through tsx when a source file changed after the build (a git pull)", () => {
    const root = layout({ tsx: true });
    age(join(root, "dist", "cli.js"), 60);
    const r = launch(root, ["--help"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "src --help\n");
  });

  it("runs the sources when nothing was built yet (a fresh clone after npm install)", () => {
    const root = layout({ tsx: true });
    spawnSync("rm", ["-r", join(root, "dist")]);
    assert.equal(launch(root, ["migrate"]).out, "src migrate\n");
  });

  it("stale dist/ and no tsx (a production install): refuses with the fix, runs nothing", () => {
    const root = layout({ tsx: false });
    age(join(root, "dist", "cli.js"), 60);
    const r = launch(root, ["serve"]);
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.match(r.err, /^error: dist\/ is older than src\/ .*run `npm run build`/);
  });
});
