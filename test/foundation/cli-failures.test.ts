import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { pairingFor, setupTenant } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { PG_URL } from "../helpers/store.js";

/**
 * Start-up and runtime failures as a user meets them (F8): a real `mycrmsim` process, one line on
 * stderr naming the cause and the fix, no stack trace, exit status 1.
 */

interface Run {
  code: number | null;
  out: string;
  err: string;
}

const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill("SIGKILL");
});

function start(args: string[], env: Record<string, string> = {}, opts: { uid?: number } = {}) {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: "", LOG_LEVEL: "", CONFIG_FILE: "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
  children.add(proc);
  let out = "";
  let err = "";
  proc.stdout?.on("data", (d) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d) => {
    err += d.toString();
  });
  const done = new Promise<Run>((resolve) =>
    proc.on("close", (code) => {
      children.delete(proc);
      resolve({ code, out, err });
    }),
  );
  return { proc, done, output: () => ({ out, err }) };
}

const run = (args: string[], env: Record<string, string> = {}, opts: { uid?: number } = {}) =>
  start(args, env, opts).done;

/** Resolves once a line of stdout matches. */
function waitForLine(proc: ChildProcess, re: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`no line matching ${re}`)), timeoutMs);
    rl.on("line", (line) => {
      if (re.test(line)) {
        clearTimeout(timer);
        rl.close();
        resolve(line);
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before a line matching ${re}`));
    });
  });
}

/** Polls `read` until its text matches. */
async function waitFor(read: () => string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  while (!re.test(read())) {
    if (Date.now() > end) throw new Error(`no output matching ${re}:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return read();
}

/** The one-line contract: exactly `expected` (a line or a pattern) on stderr, no stack, exit 1. */
function oneLine(r: Run, expected: RegExp): void {
  assert.equal(r.code, 1, `exit status, stderr:\n${r.err}`);
  const lines = r.err.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
  assert.match(lines[0] as string, expected);
  assert.doesNotMatch(r.err, /^\s+at /m, "no stack trace");
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `mycrmsim-${prefix}-`));

describe("mycrmsim serve: start-up failures are one line with the fix", () => {
  let blocker: Server;
  let busyPort: number;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    busyPort = (blocker.address() as { port: number }).port;
  });
  after(() => blocker.close());

  it("port in use: names the port and PORT; --json gives the envelope; LOG_LEVEL=debug adds the stack", async () => {
    // Each its own DATA_DIR: on a shared one all but the first would be refused by the lock, which
    // is taken before listening.
    const env = () => ({ DATA_DIR: tmp("port"), PORT: String(busyPort) });
    const [plain, json, debug] = await Promise.all([
      run(["serve"], env()),
      run(["serve", "--json"], env()),
      run(["serve"], { ...env(), LOG_LEVEL: "debug" }),
    ]);
    oneLine(
      plain,
      new RegExp(
        `^error: port ${busyPort} on 127\\.0\\.0\\.1 is in use \\(another myCRMSIM or another program\\); stop the other process or set PORT$`,
      ),
    );
    assert.doesNotMatch(plain.out, /Server listening/);
    assert.equal(json.code, 1);
    const e = JSON.parse(json.out.trim().split("\n").at(-1) as string) as {
      ok: boolean;
      error: { code: string };
    };
    assert.equal(e.ok, false);
    assert.equal(e.error.code, "conflict");
    assert.equal(debug.code, 1);
    assert.match(debug.err, /is in use/);
    assert.match(debug.err, /^\s+at /m, "the stack, at debug");
  });

  it("PostgreSQL refused: host, port, database and user named, never the password", async () => {
    const port = await freePort();
    const r = await run(["serve"], { DATABASE_URL: `postgres://crm:s3cret-pw@127.0.0.1:${port}/crm` });
    oneLine(
      r,
      new RegExp(
        `^error: cannot use PostgreSQL at 127\\.0\\.0\\.1:${port}/crm as crm: connection refused; is PostgreSQL running there\\? Check DATABASE_URL's host and port$`,
      ),
    );
    assert.doesNotMatch(r.err + r.out, /s3cret-pw/);
    const migrate = await run(["migrate"], { DATABASE_URL: `postgres://crm@127.0.0.1:${port}/crm` });
    oneLine(migrate, /^error: cannot use PostgreSQL at .*: connection refused/);
  });

  it("PostgreSQL: a missing database and an unknown role say so", {
    skip: !PG_URL && "TEST_DATABASE_URL not set",
  }, async () => {
    const noDb = new URL(PG_URL as string);
    noDb.pathname = "/mycrmsim_no_such_db";
    const noRole = new URL(PG_URL as string);
    noRole.username = "mycrmsim_no_such_role";
    noRole.password = "hunter2-secret";
    const [db, role] = await Promise.all([
      run(["serve"], { DATABASE_URL: noDb.toString() }),
      run(["serve"], { DATABASE_URL: noRole.toString() }),
    ]);
    oneLine(
      db,
      /^error: cannot use PostgreSQL at .*\/mycrmsim_no_such_db as \w+: database "mycrmsim_no_such_db" does not exist; create it \(createdb\) or fix the database name in DATABASE_URL$/,
    );
    oneLine(
      role,
      /^error: cannot use PostgreSQL at .* as mycrmsim_no_such_role: .*check the user in DATABASE_URL/,
    );
    assert.doesNotMatch(role.err, /hunter2/);
  });

  it("DATA_DIR a file, or under a file: the path and what to do", async () => {
    const dir = tmp("file");
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "x");
    const [isFile, under] = await Promise.all([
      run(["serve"], { DATA_DIR: file }),
      run(["migrate"], { DATA_DIR: join(file, "data") }),
    ]);
    oneLine(
      isFile,
      new RegExp(
        `^error: DATA_DIR ${file} is a file, not a directory; set DATA_DIR to a directory \\(it is created when missing\\)$`,
      ),
    );
    oneLine(
      under,
      new RegExp(
        `^error: DATA_DIR ${file}/data cannot be created: ${file} is a file, not a directory; set DATA_DIR to another path$`,
      ),
    );
  });

  it("DATA_DIR not writable, or not creatable, by the service's user", async () => {
    // Root may write anywhere, so as root the server runs as `nobody` against a directory root owns.
    const root = process.getuid?.() === 0;
    const dir = tmp("ro");
    chmodSync(dir, root ? 0o755 : 0o555);
    const opts = root ? { uid: 65534 } : {};
    const [existing, create] = await Promise.all([
      run(["serve"], { DATA_DIR: dir }, opts),
      run(["serve"], { DATA_DIR: join(dir, "data") }, opts),
    ]);
    oneLine(
      existing,
      new RegExp(
        `^error: DATA_DIR ${dir} is not writable by user \\S+ \\(uid \\d+\\); chown the directory to that user, or set DATA_DIR to a writable path$`,
      ),
    );
    oneLine(
      create,
      new RegExp(
        `^error: DATA_DIR ${dir}/data cannot be created: permission denied in ${dir} \\(for user \\S+ \\(uid \\d+\\)\\); create it, or set DATA_DIR to a writable path$`,
      ),
    );
  });

  it("a CONFIG_FILE key that does not exist is refused with a suggestion", async () => {
    const dir = tmp("cfg");
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ LOGLEVEL: "debug", PORT: 4000 }));
    const r = await run(["serve"], { CONFIG_FILE: file, DATA_DIR: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      new RegExp(`CONFIG_FILE ${file}: unknown key "LOGLEVEL" \\(did you mean LOG_LEVEL\\?\\)`),
    );
    assert.doesNotMatch(r.err, /^\s+at /m);
  });
});

