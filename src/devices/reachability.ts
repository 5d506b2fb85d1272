import { isIP } from "node:net";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

/** The minimum SMSGate app version (the first with the "SSE only" notification channel). */
export { MIN_APP_VERSION } from "./health.js";

/**
 * Can a phone reach the URL we hand it? Pure functions (no storage, no HTTP) shared by the pairing
 * page and `devices pair`: they say plainly when the URL points at this machine's loopback (the
 * default, `http://127.0.0.1:3000`, which a phone resolves to itself) and which settings would work.
 */

/** One address of this machine a phone on the same network could use. */
export interface LanAddress {
  /** Interface name, e.g. `eth0`, `wlan0`. */
  iface: string;
  address: string;
  family: "IPv4" | "IPv6";
}

/** A concrete fix: the URL variable's value and, when needed, the HOST to listen on. */
export interface Suggestion extends LanAddress {
  /** The value for the URL variable, e.g. `http://192.168.1.20:3000`. */
  url: string;
  /** The HOST to set so the server listens on this address; undefined when it already does. */
  host: string | undefined;
  /** The whole instruction, e.g. `Set PUBLIC_URL=http://192.168.1.20:3000 and HOST=0.0.0.0, then restart`. */
  text: string;
}

/** Which setting the phone URL came from: DISPATCH_URL when set apart from PUBLIC_URL. */
export type UrlVariable = "PUBLIC_URL" | "DISPATCH_URL";

export interface ReachabilityInput {
  /** The URL phones are given (`…/api/mobile/v1`). */
  phoneUrl: string;
  variable: UrlVariable;
  /** The server's HOST (where it listens). */
  host: string;
  /** The port the server really listens on. */
  port: number;
}

export interface Reachability {
  phoneUrl: string;
  variable: UrlVariable;
  /** The phone URL names a loopback address (127.0.0.0/8, ::1, localhost): no phone can use it. */
  loopback: boolean;
  /** The URL names one of this machine's addresses while the server listens on loopback only. */
  listensLoopbackOnly: boolean;
  /** Plain http: release builds of the SMSGate app refuse it (they allow cleartext only to 127.0.0.1). */
  cleartext: boolean;
  /** Settings that would work, one per LAN address (empty when the URL is fine or none was found). */
  suggestions: Suggestion[];
}

const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);

/** `127.x.x.x`, `::1` (also IPv4-mapped), `localhost` and `*.localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) {
    if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
    if (mapped) return mapped.startsWith("127.");
    // Node normalises ::ffff:127.0.0.1 in a URL to ::ffff:7f00:1.
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h);
  }
  return false;
}

/** True when `url` (absolute) points at loopback; an unparsable URL is not called loopback. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function isLinkLocal(a: NetworkInterfaceInfo): boolean {
  if (a.family === "IPv4") return a.address.startsWith("169.254.");
  return /^fe[89ab][0-9a-f]:/i.test(a.address);
}

/**
 * This machine's addresses a phone on the same network could reach: non-internal IPv4 and IPv6
 * (global or unique-local), skipping link-local ones (169.254/16, fe80::/10); IPv4 first.
 */
export function lanAddresses(
  ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): LanAddress[] {
  const out: LanAddress[] = [];
  for (const [iface, list] of Object.entries(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal || isLinkLocal(a) || isLoopbackHost(a.address)) continue;
      out.push({ iface, address: a.address, family: a.family });
    }
  }
  return out.sort((x, y) => (x.family === y.family ? 0 : x.family === "IPv4" ? -1 : 1));
}

/** The URL the SMSGate app is given ("API URL" in its Cloud server settings). */
export function phoneApiUrl(dispatchUrl: string): string {
  return `${dispatchUrl.replace(/\/+$/, "")}/api/mobile/v1`;
}

/** `http://192.168.1.20:3000`, `http://[fd00::2]:3000`. */
export function urlFor(a: Pick<LanAddress, "address" | "family">, port: number): string {
  return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${port}`;
}

/** Check the phone URL against where the server listens and this machine's LAN addresses. */
export function checkReachability(input: ReachabilityInput, lan: LanAddress[]): Reachability {
  let hostname = "";
  let protocol = "";
  try {
    const u = new URL(input.phoneUrl);
    hostname = u.hostname.replace(/^\[|\]$/g, "");
    protocol = u.protocol;
  } catch {
    // Config validated it; an unreadable one is reported as-is, without advice.
  }
  const loopback = isLoopbackHost(hostname);
  const listensLoopbackOnly =
    !loopback && isLoopbackHost(input.host) && lan.some((a) => a.address === hostname);
  const wanted = loopback || listensLoopbackOnly;
  return {
    phoneUrl: input.phoneUrl,
    variable: input.variable,
    loopback,
    listensLoopbackOnly,
    cleartext: protocol === "http:",
    suggestions: wanted ? lan.map((a) => suggest(a, input)) : [],
  };
}

function suggest(a: LanAddress, input: ReachabilityInput): Suggestion {
  const bound = WILDCARD.has(input.host) || input.host.replace(/^\[|\]$/g, "") === a.address;
  // 0.0.0.0 listens on IPv4 only; :: on both (Linux, macOS and Windows default to dual-stack).
  const host = bound ? undefined : a.family === "IPv6" ? "::" : "0.0.0.0";
  const url = urlFor(a, input.port);
  const text = `Set ${input.variable}=${url}${host ? ` and HOST=${host}` : ""}, then restart`;
  return { ...a, url, host, text };
}

/** The same advice as plain text lines, for the command line. */
export function reachabilityLines(r: Reachability): string[] {
  const lines: string[] = [];
  if (r.loopback) {
    lines.push(
      `WARNING: ${r.phoneUrl} points at this computer itself (loopback); a phone can never connect to it.`,
    );
  } else if (r.listensLoopbackOnly) {
    lines.push(`WARNING: the server listens on loopback only (HOST); a phone cannot reach ${r.phoneUrl}.`);
  }
  if (r.loopback || r.listensLoopbackOnly) {
    if (r.suggestions.length === 0) {
      lines.push(
        "No network address was found on this machine: connect it to the phone's network, or use a tunnel.",
      );
    } else {
      lines.push("This machine's network addresses:");
      for (const s of r.suggestions) lines.push(`  ${s.address} (${s.iface}): ${s.text}.`);
    }
  }
  if (r.cleartext && !isLoopbackUrl(r.phoneUrl)) {
    lines.push(
      "Release builds of the SMSGate app refuse plain http (they allow it only to 127.0.0.1): give phones an",
      "https URL through a tunnel or a reverse proxy, or use the app's insecure build. See docs/phone-setup.md.",
    );
  } else if (r.loopback) {
    lines.push(
      "Release builds of the SMSGate app also need https: a tunnel or a reverse proxy. See docs/phone-setup.md.",
    );
  }
  return lines;
}
