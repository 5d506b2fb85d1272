import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { AppError } from "../../src/core/errors.js";
import { isId, newId } from "../../src/core/ids.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { type ChildServer, spawnServer, startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect, makeTestStore, type TestStore } from "../helpers/store.js";

/**
 * The per-request pipeline after it was made cheap (security headers built once, pooled ids, the
 * access log written asynchronously and formatted directly, durations without label objects, 4xx
 * errors without stacks): what it promises must not have moved.
 */

interface AccessLine {
  level: number;
  time: number;
  pid: number;
  hostname: string;
  reqId: string;
  method: string;
  url: string;
  statusCode: number;
  ms: number;
  msg: string;
}

const accessLines = (c: ChildServer): AccessLine[] =>
  c.lines
    .map((l) => {
      try {
        return JSON.parse(l) as AccessLine;
      } catch {
        return undefined;
      }
    })
    .filter((j): j is AccessLine => j?.msg === "request");

/** Wait until the (asynchronous) log has caught up with `n` access lines, or give up after 5 s. */
async function waitForLines(c: ChildServer, n: number): Promise<AccessLine[]> {
  for (let i = 0; i < 100 && accessLines(c).length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return accessLines(c);
}

describe("access log (a child process, real stdout)", () => {
  let t: TestStore;
  before(async () => {
    t = await makeTestStore("sqlite");
    await t.store.close(); // each child server owns the database while it runs
  });
  after(async () => {
    await t.cleanup();
  });

  it("ACCESS_LOG=all (default): one line per answer with the echoed id, the path without its query, no health checks", async () => {
    const c = await spawnServer(t.env);
    try {
      const a = await fetch(`${c.url}/api/v1/me?access_token=secret-in-query`, {
        headers: { "x-request-id": "trace-42" },
      });
      assert.equal(a.status, 401);
      assert.equal(a.headers.get("x-request-id"), "trace-42");
      // A hostile id is replaced, in the answer and in the log line alike.
      const b = await fetch(`${c.url}/no/such/page`, {
        headers: { "x-request-id": 'x","level":60,"msg":"forged' },
      });
      assert.equal(b.status, 404);
      const replaced = b.headers.get("x-request-id") ?? "";
      assert.match(replaced, /^req_[0-9a-z]{26}$/);
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
      const ok = await fetch(`${c.url}/openapi.json`);
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();

      const lines = await waitForLines(c, 3);
      assert.equal(lines.length, 3, JSON.stringify(lines));
      const [first, second, third] = lines;
      assert.equal(first?.reqId, "trace-42");
      assert.equal(first?.method, "GET");
      assert.equal(first?.url, "/api/v1/me");
      assert.equal(first?.statusCode, 401);
      assert.equal(first?.level, 30);
      assert.equal(typeof first?.ms, "number");
      assert.equal(typeof first?.time, "number");
      assert.equal(typeof first?.pid, "number");
      assert.equal(second?.reqId, replaced);
      assert.equal(second?.statusCode, 404);
      assert.equal(third?.url, "/openapi.json");
      assert.equal(third?.statusCode, 200);
      assert.ok(!c.lines.join("\n").includes("secret-in-query"), "query strings never reach the log");
    } finally {
      c.proc.kill("SIGTERM");
      assert.equal(await c.exited, 0);
    }
  });

  it("ACCESS_LOG=errors logs only answers of 400 and above; off logs none", async () => {
    const errors = await spawnServer({ ...t.env, ACCESS_LOG: "errors" });
    try {
      await (await fetch(`${errors.url}/openapi.json`)).arrayBuffer();
      await (await fetch(`${errors.url}/nope`)).arrayBuffer();
      const lines = await waitForLines(errors, 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        accessLines(errors).map((l) => [l.url, l.statusCode]),
        [["/nope", 404]],
      );
      assert.equal(lines.length, 1);
    } finally {
      errors.proc.kill("SIGTERM");
      assert.equal(await errors.exited, 0);
    }
    const off = await spawnServer({ ...t.env, ACCESS_LOG: "off" });
    try {
      await (await fetch(`${off.url}/nope`)).arrayBuffer();
      await (await fetch(`${off.url}/openapi.json`)).arrayBuffer();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(accessLines(off), []);
    } finally {
      off.proc.kill("SIGTERM");
      assert.equal(await off.exited, 0);
    }
  });

  it("lines still buffered at SIGTERM are written before the process exits", async () => {
    const c = await spawnServer(t.env);
    const n = 400;
    let answered = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (answered < n) {
          answered++;
          await (await fetch(`${c.url}/nope`)).arrayBuffer();
        }
      }),
    );
    c.proc.kill("SIGTERM");
    assert.equal(await c.exited, 0);
    // Let readline deliver what the pipe still holds.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(accessLines(c).length, answered);
  });

  it("ACCESS_LOG must be one of all, errors, off", () => {
    assert.throws(
      () => loadConfig({ ACCESS_LOG: "verbose" }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => /^ACCESS_LOG="verbose": must be one of all, errors, off/.test(p)),
    );
    assert.equal(loadConfig({}).accessLog, "all");
  });
});

