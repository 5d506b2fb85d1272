import { createInterface } from "node:readline";
import QRCode from "qrcode";
import { AppError } from "../core/errors.js";
import { phoneEndpoint } from "../accounts/index.js";
import { createPairing, listDevices } from "../devices/index.js";
import {
  checkReachability,
  lanAddresses,
  MIN_APP_VERSION,
  phoneApiUrl,
  reachabilityLines,
} from "../devices/reachability.js";
import { type PhoneEvent, SimulatedPhone } from "../devices/simulator/phone.js";
import type { CommandSpec } from "./commands.js";
import { output, withCommandCtx } from "./context.js";

function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export const deviceCommands: CommandSpec[] = [
  {
    path: ["devices", "pair"],
    summary: "Create a one-time pairing for a location (token, code and QR code for the SMSGate app)",
    usage: "mycrmsim devices pair --location LOC [--json]",
    options: { location: { type: "string" } },
    async run({ config, values, json }) {
      const locationId = str(values, "location");
      if (!locationId) throw new AppError("invalid_request", "--location is required");
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
      if (json) {
        return output(
          true,
          {
            ...pairing,
            serverUrl,
            serverUrlFrom: endpoint ? "server" : "cli-config",
            serverUrlRecordedAt: endpoint?.recordedAt ?? null,
            minAppVersion: MIN_APP_VERSION,
            reachability: reach,
          },
          "",
        );
      }
      const qr = await QRCode.toString(pairing.token, { type: "terminal", small: true });
      const source = endpoint
        ? `(API URL as recorded by the server that started at ${endpoint.recordedAt})`
        : [
            "Note: no server has recorded its URL in this database yet, so this API URL comes from this",
            `shell's settings (${reach.variable}, HOST, PORT). Start the server once, or check they match the server's.`,
          ].join("\n");
      const warnings = reachabilityLines(reach);
      process.stdout.write(
        [
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
          "",
          "The private token as a QR code (to copy it to the phone; the app has no scanner):",
          qr,
        ].join("\n"),
      );
    },
  },
  {
    path: ["devices", "list"],
    summary: "List paired phones, online status and queue depth",
    usage: "mycrmsim devices list [--location LOC] [--json]",
    options: { location: { type: "string" } },
    async run({ config, values, json }) {
      const locationId = str(values, "location");
      const list = await withCommandCtx(config, (ctx) =>
        listDevices({
          ctx,
          input: {
            locationIds: locationId ? [locationId] : undefined,
            onlineMs: config.deviceOnlineSeconds * 1000,
          },
        }),
      );
      const lines = list.map(
        (d) =>
          `${d.id}  ${d.locationId}  ${d.online ? "online " : "offline"}  queued=${d.queueDepth}  sims=${d.simCards.length}  ${d.name}`,
      );
      output(json, list, lines.length ? lines.join("\n") : "no phones");
    },
  },
  {
    path: ["device", "simulate"],
    summary:
      "A simulated phone in the terminal (registers, receives, reports; type `+1555…> text` to receive an SMS)",
    usage:
      "mycrmsim device simulate --server URL (--token PAIRING_TOKEN | --code CODE | --device-token T) [--name N] [--json]",
    options: {
      server: { type: "string" },
      token: { type: "string" },
      code: { type: "string" },
      "device-token": { type: "string" },
      name: { type: "string" },
    },
    async run({ values, json }) {
      const server = str(values, "server");
      if (!server) throw new AppError("invalid_request", "--server is required");
      const print = (e: PhoneEvent | Record<string, unknown>) =>
        process.stdout.write(json ? `${JSON.stringify(e)}\n` : `${human(e as PhoneEvent)}\n`);
      const token = str(values, "token");
      const code = str(values, "code");
      const deviceToken = str(values, "device-token");
      // --token is the app's "sign up" first start: the private token typed into its settings, and
      // registration inside start(); --code is "Sign in by code", which registers before starting.
      const phone = new SimulatedPhone({
        server,
        name: str(values, "name") ?? "Simulated phone",
        privateToken: token,
        onEvent: print,
      });
      if (deviceToken) phone.resume(deviceToken);
      else if (code) await phone.register({ code });
      else if (!token)
        throw new AppError("invalid_request", "one of --token, --code or --device-token is required");
      await phone.start();
      if (!deviceToken)
        print({ type: "credentials", deviceId: phone.deviceId, deviceToken: phone.deviceToken });
      const rl = createInterface({ input: process.stdin });
      rl.on("line", (line) => {
        const m = /^\s*(\+?[0-9]{5,15})\s*>\s*(.+)$/.exec(line);
        if (!m?.[1] || !m[2]) {
          if (line.trim()) process.stderr.write("type: +15551234567> message text\n");
          return;
        }
        void phone.receive(m[1], m[2]).catch((e) => process.stderr.write(`${(e as Error).message}\n`));
      });
      await new Promise<void>((resolve) => {
        const stop = () => {
          void phone.stop().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        rl.once("close", () => {
          if (!process.stdin.isTTY) return;
          stop();
        });
      });
    },
  },
];

function human(e: PhoneEvent | { type: "credentials"; deviceId: string; deviceToken: string }): string {
  switch (e.type) {
    case "credentials":
      return `registered as ${e.deviceId}; resume later with --device-token ${e.deviceToken}`;
    case "registered":
      return `registered: ${e.deviceId}`;
    case "registration_failed":
      return `registration failed (${e.error}); the app retries in ${Math.round(e.retryInMs / 1000)} s`;
    case "connected":
      return "event stream connected";
    case "disconnected":
      return `event stream closed${e.error ? ` (${e.error})` : ""}; reconnecting`;
    case "sse":
      return `event: ${e.event}`;
    case "fetched":
      return `fetched ${e.count} message(s)`;
    case "settings":
      return e.ok ? "settings imported" : `settings not imported${e.error ? ` (${e.error})` : ""}`;
    case "webhooks":
      return `${e.count} webhook(s) registered`;
    case "sent":
      return `SMS to ${e.to.join(", ")}${e.simNumber ? ` (SIM ${e.simNumber})` : ""}: ${e.text}`;
    case "reported":
      return `  ${e.messageId} -> ${e.state}`;
    case "inbound":
      return `inbound from ${e.from} posted (${e.status})`;
    case "expired":
      return `  ${e.messageId} expired before it could be sent`;
    case "webhook":
      return `webhook ${e.event} posted (${e.status}, attempt ${e.attempt})`;
    case "export":
      return `inbox export: ${e.count} message(s) posted again`;
  }
}
