import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { describe, it } from "node:test";
import {
  checkReachability,
  isLoopbackHost,
  isLoopbackUrl,
  lanAddresses,
  phoneApiUrl,
  reachabilityLines,
} from "../../src/devices/reachability.js";

function nic(address: string, family: "IPv4" | "IPv6", internal = false): NetworkInterfaceInfo {
  const base = { address, netmask: "", mac: "00:00:00:00:00:00", internal, cidr: null };
  return family === "IPv4" ? { ...base, family } : { ...base, family, scopeid: 0 };
}

/** A laptop on Wi-Fi with a docker bridge: loopback, link-local and global addresses mixed. */
const IFACES = {
  lo: [nic("127.0.0.1", "IPv4", true), nic("::1", "IPv6", true)],
  wlan0: [
    nic("fe80::1c2b:3cff:fe4d:5e6f", "IPv6"),
    nic("2001:db8:1::20", "IPv6"),
    nic("192.168.1.20", "IPv4"),
  ],
  eth1: [nic("169.254.10.3", "IPv4")],
  docker0: [nic("172.17.0.1", "IPv4")],
};
const LAN = lanAddresses(IFACES);

describe("reachability: loopback detection", () => {
  it("names 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost as loopback, nothing else", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST", "app.localhost"])
      assert.equal(isLoopbackHost(h), true, h);
    for (const h of ["192.168.1.20", "10.0.0.1", "0.0.0.0", "sms.example.com", "2001:db8::1", "128.0.0.1"])
      assert.equal(isLoopbackHost(h), false, h);
    assert.equal(isLoopbackUrl("http://127.0.0.1:3000/api/mobile/v1"), true);
    assert.equal(isLoopbackUrl("http://[::ffff:127.0.0.1]:3000"), true);
    assert.equal(isLoopbackUrl("http://localhost:3000"), true);
    assert.equal(isLoopbackUrl("https://sms.example.com/api/mobile/v1"), false);
    assert.equal(isLoopbackUrl("not a url"), false);
  });
});

describe("reachability: LAN addresses", () => {
  it("lists non-internal IPv4 and IPv6, skips loopback and link-local, IPv4 first", () => {
    assert.deepEqual(LAN, [
      { iface: "wlan0", address: "192.168.1.20", family: "IPv4" },
      { iface: "docker0", address: "172.17.0.1", family: "IPv4" },
      { iface: "wlan0", address: "2001:db8:1::20", family: "IPv6" },
    ]);
    assert.deepEqual(lanAddresses({ lo: IFACES.lo }), []);
  });
});

describe("reachability: advice", () => {
  it("a loopback phone URL: warns, and gives the exact settings for each LAN address", () => {
    const r = checkReachability(
      {
        phoneUrl: phoneApiUrl("http://127.0.0.1:3000/"),
        variable: "PUBLIC_URL",
        host: "127.0.0.1",
        port: 3000,
      },
      LAN,
    );
    assert.equal(r.phoneUrl, "http://127.0.0.1:3000/api/mobile/v1");
    assert.equal(r.loopback, true);
    assert.equal(r.cleartext, true);
    assert.deepEqual(
      r.suggestions.map((s) => s.text),
      [
        "Set PUBLIC_URL=http://192.168.1.20:3000 and HOST=0.0.0.0, then restart",
        "Set PUBLIC_URL=http://172.17.0.1:3000 and HOST=0.0.0.0, then restart",
        "Set PUBLIC_URL=http://[2001:db8:1::20]:3000 and HOST=::, then restart",
      ],
    );
    const text = reachabilityLines(r).join("\n");
    assert.match(text, /WARNING: http:\/\/127\.0\.0\.1:3000\/api\/mobile\/v1 points at this computer itself/);
    assert.match(
      text,
      /192\.168\.1\.20 \(wlan0\): Set PUBLIC_URL=http:\/\/192\.168\.1\.20:3000 and HOST=0\.0\.0\.0/,
    );
    assert.match(text, /need https: a tunnel or a reverse proxy/);
  });

  it("HOST already 0.0.0.0: only the URL variable to set; DISPATCH_URL named when it is the source", () => {
    const r = checkReachability(
      {
        phoneUrl: "http://localhost:8080/api/mobile/v1",
        variable: "DISPATCH_URL",
        host: "0.0.0.0",
        port: 8080,
      },
      LAN,
    );
    assert.equal(r.suggestions[0]?.text, "Set DISPATCH_URL=http://192.168.1.20:8080, then restart");
    assert.equal(r.suggestions[0]?.host, undefined);
  });

  it("no LAN address at all: still a warning, saying none was found", () => {
    const r = checkReachability(
      {
        phoneUrl: "http://127.0.0.1:3000/api/mobile/v1",
        variable: "PUBLIC_URL",
        host: "127.0.0.1",
        port: 3000,
      },
      [],
    );
    assert.equal(r.loopback, true);
    assert.deepEqual(r.suggestions, []);
    assert.match(reachabilityLines(r).join("\n"), /No network address was found on this machine/);
  });

  it("a LAN URL while listening on loopback only: warns about HOST", () => {
    const r = checkReachability(
      {
        phoneUrl: "http://192.168.1.20:3000/api/mobile/v1",
        variable: "PUBLIC_URL",
        host: "127.0.0.1",
        port: 3000,
      },
      LAN,
    );
    assert.equal(r.loopback, false);
    assert.equal(r.listensLoopbackOnly, true);
    assert.equal(
      r.suggestions[0]?.text,
      "Set PUBLIC_URL=http://192.168.1.20:3000 and HOST=0.0.0.0, then restart",
    );
    assert.match(reachabilityLines(r).join("\n"), /listens on loopback only/);
  });

  it("a LAN http URL the server listens on: no warning, only the note that release builds need https", () => {
    const r = checkReachability(
      {
        phoneUrl: "http://192.168.1.20:3000/api/mobile/v1",
        variable: "PUBLIC_URL",
        host: "0.0.0.0",
        port: 3000,
      },
      LAN,
    );
    assert.equal(r.loopback || r.listensLoopbackOnly, false);
    assert.deepEqual(r.suggestions, []);
    const text = reachabilityLines(r).join("\n");
    assert.doesNotMatch(text, /WARNING/);
    assert.match(text, /refuse plain http .* insecure build/s);
  });

  it("an https URL behind a reverse proxy on loopback: nothing to say", () => {
    const r = checkReachability(
      {
        phoneUrl: "https://sms.example.com/api/mobile/v1",
        variable: "PUBLIC_URL",
        host: "127.0.0.1",
        port: 3000,
      },
      LAN,
    );
    assert.deepEqual(
      {
        loopback: r.loopback,
        only: r.listensLoopbackOnly,
        cleartext: r.cleartext,
        lines: reachabilityLines(r),
      },
      { loopback: false, only: false, cleartext: false, lines: [] },
    );
  });
});