describe("mycrmsim serve: one server per SQLite DATA_DIR", () => {
  it("a second server refuses and names the first; after the first is killed, a new one starts", async () => {
    const dir = tmp("lock");
    const env = { DATA_DIR: dir, PORT: "0", LOG_LEVEL: "info", ALLOW_PRIVATE_URLS: "true" };
    const first = start(["serve"], env);
    const started = JSON.parse(await waitForLine(first.proc, /myCRMSIM started/)) as { url: string };
    // The human lines follow the JSON log line, once the database has said whether it is empty.
    const banner = await waitFor(() => first.output().err, /warning: ALLOW_PRIVATE_URLS/);
    assert.match(
      banner,
      new RegExp(`^myCRMSIM is running at ${started.url} \\(listening on ${started.url}, role all\\)$`, "m"),
    );
    assert.match(banner, new RegExp(`^ {2}database: SQLite ${dir}/mycrmsim\\.db$`, "m"));
    assert.match(
      banner,
      new RegExp(`^ {2}first run: open ${started.url}/setup to create the administrator$`, "m"),
    );
    assert.match(
      banner,
      /^ {2}warning: ALLOW_PRIVATE_URLS is on: webhooks may target http and private addresses/m,
    );

    const second = await run(["serve"], { ...env, PORT: String(await freePort()) });
    oneLine(
      second,
      new RegExp(
        `^error: another myCRMSIM server \\(pid ${first.proc.pid}, ${started.url}\\) is already running on DATA_DIR ${dir}; stop it first, or give this one its own DATA_DIR \\(several servers on one database need PostgreSQL\\)$`,
      ),
    );
    // One-shot commands are meant to run next to the server.
    const user = await run(
      ["users", "create", "--email", "ops@example.com", "--name", "Ops", "--admin"],
      env,
    );
    assert.equal(user.code, 0, user.err);

    first.proc.kill("SIGKILL");
    await first.done;
    const third = start(["serve"], env);
    await waitForLine(third.proc, /myCRMSIM started/);
    assert.doesNotMatch(third.output().err, /first run/, "an administrator exists now");
    third.proc.kill("SIGTERM");
    assert.equal((await third.done).code, 0);
  });
});

