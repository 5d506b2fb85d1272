/**
 * Fault row (research/webhooks-reliability.md §6 rows 2+3): inbound SMS arrive through the real phone
 * path — a paired simulated phone POSTing signed `sms:received` envelopes to its ingest URL, retrying
 * (same envelope id) until it gets a 2xx — while the subscriber's receiver answers 500 to every other
 * request and the server, a real child process, is SIGKILLed twice mid-run and restarted on the same
 * port. Must hold: every message the ingest acknowledged reaches the receiver with a 2xx at least once
 * (lost = 0); every payload's signature verifies. Duplicates (2xx deliveries beyond the first) are
 * counted and reported, as are ingest retries (recovered).
 *
 * Duplicates must stay within what was in flight at the kills (2 × WEBHOOK_ENDPOINT_CONCURRENCY).
 *
 * Size: FAULTS_INBOUND_COUNT; default 2000, the size, in CI too (about 40-90 s per dialect on
 * the 2-CPU machine, much of it the ~32 s a delivery leased by the killed process waits for its lease to
 * run out); set FAULTS_INBOUND_COUNT for another size.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { createPairing } from "../../src/devices/index.js";
import { SimulatedPhone } from "../../src/devices/simulator/phone.js";
import type { Dialect } from "../../src/store/types.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { waitFor } from "../helpers/phone.js";
import { type ChildServer, spawnServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore } from "../helpers/store.js";
import { report } from "./report.js";

const COUNT = Number(process.env.FAULTS_INBOUND_COUNT ?? 2000);
const SENDERS = 8;
const KILLS = 2;
const IN_FLIGHT = 16;

const ENV = {
  RATE_LIMIT_PER_MINUTE: "1000000",
  RATE_LIMIT_PER_LOCATION_PER_MINUTE: "1000000",
  // Short retries so a 500 costs milliseconds, and enough of them that no message runs out.
  WEBHOOK_RETRY_SCHEDULE: ["50ms", "100ms", "200ms", "300ms", ...Array(20).fill("500ms")].join(","),
  WEBHOOK_RETRY_JITTER: "0.2",
  // The lease of a delivery is max(2 × timeout, timeout + 30 s): a short timeout keeps the wait for
  // deliveries leased by a killed process near 32 s.
  WEBHOOK_TIMEOUT_MS: "2000",
  WEBHOOK_ENDPOINT_CONCURRENCY: String(IN_FLIGHT),
  WEBHOOK_POLL_MS: "100",
};

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The subscriber: fails every other request with 500, verifies signatures, logs 2xx deliveries by text. */
async function startReceiver() {
  let requests = 0;
  let failed = 0;
  let badSignatures = 0;
  let secret = "";
  const okByText = new Map<string, number>();
  const idsByText = new Map<string, Set<string>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      if (requests % 2 === 1) {
        failed++;
        res.writeHead(500).end("try again");
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
      } catch {
        badSignatures++;
        res.writeHead(400).end("bad signature");
        return;
      }
      const p = JSON.parse(body) as { message?: string; id?: string };
      const text = p.message ?? "";
      okByText.set(text, (okByText.get(text) ?? 0) + 1);
      const ids = idsByText.get(text) ?? new Set<string>();
      ids.add(String(p.id));
      idsByText.set(text, ids);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`,
    setSecret: (s: string) => {
      secret = s;
    },
    stats: () => ({ requests, failed, badSignatures }),
    okByText,
    idsByText,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

forEachDialect(
  "faults: inbound SMS survive SIGKILL of the server while the receiver fails half",
  (dialect) => {
    it(`${COUNT} inbound messages, 2 kills: every acknowledged message reaches the receiver`, async () => {
      await runScenario(dialect);
    });
  },
);

async function runScenario(dialect: Dialect): Promise<void> {
  const db = await makeTestStore(dialect);
  after(() => db.cleanup());
  const ctx = ctxFor(db.store);
  const user = await makeUser(ctx);
  const loc = await makeLocation(ctx, user.id);
  const token = await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] });
  const receiver = await startReceiver();
  after(() => receiver.close());

  const port = await freePort();
  const env = { ...db.env, ...ENV, PORT: String(port) };
  let server: ChildServer = await spawnServer(env);
  after(() => {
    server.proc.kill("SIGKILL");
  });

  const sub = await fetch(`${server.url}/api/v1/webhooks/subscribe`, {
    method: "POST",
    headers: { authorization: `Bearer ${token.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ targetUrl: receiver.url, event: "new_message", locationId: loc.id }),
  });
  const subBody = (await sub.json()) as { webhook_id?: string; secret?: string };
  assert.equal(sub.status, 200, JSON.stringify(subBody));
  assert.match(subBody.webhook_id ?? "", /^wh_/);
  receiver.setSecret(subBody.secret ?? "");

  const pairing = await createPairing({ ctx, input: { locationId: loc.id, ttlMs: 900_000 } });
  const phone = new SimulatedPhone({ server: server.url });
  await phone.register({ token: pairing.token });
  await phone.refreshConfig();

  // The phone side: each SMS is one envelope, re-posted unchanged (same id) until a 2xx.
  const acked = new Set<number>();
  let ingestRetries = 0;
  const retried = new Set<number>();
  let next = 0;
  const started = performance.now();
  const sendOne = async (i: number) => {
    const payload = {
      messageId: `sim-${i}`,
      phoneNumber: "+15555550123",
      sender: "+15555550123",
      simNumber: 1,
      message: `inbound ${i}`,
      receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    };
    for (;;) {
      let status = 0;
      try {
        status = await phone.webhook("sms:received", payload, { id: `env-${i}` });
      } catch {
        status = 0; // connection refused or reset: the server is down or was killed mid-request
      }
      if (status >= 200 && status < 300) {
        acked.add(i);
        return;
      }
      ingestRetries++;
      retried.add(i);
      await new Promise((r) => setTimeout(r, 50)); // the phone's retry delay
    }
  };
  const senders = Array.from({ length: SENDERS }, async () => {
    while (next < COUNT) await sendOne(next++);
  });

  // The chaos side: SIGKILL at 1/3 and 2/3 of the acknowledged messages, restart on the same port.
  const restartsMs: number[] = [];
  for (let k = 1; k <= KILLS; k++) {
    await waitFor(() => acked.size >= Math.floor((COUNT * k) / (KILLS + 1)), 60_000, `kill point ${k}`);
    server.proc.kill("SIGKILL");
    await server.exited;
    const t = performance.now();
    server = await spawnServer(env);
    restartsMs.push(Math.round(performance.now() - t));
  }
  await Promise.all(senders);
  const ingestSeconds = (performance.now() - started) / 1000;
  assert.equal(acked.size, COUNT);

  // Drain: every acknowledged message must reach the receiver with a 2xx. Deliveries leased by a
  // killed process come back when their lease runs out.
  const delivered = () => [...acked].filter((i) => (receiver.okByText.get(`inbound ${i}`) ?? 0) > 0).length;
  await waitFor(() => delivered() === COUNT, 75_000, "every message delivered").catch(() => undefined);
  const drainSeconds = (performance.now() - started) / 1000;

  const lost = COUNT - delivered();
  let duplicated = 0;
  let storedTwice = 0;
  for (const [, n] of receiver.okByText) duplicated += Math.max(0, n - 1);
  for (const [, ids] of receiver.idsByText) storedTwice += Math.max(0, ids.size - 1);
  const rows = await db.store.db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("location_id", "=", loc.id)
    .where("direction", "=", "inbound")
    .executeTakeFirstOrThrow();
  const stats = receiver.stats();
  const note =
    `${COUNT} msgs; receiver 500s ${stats.failed} of ${stats.requests} requests; ` +
    `${(stats.requests / COUNT).toFixed(2)} POSTs/msg; ingest ${ingestSeconds.toFixed(1)} s, ` +
    `all delivered at ${drainSeconds.toFixed(1)} s; restarts ${restartsMs.join("/")} ms; ` +
    `ingest retries ${ingestRetries}; stored twice ${storedTwice}`;
  report({
    row: "SIGKILL of the server ×2 during inbound; receiver fails 50%",
    dialect,
    lost,
    duplicated,
    recovered: retried.size,
    note,
  });
  assert.equal(lost, 0, `lost ${lost}: ${note}`);
  assert.equal(Number(rows.n), COUNT, "each SMS stored once despite ingest retries");
  assert.equal(storedTwice, 0, "no SMS became two messages");
  assert.equal(stats.badSignatures, 0, "every delivery is signed with the subscription's secret");
  assert.ok(
    duplicated <= KILLS * IN_FLIGHT,
    `duplicates ${duplicated} exceed what was in flight at the kills`,
  );
  assert.ok(stats.failed > 0 && retried.size > 0, "the faults really happened");
  server.proc.kill("SIGKILL");
  await server.exited;
}
