import { isIP } from "node:net";
import { buildConnector } from "undici";
import { type Lookup, resolveChecked } from "./check-url.js";

/**
 * An undici connector that resolves the host itself, checks every address, and dials only a checked address:
 * the TCP connection is pinned to what was checked, so a DNS answer that changes between the check and the
 * connect (rebinding) cannot reach a private address. It runs on EVERY new connection, also for IP-literal
 * hosts (which `net.connect` would dial without calling a `lookup` hook). TLS keeps the original host name as
 * SNI and for certificate verification.
 */
export function pinnedConnector(opts: {
  allowPrivate: boolean;
  lookup: Lookup;
  connectTimeoutMs: number;
  ca?: string | string[] | undefined;
}): buildConnector.connector {
  const base = buildConnector({
    timeout: opts.connectTimeoutMs,
    ...(opts.ca === undefined ? {} : { ca: opts.ca }),
  });
  return (options, callback) => {
    const host = options.hostname;
    const ip = isIP(host) !== 0 ? host : undefined;
    const origin = `${options.protocol}//${options.host}`;
    resolveChecked({ host, ip }, opts.allowPrivate, opts.lookup, origin).then(
      (addresses) => {
        const address = addresses[0] as string;
        const servername = ip === undefined ? (options.servername ?? host) : undefined;
        base(
          {
            ...options,
            hostname: address,
            ...(servername === undefined || servername === "" ? {} : { servername }),
          },
          callback,
        );
      },
      (err: unknown) => callback(err as Error, null),
    );
  };
}
