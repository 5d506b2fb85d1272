import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("configuration", () => {
  it("defaults: 127.0.0.1:3000, SQLite under ./data, public and dispatch URLs derived", () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.dataDir, "./data");
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.publicUrl, "http://127.0.0.1:3000");
    assert.equal(c.dispatchUrl, "http://127.0.0.1:3000");
    assert.equal(c.allowPrivateUrls, false);
    assert.equal(c.role, "all");
  });

  it("reads every variable, strips trailing slashes", () => {
    const c = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      DATABASE_URL: "postgres://u@db/x",
      PUBLIC_URL: "https://backend.example.com/",
      DISPATCH_URL: "https://api.example.com",
      DISPATCH_PORT: "8081",
      ALLOW_PRIVATE_URLS: "true",
      LOG_LEVEL: "debug",
      ROLE: "worker",
    });
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, "postgres://u@db/x");
    assert.equal(c.publicUrl, "https://backend.example.com");
    assert.equal(c.dispatchUrl, "https://api.example.com");
    assert.equal(c.dispatchPort, 8081);
    assert.equal(c.allowPrivateUrls, true);
    assert.equal(c.role, "worker");
  });

  it("reports every problem at once", () => {
    try {
      loadConfig({
        PORT: "abc",
        LOG_LEVEL: "loud",
        DATABASE_URL: "mysql://x",
        ALLOW_PRIVATE_URLS: "maybe",
        SECRET_KEY: "short",
      });
      assert.fail("expected ConfigError");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 5);
      for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL", "ALLOW_PRIVATE_URLS", "SECRET_KEY"]) {
        assert.ok(
          e.problems.some((p) => p.startsWith(name)),
          `a problem names ${name}`,
        );
      }
    }
  });

  it("a config file is read, and the environment wins over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ PORT: 4000, LOG_LEVEL: "warn" }));
    const c = loadConfig({ CONFIG_FILE: file, LOG_LEVEL: "error" });
    assert.equal(c.port, 4000);
    assert.equal(c.logLevel, "error");
  });

  it("a config file key this version does not read is a problem, with the likely name (F13)", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({ LOGLEVEL: "debug", public_url: "https://x.test", WIDGETS: 3, PORT: 4000 }),
    );
    try {
      loadConfig({ CONFIG_FILE: file });
      assert.fail("expected ConfigError");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        `CONFIG_FILE ${file}: unknown key "LOGLEVEL" (did you mean LOG_LEVEL?)`,
        `CONFIG_FILE ${file}: unknown key "public_url" (did you mean PUBLIC_URL?)`,
        `CONFIG_FILE ${file}: unknown key "WIDGETS"`,
      ]);
    }
    // Every documented variable is accepted in the file.
    writeFileSync(
      file,
      JSON.stringify({ ALLOW_SHARED_DATA_DIR: true, WEBHOOK_RETRY_SCHEDULE: "5s", METRICS_TOKEN: "t" }),
    );
    const c = loadConfig({ CONFIG_FILE: file });
    assert.equal(c.allowSharedDataDir, true);
    assert.equal(loadConfig({}).allowSharedDataDir, false);
  });

  it("the program prints every problem and exits 1 on bad config", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
      env: { ...process.env, PORT: "70000", ROLE: "boss", PUBLIC_URL: "ftp://x" },
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /PORT/);
    assert.match(r.stderr, /ROLE/);
    assert.match(r.stderr, /PUBLIC_URL/);
  });
});
