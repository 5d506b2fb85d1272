/**
 * Inbound-to-webhook bench, on SQLite (full durability) and PostgreSQL: a simulated phone posts
 * signed `sms:received` events to our real ingest endpoint; a receiver on loopback answers 204.
 *  - latency: from the phone starting its POST to the webhook arriving at the receiver, p50/p99,
 *    with 8 phones' worth of concurrency;
 *  - fan-out: one location with 10 subscriptions, a burst of inbound messages, deliveries per second
 *    until the last of them arrived.
 * Server, phone and receiver share this process (the figures include all three).
 * Run: npx tsx bench/webhooks.ts [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocation, createUser } from "../src/accounts/index.js";
import { loadConfig } from "../src/config/index.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createPairing } from "../src/devices/index.js";
import { SimulatedPhone } from "../src/devices/simulator/phone.js";
import { startServer } from "../src/main.js";
import { createClient, createGrant, SCOPES } from "../src/oauth/index.js";
import { subscribe } from "../src/webhooks/index.js";
import { freshPgSchema } from "./lib.js";

const quick = process.argv.includes("--quick");
const LATENCY_N = quick ? 200 : 1000;
const FANOUT_N = quick ? 100 : 500;
const SUBS = 10;

type Arrival = (text: string) => void;

async function receiver(onArrival: Arrival) {
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      try {
        onArrival(String((JSON.parse(raw) as { message?: string }).message));
      } catch {
        // not ours
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function run(label: string, env: Record<string, string>) {
  const config = loadConfig({ PORT: "0", LOG_LEVEL: "silent", ALLOW_PRIVATE_URLS: "true", ...env });
  const server = await startServer(config, { logger: false });
  const url = server.url ?? "";
  server.deps.config.publicUrl = url;
  server.deps.config.dispatchUrl = url;
  const store = server.deps.store;
  const ctx = { store, db: store.db, clock: systemClock, log: silentLogger };
  const user = await createUser({
    ctx,
    input: { email: `bench-${Date.now()}@example.com`, name: "Bench", password: "a long enough password" },
  });
  const client = await createClient({
    ctx,
    input: { name: "bench", redirectUris: ["https://x.example/cb"] },
  });
  const waiters = new Map<string, () => void>();
  let fanoutLeft = 0;
  let fanoutDone: (() => void) | undefined;
  const hook = await receiver((text) => {
    if (text.startsWith("fan ")) {
      if (--fanoutLeft === 0) fanoutDone?.();
      return;
    }
    waiters.get(text)?.();
  });

  async function location(subs: number) {
    const loc = await createLocation({ ctx, input: { ownerUserId: user.id, name: "Bench" } });
    const { grantId } = await createGrant({
      ctx,
      input: { clientId: client.client_id, userId: user.id, scopes: [...SCOPES], locationIds: [loc.id] },
    });
    for (let i = 0; i < subs; i++) {
      await subscribe({
        ctx,
        input: {
          owner: { clientId: client.client_id, userId: user.id, grantId, locationIds: [loc.id] },
          locationId: loc.id,
          event: "new_message",
          targetUrl: `${hook.url}/hook/${i}`,
          checkUrl: async () => undefined,
          scopes: SCOPES,
        },
      });
    }
    const pairing = await createPairing({ ctx, input: { locationId: loc.id, ttlMs: 600_000 } });
    const phone = new SimulatedPhone({ server: url });
    await phone.register({ token: pairing.token });
    // The app posts received SMS only while it runs; start() also fetches its settings and webhooks.
    await phone.start();
    return phone;
  }

  // Latency: LATENCY_N inbound messages, 8 in flight at a time.
  const phone = await location(1);
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < LATENCY_N) {
      const text = `lat ${next++}`;
      const t0 = performance.now();
      const arrived = new Promise<void>((r) => waiters.set(text, r));
      const status = await phone.receive("+14155552671", text);
      if (status !== 200) throw new Error(`ingest answered ${status}`);
      await arrived;
      waiters.delete(text);
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  samples.sort((a, b) => a - b);
  const q = (p: number) =>
    samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? Number.NaN;

  // Fan-out: FANOUT_N inbound messages to a location with SUBS subscriptions.
  const fanPhone = await location(SUBS);
  fanoutLeft = FANOUT_N * SUBS;
  const allArrived = new Promise<void>((r) => {
    fanoutDone = r;
  });
  const t0 = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < FANOUT_N) {
        const status = await fanPhone.receive("+14155552671", `fan ${sent++}`);
        if (status !== 200) throw new Error(`ingest answered ${status}`);
      }
    }),
  );
  const ingested = performance.now() - t0;
  await allArrived;
  const total = performance.now() - t0;

  await phone.stop();
  await fanPhone.stop();
  await server.close();
  hook.close();
  return {
    label,
    "inbound → webhook p50 (ms)": q(0.5).toFixed(1),
    "inbound → webhook p99 (ms)": q(0.99).toFixed(1),
    "fan-out deliveries/s": Math.round((FANOUT_N * SUBS) / (total / 1000)),
    "inbound accepted/s": Math.round(FANOUT_N / (ingested / 1000)),
  };
}

const dir = mkdtempSync(join(tmpdir(), "mycrmsim-bench-wh-"));
const pg = await freshPgSchema("wh");
try {
  const rows = [await run("SQLite", { DATA_DIR: dir }), await run("PostgreSQL", { DATABASE_URL: pg.url })];
  console.log(
    `\nWebhooks bench: latency over ${LATENCY_N} inbound (8 concurrent), fan-out ${FANOUT_N} inbound × ${SUBS} subscriptions\n`,
  );
  console.table(Object.fromEntries(rows.map(({ label, ...r }) => [label, r])));
  console.log(`WEBHOOKS_JSON ${JSON.stringify(rows)}`);
} finally {
  await pg.drop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