describe("mycrmsim device simulate: connection failures are one line", () => {
  let s: TestServer;
  let code: string;
  let token: string;
  before(async () => {
    s = await startTestServer("sqlite");
    const { ctx, locationId } = await setupTenant(s);
    ({ code } = await pairingFor(ctx, locationId));
    ({ token } = await pairingFor(ctx, locationId));
  });
  after(() => s.close());

  it("dead port, bad token, bad code, bad device token, wrong URL", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const sim = (...args: string[]) => run(["device", "simulate", ...args]);
    const [refused, badToken, badCode, badDevice, wrongUrl] = await Promise.all([
      sim("--server", dead, "--token", "pt_whatever"),
      sim("--server", s.url, "--token", "pt_not-a-real-token"),
      sim("--server", s.url, "--code", "00000000"),
      sim("--server", s.url, "--device-token", "dt_not-a-real-token"),
      sim("--server", `${s.url}/nope`, "--token", token),
    ]);
    oneLine(
      refused,
      new RegExp(
        `^error: cannot reach ${dead}: connection refused; is \`mycrmsim serve\` running there, and is --server its URL`,
      ),
    );
    oneLine(
      badToken,
      /^error: the server refused the pairing token \(wrong, already used or expired\): 401; get a new one with `mycrmsim devices pair --location LOC`$/,
    );
    oneLine(badCode, /^error: the server refused the one-time code \(wrong, already used or expired\): 401;/);
    oneLine(
      badDevice,
      /^error: the server refused the device token \(the phone was unpaired, or the token is wrong\): 401;/,
    );
    oneLine(
      wrongUrl,
      new RegExp(
        `^error: ${s.url}/nope/api/mobile/v1 answered 404: --server is not a myCRMSIM server's address`,
      ),
    );
  });

  it("takes the pairing page's API URL, says how to receive an SMS, and does it", async () => {
    const sim = start(["device", "simulate", "--server", `${s.url}/api/mobile/v1/`, "--code", code]);
    await waitForLine(
      sim.proc,
      /^Ready\. Type `\+15551234567> Hello` and Enter: this phone receives that SMS/,
    );
    sim.proc.stdin?.write("+15551234567> Is my order ready?\n");
    await waitForLine(sim.proc, /^inbound from \+15551234567 posted \(200\)$/);
    sim.proc.kill("SIGTERM");
    const r = await sim.done;
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^registered as dev_\w+; resume later with --device-token dt_/m);
  });
});
