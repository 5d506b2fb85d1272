import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { isAppError } from "../../src/core/errors.js";
import { createEgress, type Egress, type Lookup } from "../../src/egress/index.js";
import { ctxFor, makeLocation, makeUser } from "../helpers/factories.js";
import { makeApiToken } from "../helpers/oauth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";

/**
 * SSRF suite (research/webhooks-reliability.md §2 and §6 row 11): every bypass attempt is refused by
 * `checkUrl` AND by `post`, and a real loopback listener (127.0.0.1 and ::1 on one port) sees ZERO
 * connections. A positive control at the end proves the listener would have counted a connection.
 */

interface Trap {
  port: number;
  ipv6: boolean;
  connections: () => number;
  close: () => Promise<void>;
}

async function listenCounting(): Promise<Trap> {
  let count = 0;
  const onConn = (s: net.Socket) => {
    count++;
    s.destroy();
  };
  const v4 = net.createServer(onConn);
  await new Promise<void>((r) => v4.listen(0, "127.0.0.1", r));
  const port = (v4.address() as net.AddressInfo).port;
  const v6 = net.createServer(onConn);
  const ipv6 = await new Promise<boolean>((resolve) => {
    v6.once("error", () => resolve(false));
    v6.listen(port, "::1", () => resolve(true));
  });
  return {
    port,
    ipv6,
    connections: () => count,
    close: async () => {
      await new Promise<void>((r) => v4.close(() => r()));
      if (ipv6) await new Promise<void>((r) => v6.close(() => r()));
    },
  };
}

async function listenHttp(
  handler: http.RequestListener,
): Promise<{ server: http.Server; port: number; connections: () => number }> {
  let count = 0;
  const server = http.createServer(handler);
  server.on("connection", () => count++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as net.AddressInfo).port, connections: () => count };
}

