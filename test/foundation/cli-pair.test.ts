import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, it } from "node:test";
import { promisify } from "node:util";
import { lanAddresses } from "../../src/devices/reachability.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

const run = promisify(execFile);

/**
 * `devices pair` in a shell whose environment is not the server's (the usual case under systemd):
 * it must print the URL the running server gives phones, read from the database they share.
 */
async function pair(db: TestStore, locationId: string, env: Record<string, string>, json = false) {
  const r = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli.ts",
      "devices",
      "pair",
      "--location",
      locationId,
      ...(json ? ["--json"] : []),
    ],
    { env: { ...process.env, DATABASE_URL: "", DATA_DIR: "", ...db.env, LOG_LEVEL: "warn", ...env } },
  );
  return r.stdout;
}

async function locationIn(db: TestStore): Promise<string> {
  const ctx = ctxFor(db.store);
  const owner = await makeUser(ctx);
  return (await makeLocation(ctx, owner.id)).id;
}

/** What this shell's config would say, deliberately different from every server below. */
const SHELL = { PUBLIC_URL: "http://127.0.0.1:3999", PORT: "3999" };

forEachDialect("devices pair prints the running server's phone URL", (dialect) => {
  const servers: TestServer[] = [];
  const stores: TestStore[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    for (const d of stores) await d.cleanup();
  });

  it("a server with PUBLIC_URL=https://…: the CLI prints that URL, not its own, and no warning", async () => {
    const s = await startTestServer(dialect, { PUBLIC_URL: "https://sms.running-server.test" });
    servers.push(s);
    const loc = await locationIn(s.db);
    const out = await pair(s.db, loc, SHELL, true);
    const j = (JSON.parse(out) as { data: unknown }).data as {
      serverUrl: string;
      serverUrlFrom: string;
      code: string;
      minAppVersion: string;
      reachability: { loopback: boolean; cleartext: boolean };
    };
    assert.equal(j.serverUrl, "https://sms.running-server.test/api/mobile/v1");
    assert.equal(j.serverUrlFrom, "server");
    assert.match(j.code, /^\d{8}$/);
    assert.equal(j.minAppVersion, "1.53.0");
    assert.deepEqual(j.reachability.loopback, false);
    const text = await pair(s.db, loc, SHELL);
    assert.match(text, /API URL: +https:\/\/sms\.running-server\.test\/api\/mobile\/v1\n/);
    assert.match(text, /\(1\.53\.0 or newer\)/);
    assert.match(text, /Notification channel: +SSE only/);
    assert.match(text, /Sign in by code[^\n]*\n +One-time code: +\d{8}\n/);
    assert.match(text, /as recorded by the server that started at /);
    assert.doesNotMatch(text, /3999|WARNING|no server has recorded/);
  });

  it("a server on the default loopback URL: the CLI names its real port and lists the LAN settings", async () => {
    const s = await startTestServer(dialect);
    servers.push(s);
    const port = new URL(s.url).port;
    const loc = await locationIn(s.db);
    const text = await pair(s.db, loc, SHELL);
    assert.match(text, new RegExp(`API URL: +http://127\\.0\\.0\\.1:${port}/api/mobile/v1\\n`));
    assert.match(text, /WARNING: .* points at this computer itself \(loopback\); a phone can never connect/);
    const lan = lanAddresses();
    if (lan.length === 0) {
      assert.match(text, /No network address was found/);
    } else {
      for (const a of lan) {
        const url = a.family === "IPv6" ? `http://[${a.address}]:${port}` : `http://${a.address}:${port}`;
        const host = a.family === "IPv6" ? "::" : "0.0.0.0";
        assert.ok(
          text.includes(`${a.address} (${a.iface}): Set PUBLIC_URL=${url} and HOST=${host}, then restart.`),
          `advice for ${a.address} in:\n${text}`,
        );
      }
    }
    assert.match(text, /need https: a tunnel or a reverse proxy/);
  });

  it("no server has recorded a URL: falls back to this shell's settings and says so", async () => {
    const db = await makeTestStore(dialect);
    stores.push(db);
    const loc = await locationIn(db);
    const j = (
      JSON.parse(await pair(db, loc, SHELL, true)) as { data: { serverUrl: string; serverUrlFrom: string } }
    ).data;
    assert.equal(j.serverUrl, "http://127.0.0.1:3999/api/mobile/v1");
    assert.equal(j.serverUrlFrom, "cli-config");
    const text = await pair(db, loc, SHELL);
    assert.match(text, /no server has recorded its URL in this database yet/);
    assert.match(text, /WARNING: http:\/\/127\.0\.0\.1:3999\/api\/mobile\/v1 points at this computer itself/);
  });
});
