/**
 * Pairing and event streams are not an attack surface (security findings M2 and M6): code guessing is
 * throttled per address and instance-wide, before the code is looked at, across processes; one device
 * token holds at most two event streams. Real HTTP throughout; a test picks its client address by
 * binding to another loopback address (all of 127.0.0.0/8 is local on Linux).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Pool } from "undici";
import type { Ctx } from "../../src/context.js";
import { addressKey, updatePacing } from "../../src/devices/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { MOBILE, mobile, pairingFor, setupTenant, waitFor } from "../helpers/phone.js";
import { type ChildServer, spawnServer, startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

interface Answer {
  status: number;
  body: { message?: string; code?: number; error?: string; id?: string; token?: string };
  retryAfter: number | undefined;
}

/** One client address talking to one server: up to `connections` requests in flight. */
function clientAt(url: string, localAddress: string, connections = 4) {
  // The client's own `localAddress` option: undici overrides `connect.localAddress` with it (null).
  const pool = new Pool(url, { connections, localAddress });
  return {
    async register(auth: string, name = "phone"): Promise<Answer> {
      const r = await pool.request({
        path: `${MOBILE}/device`,
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const text = await r.body.text();
      const retry = r.headers["retry-after"];
      return {
        status: r.statusCode,
        body: text ? JSON.parse(text) : {},
        retryAfter: retry === undefined ? undefined : Number(retry),
      };
    },
    close: () => pool.close(),
  };
}

/** Eight digits, never `except`. */
function wrongCodes(n: number, except: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const c = String((Number(except) + 1 + i * 7919) % 100_000_000).padStart(8, "0");
    if (c !== except) out.push(c);
  }
  return out;
}

async function deviceCount(server: TestServer, locationId: string): Promise<number> {
  const rows = await server.db.store.db
    .selectFrom("devices")
    .select("id")
    .where("location_id", "=", locationId)
    .execute();
  return rows.length;
}

function assertRateLimited(a: Answer, maxRetryAfter = 60): void {
  assert.equal(a.status, 429);
  assert.equal(a.body.code, 429);
  assert.equal(a.body.error, "rate_limited");
  assert.equal(typeof a.body.message, "string");
  assert.ok(
    a.retryAfter !== undefined && a.retryAfter >= 1 && a.retryAfter <= maxRetryAfter,
    `Retry-After ${a.retryAfter}`,
  );
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

describe("M2 client addresses", () => {
  it("IPv6 clients are throttled by their /64, IPv4-mapped addresses as IPv4", () => {
    assert.equal(addressKey("2001:db8:1:2:3:4:5:6"), addressKey("2001:db8:1:2:ffff::1"));
    assert.notEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"));
    assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
    assert.notEqual(addressKey("192.0.2.7"), addressKey("192.0.2.8"));
  });
});

forEachDialect("M2 pairing throttle (default budgets)", (dialect) => {
  let server: TestServer;
  let ctx: Ctx;
  let locationId: string;
  before(async () => {
    server = await startTestServer(dialect);
    ({ ctx, locationId } = await setupTenant(server));
  });
  after(async () => server.close());

  it("M2 1,000 parallel wrong codes from one address: at most 10 answered 401, the rest 429, none registers; the right code from another address still pairs", async () => {
    const target = await pairingFor(ctx, locationId);
    const attacker = clientAt(server.url, "127.0.0.1", 32);
    const answers = await Promise.all(
      wrongCodes(1000, target.code).map((c) => attacker.register(`Code ${c}`)),
    );
    await attacker.close();
    assert.equal(answers.length, 1000);
    assert.ok(count(answers, 401) >= 1, "the first guesses are checked");
    assert.ok(count(answers, 401) <= 10, `${count(answers, 401)} guesses were checked`);
    assert.equal(count(answers, 429), 1000 - count(answers, 401));
    for (const a of answers.filter((x) => x.status === 429)) assertRateLimited(a);
    assert.equal(await deviceCount(server, locationId), 0);

    const owner = clientAt(server.url, "127.0.0.2");
    const paired = await owner.register(`Code ${target.code}`, "Owner's phone");
    await owner.close();
    assert.equal(paired.status, 201);
    assert.match(paired.body.id ?? "", /^dev_/);
    assert.equal(await deviceCount(server, locationId), 1);
  });

  it("M2 per address: successes are free, the 11th failure in a minute gets 429 (even for a valid token, which stays unused); another address is unaffected", async () => {
    const a = clientAt(server.url, "127.0.0.3");
    const b = clientAt(server.url, "127.0.0.4");
    for (let i = 0; i < 12; i++) {
      const p = await pairingFor(ctx, locationId);
      assert.equal((await a.register(`Bearer ${p.token}`)).status, 201, `phone ${i}`);
    }
    for (let i = 0; i < 10; i++) {
      assert.equal((await a.register(`Bearer pt_wrong${i}`)).status, 401, `failure ${i}`);
    }
    // 10 a minute: the bucket refills one failure every 6 s.
    assertRateLimited(await a.register("Bearer pt_wrong10"), 6);
    assertRateLimited(await a.register("Code 00000000"), 6);
    const p = await pairingFor(ctx, locationId);
    const before = await deviceCount(server, locationId);
    assertRateLimited(await a.register(`Bearer ${p.token}`), 6);
    assert.equal(await deviceCount(server, locationId), before, "refused before the token was used");
    assert.equal((await b.register(`Bearer ${p.token}`)).status, 201);
    assert.equal((await b.register("Bearer pt_wrong")).status, 401);
    await a.close();
    await b.close();
  });
});

forEachDialect("M2 instance-wide code budget", (dialect) => {
  let server: TestServer;
  let ctx: Ctx;
  let locationId: string;
  before(async () => {
    server = await startTestServer(dialect, {
      PAIRING_FAILURES_PER_ADDRESS_PER_MINUTE: "3",
      PAIRING_CODE_FAILURES_PER_MINUTE: "5",
    });
    ({ ctx, locationId } = await setupTenant(server));
  });
  after(async () => server.close());

  it("M2 codes that pair do not spend either budget", async () => {
    const c = clientAt(server.url, "127.0.1.1");
    for (let i = 0; i < 8; i++) {
      const p = await pairingFor(ctx, locationId);
      assert.equal((await c.register(`Code ${p.code}`)).status, 201, `phone ${i}`);
    }
    await c.close();
  });

  it("M2 wrong codes from several addresses spend it: then every code is refused unchecked, from any address, but a pairing token still pairs", async () => {
    const live = await pairingFor(ctx, locationId);
    const answers: Answer[] = [];
    for (const ip of ["127.0.1.2", "127.0.1.3", "127.0.1.4"]) {
      const c = clientAt(server.url, ip);
      for (const code of wrongCodes(3, live.code)) answers.push(await c.register(`Code ${code}`));
      await c.close();
    }
    assert.deepEqual(
      answers.map((a) => a.status),
      [401, 401, 401, 401, 401, 429, 429, 429, 429],
      "3 per address, 5 in all",
    );
    for (const a of answers.filter((x) => x.status === 429)) assertRateLimited(a, 12);

    const owner = clientAt(server.url, "127.0.1.9");
    const before = await deviceCount(server, locationId);
    assertRateLimited(await owner.register(`Code ${live.code}`), 12);
    assert.equal(await deviceCount(server, locationId), before, "the right code was not even checked");
    const byToken = await owner.register(`Bearer ${live.token}`);
    assert.equal(byToken.status, 201, "tokens cannot be guessed, so they skip the code budget");
    assert.equal(await deviceCount(server, locationId), before + 1);
    await owner.close();
  });
});

forEachDialect("M2 budgets shared by two server processes", (dialect) => {
  let db: TestStore;
  let nodes: ChildServer[] = [];
  let ctx: Ctx;
  let locationId: string;
  before(async () => {
    db = await makeTestStore(dialect);
    ctx = ctxFor(db.store);
    locationId = (await makeLocation(ctx, (await makeUser(ctx)).id)).id;
    const env = {
      ...db.env,
      SECRET_KEY: "k".repeat(40),
      PAIRING_FAILURES_PER_ADDRESS_PER_MINUTE: "4",
      PAIRING_CODE_FAILURES_PER_MINUTE: "6",
    };
    nodes = await Promise.all([spawnServer(env), spawnServer(env)]);
  });
  after(async () => {
    for (const n of nodes) n.proc.kill("SIGTERM");
    await Promise.all(nodes.map((n) => n.exited));
    await db.cleanup();
  });

  it("M2 wrong codes alternating between the processes: 4 failures per address and 6 in all, not per process", async () => {
    const live = await pairingFor(ctx, locationId);
    const statuses = async (ip: string, n: number) => {
      const clients = nodes.map((node) => clientAt(node.url, ip));
      const out: number[] = [];
      for (const [i, code] of wrongCodes(n, live.code).entries()) {
        out.push((await clients[i % 2]?.register(`Code ${code}`))?.status ?? 0);
      }
      await Promise.all(clients.map((c) => c.close()));
      return out;
    };
    assert.deepEqual(await statuses("127.0.2.1", 10), [401, 401, 401, 401, 429, 429, 429, 429, 429, 429]);
    assert.deepEqual(await statuses("127.0.2.2", 4), [401, 401, 429, 429]);
    for (const n of nodes) {
      const c = clientAt(n.url, "127.0.2.3");
      assertRateLimited(await c.register(`Code ${live.code}`));
      await c.close();
    }
    const rows = await db.store.db.selectFrom("devices").select("id").execute();
    assert.equal(rows.length, 0);
    const c = clientAt(nodes[1]?.url ?? "", "127.0.2.3");
    assert.equal((await c.register(`Bearer ${live.token}`)).status, 201);
    await c.close();
  });
});

forEachDialect("M2 behind a reverse proxy (TRUST_PROXY=true)", (dialect) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(dialect, {
      TRUST_PROXY: "true",
      PAIRING_FAILURES_PER_ADDRESS_PER_MINUTE: "3",
    });
  });
  after(async () => server.close());

  const viaProxy = async (client: string) => {
    const r = await fetch(`${server.url}${MOBILE}/device`, {
      method: "POST",
      headers: {
        authorization: "Code 12345678",
        "content-type": "application/json",
        "x-forwarded-for": client,
      },
      body: "{}",
    });
    await r.arrayBuffer();
    return r.status;
  };

  it("M2 the budget follows the client address the proxy reports, not the proxy's own", async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await viaProxy("203.0.113.1"));
    assert.deepEqual(first, [401, 401, 401, 429]);
    assert.equal(await viaProxy("203.0.113.2"), 401);
  });
});

