import ipaddr from "ipaddr.js";

/**
 * Which addresses a webhook (or any user-supplied) target may reach. The rule is an allow rule, not a deny
 * list: an IPv4 address must be ipaddr.js "unicast" (not private, loopback, link-local, CGNAT, reserved,
 * documentation, benchmarking, multicast, broadcast or 0/8), and an IPv6 address must be ipaddr.js "unicast"
 * inside the global unicast block 2000::/3. Addresses that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
 * SIIT, NAT64, 6to4, Teredo) are refused outright, with the embedded address named in the reason: a translator
 * or relay in the path could turn them into a connection to that IPv4 address.
 */
export function addressRefusal(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return `"${ip}" is not an IP address`;
  const addr = ipaddr.parse(ip);
  if (addr.kind() === "ipv4") return v4Refusal(addr as ipaddr.IPv4);
  const v6 = addr as ipaddr.IPv6;
  const parts = v6.parts;
  if (v6.isIPv4MappedAddress()) {
    const v4 = v6.toIPv4Address();
    return `IPv4-mapped address embedding ${v4.toString()}${suffix(v4Refusal(v4))}`;
  }
  const range = v6.range();
  if (parts.slice(0, 6).every((p) => p === 0) && range !== "unspecified" && range !== "loopback") {
    return `IPv4-compatible address embedding ${embedded(parts, 6)}`;
  }
  switch (range) {
    case "rfc6145":
      return `IPv4-translated (SIIT) address embedding ${embedded(parts, 6)}`;
    case "rfc6052":
      return `NAT64 address embedding ${embedded(parts, 6)}`;
    case "6to4":
      return `6to4 address embedding ${embedded(parts, 1)}`;
    case "teredo": {
      const client = [(parts[6] ?? 0) ^ 0xffff, (parts[7] ?? 0) ^ 0xffff];
      return `Teredo address embedding ${embedded(client, 0)}`;
    }
    case "unicast":
      if (((parts[0] ?? 0) & 0xe000) !== 0x2000) return "IPv6 address outside global unicast 2000::/3";
      return undefined;
    default:
      return `${RANGE_NAMES[range] ?? range} IPv6 address`;
  }
}

function v4Refusal(v4: ipaddr.IPv4): string | undefined {
  const range = v4.range();
  if (range === "unicast") return undefined;
  const s = v4.toString();
  if (s === "169.254.169.254" || s === "100.100.100.200" || s === "192.0.0.192") {
    return `cloud metadata address (${RANGE_NAMES[range] ?? range})`;
  }
  return `${RANGE_NAMES[range] ?? range} IPv4 address`;
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT (100.64.0.0/10)",
  private: "private",
  reserved: "reserved",
  as112: "reserved (AS112)",
  amt: "reserved (AMT)",
  uniqueLocal: "unique-local (fc00::/7)",
  deprecatedSiteLocal: "site-local",
  discard: "discard-only",
  benchmarking: "benchmarking",
  as112v6: "reserved (AS112)",
  deprecatedOrchid: "reserved (ORCHID)",
  orchid2: "reserved (ORCHIDv2)",
  droneRemoteIdProtocolEntityTags: "reserved (DRIP)",
  segmentRouting: "reserved (segment routing)",
};

function embedded(parts: number[], at: number): string {
  const hi = parts[at] ?? 0;
  const lo = parts[at + 1] ?? 0;
  const v4 = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  return `${v4.toString()}${suffix(v4Refusal(v4))}`;
}

function suffix(reason: string | undefined): string {
  return reason === undefined ? "" : ` (${reason})`;
}

/**
 * Host names that must never be webhook targets whatever DNS says: localhost and its subdomains, the
 * mDNS/site-internal suffixes, cloud metadata names, and single-label names (resolved through search domains
 * to something on the local network).
 */
export function hostnameRefusal(hostname: string): string | undefined {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  if (h === "") return "empty host";
  if (h === "localhost" || h.endsWith(".localhost")) return `host "${hostname}" is localhost`;
  for (const s of [".local", ".internal", ".intranet", ".lan", ".home.arpa", ".localdomain"]) {
    if (h.endsWith(s)) return `host "${hostname}" is a local-network name (*${s})`;
  }
  if (!h.includes(".")) return `host "${hostname}" is a single-label (local) name`;
  return undefined;
}
