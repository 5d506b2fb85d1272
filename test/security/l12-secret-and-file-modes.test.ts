import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { accounts } from "../../src/store/repos/index.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import { registerDevice } from "../../src/devices/register-device.js";
import { reregistrationToken } from "../../src/devices/tokens.js";
import { hmacHex } from "../../src/core/crypto.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { mobile, pairingFor } from "../helpers/phone.js";
import { startServerOn, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

// L12: DATA_DIR 0700 and the database files 0600; the instance secret is not in the database (SQLite:
// DATA_DIR/secret.key; PostgreSQL: SECRET_KEY), so a copy of the database derives no phone's
// re-registration token; a secret an older version stored is retired without breaking its phones.

const mode = (p: string) => statSync(p).mode & 0o777;

describe("L12 DATA_DIR and database file modes [sqlite]", () => {
  let root = "";
  before(() => {
    root = mkdtempSync(join(tmpdir(), "mycrmsim-l12-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("L12 a new DATA_DIR is 0700 and mycrmsim.db, -wal and -shm are 0600", async () => {
    const dir = join(root, "fresh", "data");
    const store = openSqliteStore({ file: join(dir, "mycrmsim.db") });
    await store.db.schema.createTable("t").addColumn("x", "integer").execute();
    assert.equal(mode(dir), 0o700);
    for (const f of ["mycrmsim.db", "mycrmsim.db-wal", "mycrmsim.db-shm"])
      assert.equal(mode(join(dir, f)), 0o600, f);
    await store.close();
  });

  it("L12 an existing 0755 directory and 0644 files are tightened, with a warning", async () => {
    const dir = join(root, "old");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const first = openSqliteStore({ file: join(dir, "mycrmsim.db"), warn: () => undefined });
    await first.db.schema.createTable("t").addColumn("x", "integer").execute();
    await first.close();
    for (const f of ["", "mycrmsim.db"]) chmodSync(join(dir, f), f ? 0o644 : 0o755);
    const warnings: string[] = [];
    const store = openSqliteStore({
      file: join(dir, "mycrmsim.db"),
      warn: (m, d) => warnings.push(`${d.path}: ${m}`),
    });
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(dir, "mycrmsim.db")), 0o600);
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(warnings.join("\n"), /permissions tightened/);
    await store.close();
  });
});

forEachDialect("L12 the instance secret is not in the database", (dialect) => {
  let db: TestStore;
  let s: Awaited<ReturnType<typeof startServerOn>>;
  const env: Record<string, string> = dialect === "postgres" ? { SECRET_KEY: "k".repeat(40) } : {};
  const OLD = "an-old-secret-an-older-version-stored-in-the-database";
  let oldDevice = { id: "", legacyToken: "" };
  before(async () => {
    db = await makeTestStore(dialect);
    const ctx = ctxFor(db.store);
    // An install made by an older version: the generated secret in `settings`, a phone registered
    // under it (its re-registration token is what GET /settings handed it).
    await accounts.settings.put(db.store.db, "secret_key", OLD);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    const p = await pairingFor(ctx, loc.id);
    const reg = await registerDevice({
      ctx,
      input: { credential: { kind: "code", value: p.code }, secret: OLD },
    });
    oldDevice = { id: reg.id, legacyToken: reregistrationToken(OLD, reg.id) };
    s = await startServerOn(db, env);
  });
  after(async () => {
    await s.close();
    await db.cleanup();
  });
  const server = () => ({ url: s.url }) as TestServer;

  it("L12 after the upgrade the database holds no usable secret; SQLite keeps it in DATA_DIR/secret.key (0600)", async () => {
    const stored = await accounts.settings.get(db.store.db, "secret_key");
    assert.equal(stored, "", "the stored secret is blanked");
    if (dialect === "sqlite") {
      const file = join(db.env.DATA_DIR ?? "", "secret.key");
      assert.equal(mode(file), 0o600);
      assert.equal(readFileSync(file, "utf8").trim(), s.server.deps.secret);
    } else {
      assert.equal(s.server.deps.secret, env.SECRET_KEY);
    }
    // The reproduction: every value in `settings` as the HMAC key gives no token the server accepts.
    const values = await db.store.db.selectFrom("settings").select("value").execute();
    for (const { value } of values) {
      const forged = `rr_${oldDevice.id}_${hmacHex(value, `reregister:${oldDevice.id}`).slice(0, 40)}`;
      const r = await mobile(server(), "POST", "/device", { auth: `Bearer ${forged}`, body: {} });
      assert.equal(r.status, 401);
    }
  });

  it("L12 a phone registered under the old secret still re-registers with its old token, then gets a new one", async () => {
    const again = await mobile(server(), "POST", "/device", {
      auth: `Bearer ${oldDevice.legacyToken}`,
      body: {},
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const { id, token } = again.body as { id: string; token: string };
    assert.equal(id, oldDevice.id);
    const settings = await mobile(server(), "GET", "/settings", { auth: `Bearer ${token}` });
    const fresh = (settings.body as { gateway: { private_token: string } }).gateway.private_token;
    assert.notEqual(fresh, oldDevice.legacyToken);
    assert.equal(fresh, reregistrationToken(s.server.deps.secret, oldDevice.id));
    const viaNew = await mobile(server(), "POST", "/device", { auth: `Bearer ${fresh}`, body: {} });
    assert.equal(viaNew.status, 201);
    // The old secret signs nothing else: a token for another device id made with it is refused.
    const other = reregistrationToken(OLD, "dev_0000000000000000000000000z");
    assert.equal(
      (await mobile(server(), "POST", "/device", { auth: `Bearer ${other}`, body: {} })).status,
      401,
    );
  });

  it("L12 a restart keeps the same secret (phones' new tokens keep working)", async () => {
    const before = s.server.deps.secret;
    await s.close();
    s = await startServerOn(db, env);
    assert.equal(s.server.deps.secret, before);
  });
});

describe("L12 a corrupt key file is refused, not replaced", () => {
  it("L12 a key shorter than 32 characters stops the start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mycrmsim-l12k-"));
    try {
      writeFileSync(join(dir, "secret.key"), "short\n", { mode: 0o600 });
      const { readOrCreateKeyFile } = await import("../../src/store/index.js");
      assert.throws(() => readOrCreateKeyFile(join(dir, "secret.key")), /shorter than 32/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