/** An SSE reader on the wire format: `ended` turns true when the server ends the response. */
function openStream(url: string, token: string) {
  const ac = new AbortController();
  const s = { frames: [] as string[], ended: false, close: () => ac.abort(), connected: Promise.resolve() };
  let onConnected: () => void = () => undefined;
  s.connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  void (async () => {
    try {
      const res = await fetch(`${url}${MOBILE}/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: ac.signal,
      });
      assert.equal(res.status, 200);
      let buf = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString("utf8");
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          s.frames.push(frame);
          if (frame === ":connected") onConnected();
        }
      }
      s.ended = true;
    } catch {
      // aborted by the test
    }
  })();
  return s;
}

forEachDialect("M6 event streams per device", (dialect) => {
  let server: TestServer;
  let ctx: Ctx;
  let locationId: string;
  const opened: { close(): void }[] = [];
  before(async () => {
    server = await startTestServer(dialect);
    ({ ctx, locationId } = await setupTenant(server));
  });
  after(async () => {
    for (const s of opened) s.close();
    await server.close();
  });

  async function newDevice(): Promise<{ id: string; token: string }> {
    const p = await pairingFor(ctx, locationId);
    const r = await mobile(server, "POST", "/device", { auth: `Bearer ${p.token}`, body: { name: "S" } });
    assert.equal(r.status, 201);
    return r.body as { id: string; token: string };
  }
  const stream = (token: string) => {
    const s = openStream(server.url, token);
    opened.push(s);
    return s;
  };

  it("M6 a third stream ends the oldest; the two newest stay open", async () => {
    const d = await newDevice();
    const first = stream(d.token);
    await first.connected;
    const second = stream(d.token);
    await second.connected;
    assert.equal(first.ended, false);
    const third = stream(d.token);
    await third.connected;
    await waitFor(() => first.ended, 3000, "the oldest stream to end");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(second.ended, false);
    assert.equal(third.ended, false);
  });

  it("M6 50 streams opened at once with one device token: 48 end, 2 stay open and still get events; another phone's stream is untouched", async () => {
    const other = stream((await newDevice()).token);
    await other.connected;
    const d = await newDevice();
    const streams = Array.from({ length: 50 }, () => stream(d.token));
    await Promise.all(streams.map((s) => s.connected));
    await waitFor(() => streams.filter((s) => s.ended).length === 48, 5000, "48 streams to end");
    await new Promise((r) => setTimeout(r, 200));
    const open = streams.filter((s) => !s.ended);
    assert.equal(open.length, 2);
    assert.equal(other.ended, false);
    await updatePacing({ ctx, input: { deviceId: d.id, pacing: {}, onlineMs: 1 } });
    for (const s of open) {
      await waitFor(
        () => s.frames.some((f) => f.startsWith("event: SettingsUpdated")),
        3000,
        "settings event",
      );
    }
  });
});
