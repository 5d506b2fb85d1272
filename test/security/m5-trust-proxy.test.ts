import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Fastify from "fastify";
import { ConfigError, fastifyTrustProxy, loadConfig } from "../../src/config/index.js";
import { ctxFor, makeUser } from "../helpers/factories.js";
import { MOBILE } from "../helpers/phone.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { forEachDialect } from "../helpers/store.js";
import { FormClient } from "../helpers/web.js";

// M5: behind a proxy, what the client writes into X-Forwarded-For must not choose the address the
// per-IP limits (sign-in, phone pairing) count against. TRUST_PROXY is a hop count or a list of proxy
// addresses; `true` (which used to trust every hop) is read as 1 hop.

describe("M5 TRUST_PROXY configuration", () => {
  const cfg = (v?: string) =>
    loadConfig({ DATA_DIR: "/tmp/x", ...(v === undefined ? {} : { TRUST_PROXY: v }) });

  it("M5 accepts false, a hop count, or proxy addresses/CIDRs; true means 1 hop, with a warning", () => {
    assert.equal(cfg().trustProxy, false);
    assert.equal(cfg("false").trustProxy, false);
    assert.equal(cfg("0").trustProxy, false);
    assert.equal(cfg("1").trustProxy, 1);
    assert.equal(cfg("1").trustProxyWarning, undefined);
    assert.equal(cfg("2").trustProxy, 2);
    assert.equal(cfg("true").trustProxy, 1);
    assert.match(cfg("true").trustProxyWarning ?? "", /TRUST_PROXY=1/);
    assert.deepEqual(cfg("127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback").trustProxy, [
      "127.0.0.1",
      "10.0.0.0/8",
      "::1",
      "fd00::/8",
      "loopback",
    ]);
    for (const bad of ["everything", "11", "10.0.0.0/33", "10.0.0.1/8/1", "127.0.0.1,nginx"]) {
      assert.throws(() => cfg(bad), ConfigError, bad);
    }
  });

  it("M5 a hop count trusts exactly that many hops (Fastify 5 reads a bare number as none)", () => {
    const fn = fastifyTrustProxy(1) as (a: string, i: number) => boolean;
    assert.equal(typeof fn, "function");
    assert.deepEqual([fn("127.0.0.1", 0), fn("1.2.3.4", 1)], [true, false]);
    assert.deepEqual(fastifyTrustProxy(["10.0.0.1"]), ["10.0.0.1"]);
    assert.equal(fastifyTrustProxy(false), false);
  });

  it("M5 the client address Fastify derives: hop count, proxy list, untrusted peer", async () => {
    const ipSeen = async (value: string, from: string, xff: string) => {
      const app = Fastify({ trustProxy: fastifyTrustProxy(cfg(value).trustProxy) });
      app.get("/", async (request) => ({ ip: request.ip }));
      const r = await app.inject({ url: "/", remoteAddress: from, headers: { "x-forwarded-for": xff } });
      await app.close();
      return (r.json() as { ip: string }).ip;
    };
    // nginx with $proxy_add_x_forwarded_for: the client wrote 6.6.6.6, nginx appended 1.2.3.4.
    assert.equal(await ipSeen("1", "127.0.0.1", "6.6.6.6, 1.2.3.4"), "1.2.3.4");
    assert.equal(await ipSeen("true", "127.0.0.1", "6.6.6.6, 1.2.3.4"), "1.2.3.4");
    assert.equal(await ipSeen("127.0.0.1", "127.0.0.1", "6.6.6.6, 1.2.3.4"), "1.2.3.4");
    assert.equal(await ipSeen("2", "10.0.0.9", "6.6.6.6, 1.2.3.4, 10.0.0.8"), "1.2.3.4");
    assert.equal(await ipSeen("10.0.0.0/8", "10.0.0.9", "6.6.6.6, 1.2.3.4, 10.0.0.8"), "1.2.3.4");
    // Not from a listed proxy: the socket address, whatever the headers say.
    assert.equal(await ipSeen("10.0.0.0/8", "203.0.113.5", "1.2.3.4"), "203.0.113.5");
    assert.equal(await ipSeen("false", "127.0.0.1", "1.2.3.4"), "127.0.0.1");
  });
});

