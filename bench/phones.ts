/**
 * Phones bench: N simulated phones hold SSE streams (default 1,000, one process); measures
 *  - wake-up latency: from the "message_enqueued" notification for a location (what the messages
 *    layer emits after committing a queued message) to the MessageEnqueued frame arriving at each of
 *    that location's phones, p50/p99;
 *  - memory per connected phone: RSS and heap growth divided by N. Server and clients share this
 *    process, so the figure covers both ends of each stream (an upper bound for the server side).
 * Run: npx tsx bench/phones.ts [--phones 1000] [--per-location 10] [--rounds 200]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/index.js";
import { silentLogger } from "../src/core/logger.js";
import { createLocation, createUser } from "../src/accounts/index.js";
import { createPairing } from "../src/devices/index.js";
import { readEventStream } from "../src/devices/simulator/sse.js";
import { startServer } from "../src/main.js";
import { systemClock } from "../src/core/clock.js";

const { values } = parseArgs({
  options: { phones: { type: "string" }, "per-location": { type: "string" }, rounds: { type: "string" } },
});
const N = Number(values.phones ?? 1000);
const PER = Number(values["per-location"] ?? 10);
const ROUNDS = Number(values.rounds ?? 200);

const dir = mkdtempSync(join(tmpdir(), "mycrmsim-bench-"));
const config = loadConfig({ PORT: "0", LOG_LEVEL: "silent", DATA_DIR: dir });
const server = await startServer(config, { logger: false });
const url = server.url ?? "";
const store = server.deps.store;
const ctx = { store, db: store.db, clock: systemClock, log: silentLogger };
const user = await createUser({
  ctx,
  input: { email: "bench@example.com", name: "Bench", password: "a long enough password" },
});

const locations: string[] = [];
const tokens: { token: string; location: string }[] = [];
for (let i = 0; i < N; i++) {
  if (i % PER === 0)
    locations.push((await createLocation({ ctx, input: { ownerUserId: user.id, name: `L${i}` } })).id);
  const location = locations[locations.length - 1] ?? "";
  const p = await createPairing({ ctx, input: { locationId: location, ttlMs: 600_000 } });
  const res = await fetch(`${url}/api/mobile/v1/device`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `bench ${i}` }),
  });
  tokens.push({ token: ((await res.json()) as { token: string }).token, location });
}

global.gc?.();
const before = process.memoryUsage();
const ac = new AbortController();
const waiting = new Map<string, { pending: number; t0: number; samples: number[]; done: () => void }>();
let open = 0;
for (const t of tokens) {
  void readEventStream(
    `${url}/api/mobile/v1/events`,
    { headers: { authorization: `Bearer ${t.token}` }, signal: ac.signal },
    {
      open: () => {
        open++;
      },
      event: (type) => {
        const w = waiting.get(t.location);
        if (type !== "MessageEnqueued" || !w) return;
        w.samples.push(performance.now() - w.t0);
        if (--w.pending === 0) w.done();
      },
    },
  ).catch(() => undefined);
}
while (open < N) await new Promise((r) => setTimeout(r, 20));
await new Promise((r) => setTimeout(r, 500));
global.gc?.();
const afterConnect = process.memoryUsage();

const samples: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const location = locations[i % locations.length] ?? "";
  const phones = tokens.filter((t) => t.location === location).length;
  await new Promise<void>((resolve) => {
    const w = { pending: phones, t0: performance.now(), samples, done: resolve };
    waiting.set(location, w);
    void store.notify("message_enqueued", location);
  });
  waiting.delete(location);
}
samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? Number.NaN;
const perPhone = (k: "rss" | "heapUsed") => (afterConnect[k] - before[k]) / N / 1024;

console.log(
  `\nPhones bench: ${N} SSE phones, ${locations.length} locations, ${ROUNDS} wake-ups (${samples.length} deliveries)\n`,
);
console.table({
  "wake-up latency p50 (ms)": q(0.5).toFixed(2),
  "wake-up latency p99 (ms)": q(0.99).toFixed(2),
  "wake-up latency max (ms)": (samples[samples.length - 1] ?? Number.NaN).toFixed(2),
  "RSS per connected phone (KiB)": perPhone("rss").toFixed(1),
  "heap per connected phone (KiB)": perPhone("heapUsed").toFixed(1),
});

ac.abort();
await server.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
