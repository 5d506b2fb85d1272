import { AppError } from "../core/errors.js";
import type { CommandSpec } from "./commands.js";
import { simulate } from "./simulate.js";

// Loaded when a command runs (see accounts.ts).
const load = async () => ({
  ...(await import("../accounts/index.js")),
  ...(await import("../devices/index.js")),
  ...(await import("../devices/reachability.js")),
  ...(await import("./context.js")),
  repos: await import("../store/repos/index.js"),
});

function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export const deviceCommands: CommandSpec[] = [
  {
    path: ["devices", "pair"],
    summary: "Create a one-time pairing for a location (token, code and QR code for the SMSGate app)",
    usage: "mycrmsim devices pair --location LOC [--json]",
    options: { location: { type: "string", required: true } },
    async run({ config, values, json }) {
      const locationId = values.location as string;
      const {
        checkReachability,
        createPairing,
        lanAddresses,
        MIN_APP_VERSION,
        phoneApiUrl,
        phoneEndpoint,
        reachabilityLines,
        withCommandCtx,
      } = await load();
      const { pairing, endpoint } = await withCommandCtx(config, async (ctx) => ({
        pairing: await createPairing({ ctx, input: { locationId, ttlMs: config.pairingTtlSeconds * 1000 } }),
        endpoint: await phoneEndpoint({ ctx }),
      }));
      // The running server's URL, not this shell's: under a supervisor the two environments differ.
      const serverUrl = endpoint?.phoneUrl ?? phoneApiUrl(config.dispatchUrl);
      const reach = checkReachability(
        {
          phoneUrl: serverUrl,
          variable:
            endpoint?.variable ?? (config.dispatchUrl === config.publicUrl ? "PUBLIC_URL" : "DISPATCH_URL"),
          host: endpoint?.host ?? config.host,
          port: endpoint?.port ?? config.port,
        },
        endpoint?.lan ?? lanAddresses(),
      );
      const data = {
        ...pairing,
        serverUrl,
        serverUrlFrom: endpoint ? "server" : "cli-config",
        serverUrlRecordedAt: endpoint?.recordedAt ?? null,
        minAppVersion: MIN_APP_VERSION,
        reachability: reach,
      };
      if (json) return { data };
      // The QR code is drawn with terminal colours: only for a terminal, not into a file or a pipe.
      const qr = process.stdout.isTTY
        ? await (await import("qrcode")).default.toString(pairing.token, { type: "terminal", small: true })
        : undefined;
      const source = endpoint
        ? `(API URL as recorded by the server that started at ${endpoint.recordedAt})`
        : [
            "Note: no server has recorded its URL in this database yet, so this API URL comes from this",
            `shell's settings (${reach.variable}, HOST, PORT). Start the server once, or check they match the server's.`,
          ].join("\n");
      const warnings = reachabilityLines(reach);
      return {
        data,
        human: [
          `Pairing for ${locationId} (single use, valid until ${pairing.expiresAt})`,
          "",
          `In the SMS Gateway for Android app (${MIN_APP_VERSION} or newer), Settings > Cloud server:`,
          `  API URL:               ${serverUrl}`,
          "  Notification channel:  SSE only",
          'Switch the app to Cloud server, start it and choose "Sign in by code":',
          `  One-time code:         ${pairing.code}`,
          'or enter the private token first (Settings > Cloud server > Private token) and choose "Sign up":',
          `  Private token:         ${pairing.token}`,
          "Accept the restart the app asks for once it has fetched its settings.",
          "",
          source,
          ...(warnings.length > 0 ? ["", ...warnings] : []),
          ...(qr
            ? ["", "The private token as a QR code (to copy it to the phone; the app has no scanner):", qr]
            : []),
        ].join("\n"),
      };
    },
  },
  {
    path: ["devices", "list"],
    summary: "List paired phones, online status and queue depth",
    usage: "mycrmsim devices list [--location LOC] [--json]",
    options: { location: { type: "string" } },
    async run({ config, values }) {
      const locationId = str(values, "location");
      const { listDevices, repos, withCommandCtx } = await load();
      const list = await withCommandCtx(config, async (ctx) => {
        // "no phones" for a mistyped id would read as "that location has none" (F16).
        if (locationId && !(await repos.accounts.locations.byId(ctx.db, locationId)))
          throw new AppError("location_not_found", `--location: no location ${locationId}`);
        return listDevices({
          ctx,
          input: {
            locationIds: locationId ? [locationId] : undefined,
            onlineMs: config.deviceOnlineSeconds * 1000,
          },
        });
      });
      const lines = list.map(
        (d) =>
          `${d.id}  ${d.locationId}  ${d.online ? "online " : "offline"}  queued=${d.queueDepth}  sims=${d.simCards.length}  ${d.name}`,
      );
      return {
        data: { devices: list },
        human: lines.length ? lines.join("\n") : locationId ? `no phones in ${locationId}` : "no phones",
      };
    },
  },
  simulate,
];