forEachDialect(
  "M5 TRUST_PROXY=1: the address the proxy appended counts, not the client's X-Forwarded-For",
  (dialect) => {
    let s: TestServer;
    let email: string;
    before(async () => {
      s = await startTestServer(dialect, { TRUST_PROXY: "1", PAIRING_FAILURES_PER_ADDRESS_PER_MINUTE: "3" });
      email = (await makeUser(ctxFor(s.db.store))).email;
    });
    after(async () => s.close());

    // What nginx sends with `X-Forwarded-For $proxy_add_x_forwarded_for`: whatever the client sent,
    // then the client's real address.
    const viaProxy = (forged: string, real: string) => ({ "x-forwarded-for": `${forged}, ${real}` });

    it("M5 request.ip is the last hop (GET /device echoes it as externalIp)", async () => {
      const r = await fetch(`${s.url}${MOBILE}/device`, { headers: viaProxy("6.6.6.6", "1.2.3.4") });
      assert.equal(((await r.json()) as { externalIp: string }).externalIp, "1.2.3.4");
    });

    it("M5 rotating the forged first value does not reset the pairing per-address budget", async () => {
      const pair = async (headers: Record<string, string>) => {
        const r = await fetch(`${s.url}${MOBILE}/device`, {
          method: "POST",
          headers: { authorization: "Code 12345678", "content-type": "application/json", ...headers },
          body: "{}",
        });
        await r.arrayBuffer();
        return r.status;
      };
      const statuses = [];
      for (let i = 1; i <= 5; i++) statuses.push(await pair(viaProxy(`6.6.6.${i}`, "1.2.3.4")));
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      assert.equal(await pair(viaProxy("6.6.6.6", "1.2.3.5")), 401, "another real client has its own budget");
    });

    it("M5 rotating the forged first value does not reset the sign-in per-IP budget (the review's reproduction)", async () => {
      const signin = async (c: FormClient, i: number, real: string) => {
        const csrf = await c.csrf("/signin");
        const r = await c.post(
          "/signin",
          { _csrf: csrf, email: `nobody${i}@example.com`, password: "x" },
          viaProxy(`203.0.113.${i}`, real),
        );
        await r.arrayBuffer();
        return r.status;
      };
      const c = new FormClient(s.url);
      const statuses: number[] = [];
      for (let i = 1; i <= 30; i++) statuses.push(await signin(c, i, "127.0.0.1"));
      assert.ok(statuses.includes(429), statuses.join(" "));
      assert.ok(statuses.filter((x) => x === 401).length <= 21, statuses.join(" "));
      // Someone else behind the same proxy is not locked out by those failures.
      const other = new FormClient(s.url);
      const csrf = await other.csrf("/signin");
      const ok = await other.post(
        "/signin",
        { _csrf: csrf, email, password: "a long enough password" },
        viaProxy("203.0.113.99", "192.0.2.7"),
      );
      assert.equal(ok.status, 303);
    });
  },
);

forEachDialect(
  "M5 TRUST_PROXY as proxy addresses: a peer that is not one of them is taken as it is",
  (dialect) => {
    let s: TestServer;
    before(async () => {
      // The test's requests come from 127.0.0.1, which is not the listed proxy.
      s = await startTestServer(dialect, { TRUST_PROXY: "10.1.2.3" });
    });
    after(async () => s.close());

    it("M5 X-Forwarded-For from an untrusted peer is ignored", async () => {
      const r = await fetch(`${s.url}${MOBILE}/device`, {
        headers: { "x-forwarded-for": "6.6.6.6, 1.2.3.4" },
      });
      assert.equal(((await r.json()) as { externalIp: string }).externalIp, "127.0.0.1");
    });
  },
);
