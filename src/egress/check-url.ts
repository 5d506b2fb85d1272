import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { AppError } from "../core/errors.js";
import { addressRefusal, hostnameRefusal } from "./address-policy.js";

/** A resolver: every address a name has, as `dns.lookup(name, {all: true})` answers. */
export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Below 1024 only the web ports: a webhook must not be aimed at SSH, SMTP and other privileged services. */
const LOW_PORTS_ALLOWED = new Set([80, 443, 8443]);

export interface ParsedTarget {
  url: URL;
  /** Host without IPv6 brackets and without a trailing dot. */
  host: string;
  /** The IP when the host is an IP literal (WHATWG-canonical), else undefined. */
  ip: string | undefined;
}

export function refuse(url: string, reason: string): AppError {
  return new AppError("invalid_target_url", `Target URL refused: ${reason}.`, {
    details: { field: "targetUrl", reason, url: redact(url) },
  });
}

/** Never echo credentials back, even in an error. */
function redact(url: string): string {
  return url.replace(/\/\/[^/?#]*@/, "//***@").slice(0, 300);
}

/**
 * Everything that can be decided from the URL alone: parse (WHATWG, which canonicalises decimal, octal, hex
 * and short IPv4 forms and percent-/IDNA-encoded hosts), scheme, credentials, host, port, and an IP-literal
 * host's address. Throws AppError("invalid_target_url").
 */
export function parseTarget(raw: string, allowPrivate: boolean): ParsedTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(raw, "not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw refuse(raw, `scheme "${url.protocol.replace(/:$/, "")}" is not allowed (https only)`);
  }
  if (url.protocol === "http:" && !allowPrivate) {
    throw refuse(raw, "scheme http is not allowed (https only; ALLOW_PRIVATE_URLS permits http)");
  }
  if (url.username !== "" || url.password !== "") {
    throw refuse(raw, "credentials in the URL are not allowed");
  }
  let host = url.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  host = host.replace(/\.$/, "");
  if (host === "") throw refuse(raw, "empty host");
  const ip = isIP(host) !== 0 ? host : undefined;
  if (!allowPrivate) {
    if (url.port !== "") {
      const port = Number(url.port);
      if (port < 1024 && !LOW_PORTS_ALLOWED.has(port)) {
        throw refuse(raw, `port ${port} is not allowed (use 443, 8443 or a port from 1024)`);
      }
    }
    if (ip !== undefined) {
      const why = addressRefusal(ip);
      if (why !== undefined) throw refuse(raw, `address ${ip} is not public: ${why}`);
    } else {
      const why = hostnameRefusal(host);
      if (why !== undefined) throw refuse(raw, why);
    }
  }
  return { url, host, ip };
}

/**
 * Resolves a host once and returns every address, refusing (unless allowPrivate) when ANY of them is not a
 * public unicast address: a name that answers both a public and a private address is refused, not filtered.
 * A failed lookup is a plain Error with the resolver's code (a network error, not a policy refusal).
 */
export async function resolveChecked(
  target: { host: string; ip: string | undefined },
  allowPrivate: boolean,
  lookup: Lookup,
  rawUrl: string,
): Promise<string[]> {
  if (target.ip !== undefined) {
    const why = allowPrivate ? undefined : addressRefusal(target.ip);
    if (why !== undefined) throw refuse(rawUrl, `address ${target.ip} is not public: ${why}`);
    return [target.ip];
  }
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await lookup(target.host);
  } catch (e) {
    const code = (e as { code?: string }).code ?? "ENOTFOUND";
    throw Object.assign(new Error(`${code}: host "${target.host}" does not resolve`), { code });
  }
  if (answers.length === 0) {
    throw Object.assign(new Error(`ENOTFOUND: host "${target.host}" does not resolve`), {
      code: "ENOTFOUND",
    });
  }
  const addresses = answers.map((a) => a.address);
  if (!allowPrivate) {
    for (const a of addresses) {
      const why = addressRefusal(a);
      if (why !== undefined) {
        throw refuse(rawUrl, `host "${target.host}" resolves to a non-public address: ${why}`);
      }
    }
  }
  return addresses;
}