forEachDialect("request pipeline", (dialect) => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer(dialect);
  });
  after(async () => {
    await s.close();
  });

  it("every answer carries the same security headers, pages, API errors and 404s alike", async () => {
    for (const path of ["/healthz", "/signin", "/api/v1/me", "/no/such/page", "/openapi.json"]) {
      const r = await fetch(`${s.url}${path}`);
      await r.arrayBuffer();
      const h = r.headers;
      assert.equal(
        h.get("content-security-policy"),
        "default-src 'self';img-src 'self' data:;style-src 'self';script-src 'self';form-action 'self' https: http:;frame-ancestors 'none';base-uri 'none';object-src 'none'",
        path,
      );
      assert.equal(h.get("x-frame-options"), "DENY", path);
      assert.equal(h.get("x-content-type-options"), "nosniff", path);
      assert.equal(h.get("referrer-policy"), "no-referrer", path);
      assert.equal(h.get("cross-origin-opener-policy"), "same-origin", path);
      assert.equal(h.get("cross-origin-resource-policy"), "same-site", path);
      assert.equal(h.get("origin-agent-cluster"), "?1", path);
      assert.equal(h.get("x-dns-prefetch-control"), "off", path);
      assert.equal(h.get("x-download-options"), "noopen", path);
      assert.equal(h.get("x-permitted-cross-domain-policies"), "none", path);
      assert.equal(h.get("x-xss-protection"), "0", path);
      // Over plain http (PUBLIC_URL http://) there is no HSTS: browsers ignore it there anyway.
      assert.equal(h.get("strict-transport-security"), null, path);
      assert.match(h.get("x-request-id") ?? "", /^req_[0-9a-z]{26}$/, path);
    }
  });

  it("an https PUBLIC_URL adds HSTS", async () => {
    const https = await startTestServer(dialect, { PUBLIC_URL: "https://sms.example.com" });
    try {
      const r = await fetch(`${https.url}/healthz`);
      assert.equal(r.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains");
    } finally {
      await https.close();
    }
  });

  it("durations are recorded under the route pattern (never the raw path), and unmatched requests as such", async () => {
    await (await fetch(`${s.url}/api/v1/messages/msg_01jd3k7m9x2b4c6d8f0g1h2j3k`)).arrayBuffer();
    await (await fetch(`${s.url}/api/v1/messages/msg_01jd3k7m9x2b4c6d8f0g1h2j3k`)).arrayBuffer();
    await (await fetch(`${s.url}/no/such/page`)).arrayBuffer();
    const text = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(
      text,
      /mycrmsim_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/messages\/:id",status="401"\} 2\n/,
    );
    assert.match(
      text,
      /mycrmsim_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]\d*\n/,
    );
    assert.ok(!text.includes("msg_01jd3k7m9x2b4c6d8f0g1h2j3k"), "ids never become labels");
    assert.match(text, /# TYPE mycrmsim_http_request_duration_seconds histogram/);
    assert.match(text, /# TYPE mycrmsim_log_lines_dropped_total counter/);
  });

  it("auth before parsing; then a wrong type is a 400 naming the field; rate-limit headers on both answers", async () => {
    const anonymous = await fetch(`${s.url}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer nope" },
      body: "{not json",
    });
    // The body of an anonymous caller is never looked at.
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
    const a = (await anonymous.json()) as { error: string; request_id: string };
    assert.equal(a.error, "unauthorized");
    assert.equal(a.request_id, anonymous.headers.get("x-request-id"));

    const ctx = ctxFor(s.db.store);
    const user = await makeUser(ctx);
    const loc = (await makeLocation(ctx, user.id)).id;
    const token = (await makeApiToken(ctx, { userId: user.id, locationIds: [loc] })).accessToken;
    const post = (body: unknown) =>
      fetch(`${s.url}/api/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const wrongType = await post({ phone: 14155552671, locationId: loc, message: "x" });
    assert.equal(wrongType.status, 400);
    const w = (await wrongType.json()) as { error: string; field: string; message: string };
    assert.equal(w.error, "invalid_request");
    assert.equal(w.field, "phone");
    assert.match(w.message, /^phone: /);
    assert.equal(wrongType.headers.get("cache-control"), "no-store");
    assert.equal(wrongType.headers.get("ratelimit-policy"), '"connection";q=600;w=60, "client";q=6000;w=60');
    assert.match(wrongType.headers.get("ratelimit") ?? "", /^"connection";r=\d+;t=\d+$/);

    const badPhone = await post({ phone: "+1415", locationId: loc, message: "x" });
    assert.equal(badPhone.status, 400);
    assert.equal(((await badPhone.json()) as { error: string }).error, "invalid_phone");
    // A send is also charged to its location: three policies, the tightest named.
    assert.equal(
      badPhone.headers.get("ratelimit-policy"),
      '"connection";q=600;w=60, "client";q=6000;w=60, "location";q=300;w=60',
    );
    assert.match(badPhone.headers.get("ratelimit") ?? "", /^"location";r=\d+;t=\d+$/);
    assert.equal(badPhone.headers.get("x-ratelimit-limit"), "300");
  });
});

describe("histogram exposition", () => {
  it("prints cumulative buckets, +Inf, sum and count per series, le first, like prom-client", async () => {
    const m = createMetrics();
    const a = m.httpDuration.series("GET", "/x", 200);
    a.observe(0.0005);
    a.observe(0.003);
    a.observe(20);
    m.httpDuration.series("POST", "/x", 400).observe(0.01);
    // The same label combination is the same series.
    assert.equal(m.httpDuration.series("GET", "/x", 200), a);
    const text = await m.registry.metrics();
    const name = "mycrmsim_http_request_duration_seconds";
    const labels = 'method="GET",route="/x",status="200"';
    assert.ok(text.includes(`${name}_bucket{le="0.001",${labels}} 1\n`), text);
    assert.ok(text.includes(`${name}_bucket{le="0.0025",${labels}} 1\n`));
    assert.ok(text.includes(`${name}_bucket{le="0.005",${labels}} 2\n`));
    assert.ok(text.includes(`${name}_bucket{le="10",${labels}} 2\n`));
    assert.ok(text.includes(`${name}_bucket{le="+Inf",${labels}} 3\n`));
    assert.ok(text.includes(`${name}_sum{${labels}} 20.0035\n`));
    assert.ok(text.includes(`${name}_count{${labels}} 3\n`));
    assert.ok(text.includes(`${name}_bucket{le="0.01",method="POST",route="/x",status="400"} 1\n`));
    const json = await m.registry.getMetricsAsJSON();
    const h = json.find((x) => x.name === name) as { values: { labels: Record<string, unknown> }[] };
    assert.deepEqual(h.values[0]?.labels, { method: "GET", route: "/x", status: "200", le: 0.001 });
  });
});

describe("ids and errors", () => {
  it("ids stay unique, well-formed and ordered by creation, also within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      newId("message", 1_700_000_000_000 + Math.floor(i / 1000)),
    );
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => isId("message", id)));
    assert.deepEqual([...ids].sort(), ids);
    // Random parts differ between milliseconds (not a counter anyone could guess from the last one).
    const a = newId("request", 1);
    const b = newId("request", 2);
    assert.notEqual(a.slice(-16), b.slice(-16));
  });

  it("expected refusals (4xx) carry no stack; failures (5xx) keep theirs", () => {
    const refused = new AppError("invalid_phone", "phone must be an E.164 number");
    assert.equal(refused.stack, "AppError: phone must be an E.164 number");
    assert.equal(refused.status, 400);
    const failed = new AppError("internal_error", "boom");
    assert.match(failed.stack ?? "", /\n\s+at /);
    assert.ok(Error.stackTraceLimit > 0, "the process's own limit is left as it was");
  });
});