function closeHttp(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

/** A resolver under test control: fixed answers per name, plus a name whose answer changes (rebinding). */
function testResolver(): Lookup & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const table: Record<string, Array<{ address: string; family: number }>> = {
    "evil.example": [{ address: "127.0.0.1", family: 4 }],
    "evil6.example": [{ address: "::1", family: 6 }],
    "mapped.example": [{ address: "::ffff:127.0.0.1", family: 6 }],
    "metadata.example": [{ address: "169.254.169.254", family: 4 }],
    "internal.example": [{ address: "10.1.2.3", family: 4 }],
    "cgnat.example": [{ address: "100.100.100.200", family: 4 }],
    "ula.example": [{ address: "fd00:ec2::254", family: 6 }],
    "zero.example": [{ address: "0.0.0.0", family: 4 }],
    "mixed.example": [
      { address: "8.8.8.8", family: 4 },
      { address: "127.0.0.1", family: 4 },
    ],
    "receiver.test": [{ address: "127.0.0.1", family: 4 }],
    "wrongname.test": [{ address: "127.0.0.1", family: 4 }],
  };
  const fn = (async (hostname: string) => {
    const n = (calls.get(hostname) ?? 0) + 1;
    calls.set(hostname, n);
    // Answers a public address the first time (the check), loopback afterwards (the connection).
    if (hostname === "rebind.example") {
      return [{ address: n === 1 ? "8.8.8.8" : "127.0.0.1", family: 4 }];
    }
    const answer = table[hostname];
    if (answer === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return answer;
  }) as Lookup & { calls: Map<string, number> };
  fn.calls = calls;
  return fn;
}

const POST = { headers: { "content-type": "application/json" }, body: "{}", timeoutMs: 2000 };

describe("egress: SSRF bypass attempts never reach loopback", () => {
  let trap: Trap;
  let egress: Egress;

  before(async () => {
    trap = await listenCounting();
    egress = createEgress({ allowPrivate: false, lookup: testResolver() });
  });
  after(async () => {
    await egress.close();
    await trap.close();
  });

  const attempts = (p: number): Array<[string, string]> => [
    // IPv4 loopback in every spelling WHATWG URL parsing canonicalises
    ["dotted loopback", `https://127.0.0.1:${p}/hook`],
    ["decimal", `https://2130706433:${p}/`],
    ["octal", `https://0177.0.0.1:${p}/`],
    ["hex short", `https://0x7f.1:${p}/`],
    ["hex whole", `https://0x7f000001:${p}/`],
    ["octal whole", `https://017700000001:${p}/`],
    ["short form", `https://127.1:${p}/`],
    ["zero-padded", `https://127.000.000.001:${p}/`],
    ["trailing dot", `https://127.0.0.1.:${p}/`],
    ["percent-encoded", `https://%31%32%37.0.0.1:${p}/`],
    ["ideographic dots", `https://127\u30020\u30020\u30021:${p}/`],
    ["fullwidth digits", `https://\uff11\uff12\uff17.0.0.1:${p}/`],
    ["other loopback /8", `https://127.42.0.1:${p}/`],
    ["0.0.0.0", `https://0.0.0.0:${p}/`],
    ["bare 0", `https://0:${p}/`],
    // IPv6
    ["[::1]", `https://[::1]:${p}/`],
    ["[::1] long form", `https://[0:0:0:0:0:0:0:1]:${p}/`],
    ["[::]", `https://[::]:${p}/`],
    ["IPv4-mapped dotted", `https://[::ffff:127.0.0.1]:${p}/`],
    ["IPv4-mapped hex", `https://[::ffff:7f00:1]:${p}/`],
    ["IPv4-compatible", `https://[::127.0.0.1]:${p}/`],
    ["SIIT ::ffff:0:0/96", `https://[::ffff:0:7f00:1]:${p}/`],
    ["NAT64 64:ff9b::/96", `https://[64:ff9b::7f00:1]:${p}/`],
    ["NAT64 local 64:ff9b:1::/48", `https://[64:ff9b:1::a00:1]:${p}/`],
    ["6to4 of 127.0.0.1", `https://[2002:7f00:1::1]:${p}/`],
    ["6to4 of 10.0.0.1", `https://[2002:a00:1::]:${p}/`],
    ["Teredo (client 127.0.0.1)", `https://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${p}/`],
    ["unique-local fc00::", `https://[fc00::1]:${p}/`],
    ["AWS metadata v6", "https://[fd00:ec2::254]/latest/meta-data/"],
    ["link-local fe80::", `https://[fe80::1]:${p}/`],
    ["multicast ff02::1", `https://[ff02::1]:${p}/`],
    ["documentation 2001:db8::", `https://[2001:db8::1]:${p}/`],
    // Private, metadata, CGNAT and reserved IPv4
    ["cloud metadata", "https://169.254.169.254/latest/meta-data/"],
    ["metadata, mapped", "https://[::ffff:a9fe:a9fe]/"],
    ["metadata, decimal", "https://2852039166/"],
    ["Alibaba metadata (CGNAT)", "https://100.100.100.200/"],
    ["CGNAT 100.64.x", "https://100.64.0.1/"],
    ["Oracle metadata 192.0.0.192", "https://192.0.0.192/"],
    ["RFC 1918 10/8", "https://10.0.0.1/"],
    ["RFC 1918 172.16/12", "https://172.16.5.4/"],
    ["RFC 1918 192.168/16", "https://192.168.1.1/"],
    ["multicast 224/4", "https://224.0.0.1/"],
    ["broadcast", "https://255.255.255.255/"],
    ["reserved 240/4", "https://240.0.0.1/"],
    ["benchmarking 198.18/15", "https://198.18.0.1/"],
    // Names
    ["localhost", `https://localhost:${p}/`],
    ["localhost.", `https://localhost.:${p}/`],
    ["sub.localhost", `https://app.localhost:${p}/`],
    ["GCP metadata name", "https://metadata.google.internal/computeMetadata/v1/"],
    ["mDNS .local", `https://printer.local:${p}/`],
    ["single-label name", `https://intranet:${p}/`],
    ["name → 127.0.0.1", `https://evil.example:${p}/`],
    ["name → ::1", `https://evil6.example:${p}/`],
    ["name → ::ffff:127.0.0.1", `https://mapped.example:${p}/`],
    ["name → 169.254.169.254", "https://metadata.example/"],
    ["name → 10.1.2.3", "https://internal.example/"],
    ["name → 100.100.100.200", "https://cgnat.example/"],
    ["name → fd00:ec2::254", "https://ula.example/"],
    ["name → 0.0.0.0", `https://zero.example:${p}/`],
    ["name → public AND 127.0.0.1", `https://mixed.example:${p}/`],
    // Scheme, credentials, ports, garbage
    ["http refused", `http://evil.example:${p}/`],
    ["http to loopback", `http://127.0.0.1:${p}/`],
    ["credentials", `https://user:pass@evil.example:${p}/`],
    ["credentials on a public name", "https://user:pass@8.8.8.8/"],
    ["username only", `https://user@127.0.0.1:${p}/`],
    ["file:", "file:///etc/passwd"],
    ["gopher:", `gopher://127.0.0.1:${p}/_SLAVEOF`],
    ["ftp:", `ftp://127.0.0.1:${p}/`],
    ["dict:", `dict://127.0.0.1:${p}/info`],
    ["data:", "data:text/plain,hello"],
    ["javascript:", "javascript:alert(1)"],
    ["ws:", `ws://127.0.0.1:${p}/`],
    ["privileged port (SSH)", "https://8.8.8.8:22/"],
    ["not a URL", "not a url"],
    ["empty", ""],
    ["empty host", "https://"],
    ["relative", `/127.0.0.1:${p}/`],
  ];

  test("checkUrl refuses every bypass attempt with invalid_target_url and a reason", async () => {
    const list = attempts(trap.port);
    assert.ok(list.length >= 30, `${list.length} attempts`);
    for (const [name, url] of list) {
      await assert.rejects(
        egress.checkUrl(url),
        (e: unknown) => {
          assert.ok(isAppError(e), `${name}: ${String(e)}`);
          assert.equal(e.code, "invalid_target_url", name);
          assert.equal(e.status, 400);
          assert.match(e.message, /^Target URL refused: .+/, name);
          assert.ok(!e.message.includes("pass@"), "credentials are not echoed");
          return true;
        },
        `${name} (${url}) was accepted`,
      );
    }
    console.log(`SSRF: ${list.length} bypass attempts refused by checkUrl`);
  });

  test("post refuses every bypass attempt (status 0, invalid_target_url) and the listener sees 0 connections", async () => {
    const list = attempts(trap.port);
    for (const [name, url] of list) {
      const res = await egress.post(url, POST);
      assert.equal(res.status, 0, `${name}: ${url} got status ${res.status}`);
      assert.match(res.error ?? "", /invalid_target_url/, `${name}: ${res.error}`);
    }
    assert.equal(trap.connections(), 0, "the loopback listener saw a connection");
    console.log(
      `SSRF: ${list.length} bypass attempts refused by post; loopback listener (127.0.0.1${trap.ipv6 ? " and ::1" : ""}:${trap.port}) saw ${trap.connections()} connections`,
    );
  });

  test("DNS rebinding: a name that checks as public and then answers 127.0.0.1 is refused at connect time", async () => {
    const resolver = testResolver();
    const e = createEgress({ allowPrivate: false, lookup: resolver });
    try {
      const url = `https://rebind.example:${trap.port}/hook`;
      await e.checkUrl(url); // first answer: 8.8.8.8, accepted
      const res = await e.post(url, POST); // the connection resolves again: 127.0.0.1, refused
      assert.equal(res.status, 0);
      assert.match(res.error ?? "", /invalid_target_url.*rebind\.example.*loopback/);
      assert.equal(
        resolver.calls.get("rebind.example"),
        2,
        "one lookup for the check, one for the connection",
      );
      // And it stays refused on every later attempt (each new connection is checked again).
      const again = await e.post(url, POST);
      assert.equal(again.status, 0);
      assert.equal(resolver.calls.get("rebind.example"), 3);
    } finally {
      await e.close();
    }
    assert.equal(trap.connections(), 0);
  });

  test("redirects are not followed: a 302 to loopback comes back as 302 and the Location is never fetched", async () => {
    const redirector = await listenHttp((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${trap.port}/secret` }).end("moved");
    });
    const open = createEgress({ allowPrivate: true });
    try {
      const res = await open.post(`http://127.0.0.1:${redirector.port}/hook`, POST);
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, `http://127.0.0.1:${trap.port}/secret`);
      assert.equal(res.body, "moved");
      assert.equal(res.error, undefined);
    } finally {
      await open.close();
      await closeHttp(redirector.server);
    }
    assert.equal(trap.connections(), 0, "the redirect target was fetched");
  });

  test("positive control: with ALLOW_PRIVATE_URLS the same listener does count a connection", async () => {
    assert.equal(trap.connections(), 0);
    const open = createEgress({ allowPrivate: true });
    try {
      await open.checkUrl(`http://127.0.0.1:${trap.port}/`);
      const res = await open.post(`http://127.0.0.1:${trap.port}/`, POST);
      assert.equal(res.status, 0, "the trap closes every connection without answering");
      assert.ok(res.error, "a network error is reported");
    } finally {
      await open.close();
    }
    assert.equal(trap.connections(), 1);
  });
});

describe("egress: public-looking targets pass the check", () => {
  test("public IPv4/IPv6 literals and allowed ports are accepted", async () => {
    const e = createEgress({ allowPrivate: false, lookup: testResolver() });
    try {
      for (const url of [
        "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://1.1.1.1:8443/x",
        "https://9.9.9.9:9000/x?y=1",
      ]) {
        await e.checkUrl(url);
      }
      await assert.rejects(e.checkUrl("https://nxdomain.example/"), /does not resolve/);
    } finally {
      await e.close();
    }
  });
});

describe("egress: pinned connections, keep-alive, TLS, timeouts, body cap", () => {
  const fixtures = join(import.meta.dirname, "fixtures", "egress-tls");
  const ca = readFileSync(join(fixtures, "ca.pem"), "utf8");

  test("the connection goes to the checked address, Host keeps the name, connections are reused", async () => {
    const hosts: string[] = [];
    const receiver = await listenHttp((req, res) => {
      hosts.push(req.headers.host ?? "");
      req.resume();
      req.on("end", () => res.writeHead(200, { "x-n": String(hosts.length) }).end("ok"));
    });
    const resolver = testResolver();
    const e = createEgress({ allowPrivate: true, lookup: resolver });
    try {
      for (let i = 0; i < 10; i++) {
        const res = await e.post(`http://receiver.test:${receiver.port}/hook`, {
          headers: { "content-type": "application/json", host: "attacker.example" },
          body: JSON.stringify({ i }),
          timeoutMs: 2000,
        });
        assert.equal(res.status, 200);
        assert.equal(res.body, "ok");
        assert.equal(res.headers["x-n"], String(i + 1));
        assert.ok(res.durationMs >= 0);
      }
      assert.deepEqual(new Set(hosts), new Set([`receiver.test:${receiver.port}`]));
      // undici's pool may open a second socket right after the first response; never one per POST.
      const opened = receiver.connections();
      assert.ok(opened <= 2, `keep-alive: ${opened} connections for ten POSTs`);
      assert.equal(resolver.calls.get("receiver.test"), opened, "resolved once per connection, not per POST");
      // When the receiver drops its connections, the next POST opens a new one: resolved and checked again.
      receiver.server.closeIdleConnections();
      await new Promise((r) => setImmediate(r));
      const res = await e.post(`http://receiver.test:${receiver.port}/hook`, POST);
      assert.equal(res.status, 200);
      assert.equal(receiver.connections(), opened + 1);
      assert.equal(resolver.calls.get("receiver.test"), opened + 1);
    } finally {
      await e.close();
      await closeHttp(receiver.server);
    }
  });

  test("TLS to a pinned address still verifies the host name (SNI and certificate)", async () => {
    const servernames: string[] = [];
    const server = https.createServer(
      {
        key: readFileSync(join(fixtures, "receiver.key")),
        cert: readFileSync(join(fixtures, "receiver.pem")),
      },
      (req, res) => {
        servernames.push((req.socket as TLSSocket).servername || "");
        res.writeHead(204).end();
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const e = createEgress({ allowPrivate: true, lookup: testResolver(), ca });
    try {
      const ok = await e.post(`https://receiver.test:${port}/hook`, POST);
      assert.equal(ok.status, 204, ok.error);
      assert.deepEqual(servernames, ["receiver.test"]);
      // Same address, another name: the certificate does not match, so nothing is sent.
      const wrong = await e.post(`https://wrongname.test:${port}/hook`, POST);
      assert.equal(wrong.status, 0);
      assert.match(wrong.error ?? "", /ERR_TLS_CERT_ALTNAME_INVALID|altnames/);
      // An untrusted certificate is refused too (no CA override).
      const strict = createEgress({ allowPrivate: true, lookup: testResolver() });
      const untrusted = await strict.post(`https://receiver.test:${port}/hook`, POST);
      await strict.close();
      assert.equal(untrusted.status, 0);
      assert.match(untrusted.error ?? "", /certificate/i);
      assert.deepEqual(servernames, ["receiver.test"], "no request reached the server over a bad handshake");
    } finally {
      await e.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test("the timeout covers a receiver that never answers and one that stalls mid-body", async () => {
    const receiver = await listenHttp((req, res) => {
      req.resume();
      if (req.url === "/stall-body") {
        res.writeHead(200, { "content-length": "100" });
        res.write("partial");
      }
      // "/never": no answer at all
    });
    const e = createEgress({ allowPrivate: true });
    try {
      const never = await e.post(`http://127.0.0.1:${receiver.port}/never`, { ...POST, timeoutMs: 300 });
      assert.equal(never.status, 0);
      assert.match(never.error ?? "", /timeout/i);
      assert.ok(never.durationMs >= 250 && never.durationMs < 2000, `${never.durationMs} ms`);
      const stall = await e.post(`http://127.0.0.1:${receiver.port}/stall-body`, { ...POST, timeoutMs: 300 });
      assert.equal(stall.status, 0, "half a response is no answer");
      assert.match(stall.error ?? "", /timeout.*response body \(status 200\)/);
      assert.ok(stall.durationMs < 2000);
    } finally {
      await e.close();
      await closeHttp(receiver.server);
    }
  });

  test("at most 1 KiB of a large response body is kept; HTTP errors and refused ports are results, not throws", async () => {
    const receiver = await listenHttp((req, res) => {
      req.resume();
      if (req.url === "/big") res.writeHead(200).end("x".repeat(256 * 1024));
      else res.writeHead(500, { "set-cookie": ["a=1", "b=2"] }).end("boom");
    });
    const e = createEgress({ allowPrivate: true });
    try {
      const big = await e.post(`http://127.0.0.1:${receiver.port}/big`, POST);
      assert.equal(big.status, 200);
      assert.equal(big.body.length, 1024);
      const err = await e.post(`http://127.0.0.1:${receiver.port}/err`, POST);
      assert.equal(err.status, 500);
      assert.equal(err.body, "boom");
      assert.equal(err.headers["set-cookie"], "a=1, b=2");
      assert.equal(err.error, undefined);
      const closedPort = receiver.port;
      await closeHttp(receiver.server);
      const refused = await e.post(`http://127.0.0.1:${closedPort}/`, POST);
      assert.equal(refused.status, 0);
      assert.match(refused.error ?? "", /ECONNREFUSED/);
    } finally {
      await e.close();
      if (receiver.server.listening) await closeHttp(receiver.server);
    }
    const closed = await e.post("http://127.0.0.1:1/", POST);
    assert.equal(closed.status, 0);
    assert.match(closed.error ?? "", /closed/);
  });
});

forEachDialect("webhooks API: subscribe refuses SSRF targets (ALLOW_PRIVATE_URLS=false)", (dialect) => {
  let server: TestServer;
  let trap: Trap;
  let token: string;
  let locationId: string;

  before(async () => {
    trap = await listenCounting();
    server = await startTestServer(dialect, { ALLOW_PRIVATE_URLS: "false" });
    const ctx = ctxFor(server.db.store);
    const user = await makeUser(ctx);
    const loc = await makeLocation(ctx, user.id);
    locationId = loc.id;
    token = (await makeApiToken(ctx, { userId: user.id, locationIds: [loc.id] })).accessToken;
  });
  after(async () => {
    await server.close();
    await trap.close();
  });

  const subscribe = (targetUrl: string) =>
    fetch(`${server.url}/api/v1/webhooks/subscribe`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ targetUrl, event: "new_message", locationId }),
    });

  test("every target that reaches a private address, or is not plain https, is a 400 invalid_target_url", async () => {
    const p = trap.port;
    const targets = [
      `https://127.0.0.1:${p}/hook`,
      `https://2130706433:${p}/`,
      `https://0177.0.0.1:${p}/`,
      `https://0x7f.1:${p}/`,
      `https://127.1:${p}/`,
      `https://0.0.0.0:${p}/`,
      `https://[::1]:${p}/`,
      `https://[::ffff:127.0.0.1]:${p}/`,
      `https://[::ffff:7f00:1]:${p}/`,
      `https://[::127.0.0.1]:${p}/`,
      `https://[64:ff9b::7f00:1]:${p}/`,
      `https://[64:ff9b:1::7f00:1]:${p}/`,
      `https://[2002:7f00:1::]:${p}/`,
      `https://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${p}/`,
      "https://169.254.169.254/latest/meta-data/",
      "https://[fd00:ec2::254]/",
      "https://100.64.0.1/",
      "https://100.100.100.200/",
      "https://10.0.0.1/",
      "https://192.168.0.1/",
      `https://[fc00::1]:${p}/`,
      `https://[fe80::1]:${p}/`,
      `https://localhost:${p}/`,
      "https://metadata.google.internal/",
      `http://127.0.0.1:${p}/`,
      "http://8.8.8.8/hook",
      "https://user:pass@8.8.8.8/hook",
      "file:///etc/passwd",
      `gopher://127.0.0.1:${p}/_x`,
      `ftp://127.0.0.1:${p}/`,
      "not a url",
    ];
    for (const target of targets) {
      const r = await subscribe(target);
      const body = (await r.json()) as Record<string, unknown>;
      assert.equal(r.status, 400, `${target}: ${JSON.stringify(body)}`);
      assert.equal(body.error, "invalid_target_url", target);
      assert.match(String(body.message), /refused: .+/, target);
      assert.ok(!String(body.message).includes("pass"), "credentials are not echoed");
      assert.match(String(body.request_id), /^req_/);
    }
    assert.equal(trap.connections(), 0, "the server connected to loopback while checking");
    const list = await fetch(`${server.url}/api/v1/webhooks`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const subs = (await list.json()) as { data: unknown[] };
    assert.equal(subs.data.length, 0, "no subscription was created");
    console.log(`SSRF API [${dialect}]: ${targets.length} targets refused with 400 invalid_target_url`);
  });

  test("a public https target is accepted under the same policy", async () => {
    const r = await subscribe("https://8.8.8.8/hook");
    const body = (await r.json()) as { webhook_id?: string; secret?: string };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.match(body.webhook_id ?? "", /^wh_/);
  });
});
