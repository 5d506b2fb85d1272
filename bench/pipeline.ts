/**
 * Where a send's time goes, on the real server (SQLite, child process, bench/load.ts driving it):
 *  - `GET /healthz` of the same app: framework, security headers, metrics and access log only;
 *  - `POST /api/v1/messages` with a bad phone: the above plus auth, both rate limits, validation and an
 *    error answer, but no database write;
 *  - a good send: the above plus the durable write.
 * Run: npx tsx bench/pipeline.ts [--quick]
 */
import { load, seed, startChild, tempDir } from "./lib.js";

const quick = process.argv.includes("--quick");
const seconds = quick ? 3 : 8;
const dir = tempDir();
const { token, locationId } = await seed({ DATA_DIR: dir });
const s = await startChild(["src/cli.ts", "serve"], {
  DATA_DIR: dir,
  RATE_LIMIT_PER_MINUTE: "10000000",
  RATE_LIMIT_PER_LOCATION_PER_MINUTE: "10000000",
});
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const post = (body: object) =>
  load({
    url: `${s.url}/api/v1/messages`,
    method: "POST",
    body: JSON.stringify(body),
    headers,
    connections: 50,
    seconds,
    warmupSeconds: 1,
  });
try {
  const health = await load({ url: `${s.url}/healthz`, connections: 50, seconds, warmupSeconds: 1 });
  const refused = await post({ phone: "+1415", locationId, message: "x" });
  const sent = await post({ phone: "+14155552671", locationId, message: "Your code ({n})" });
  const perSecond = (r: { requests?: number; rps: number }) =>
    Math.round((r.requests ?? 0) / seconds) || r.rps;
  console.log("\nSend pipeline (SQLite, same server, 50 connections)\n");
  console.table({
    "GET /healthz (req/s)": perSecond(health),
    "POST /api/v1/messages → 400 invalid_phone (req/s)": perSecond(refused),
    "POST /api/v1/messages → 200 queued (req/s)": sent.rps,
  });
} finally {
  await s.stop();
}
process.exit(0);
