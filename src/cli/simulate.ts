import { createInterface } from "node:readline";
import { AppError } from "../core/errors.js";
import type { PhoneEvent } from "../devices/simulator/phone.js";
import type { CommandSpec } from "./commands.js";
import { errorCode, reason } from "./explain-failure.js";

type Credentials = { type: "credentials"; deviceId: string; deviceToken: string };

/** A simulated SMSGate phone in the terminal: what you try the gateway with before a real phone. */
export const simulate: CommandSpec = {
  path: ["device", "simulate"],
  summary:
    "A simulated phone in the terminal (registers, sends what the server queues, reports; type `+15551234567> text` to receive an SMS)",
  usage:
    "mycrmsim device simulate --server URL (--token PAIRING_TOKEN | --code CODE | --device-token T) [--name N] [--json]",
  options: {
    server: { type: "string", required: true },
    token: { type: "string" },
    code: { type: "string" },
    "device-token": { type: "string" },
    name: { type: "string" },
  },
  async run({ values, json }) {
    const token = values.token as string | undefined;
    const code = values.code as string | undefined;
    const deviceToken = values["device-token"] as string | undefined;
    const given = [token && "--token", code && "--code", deviceToken && "--device-token"].filter(Boolean);
    if (given.length !== 1) {
      throw new AppError(
        "invalid_request",
        given.length === 0
          ? "one of --token, --code or --device-token is required (`mycrmsim devices pair` prints a token and a code)"
          : `give only one of ${given.join(", ")}`,
        { details: { usage: true } },
      );
    }
    const server = serverUrl(values.server as string);
    const credential = token ? "--token" : code ? "--code" : "--device-token";
    const out = (e: PhoneEvent | Credentials) =>
      process.stdout.write(json ? `${JSON.stringify({ ok: true, data: e })}\n` : `${human(e)}\n`);
    // Until the phone is registered, a refusal ends the command with the reason: the real app would
    // retry forever, which in a terminal looks like a hang.
    // Events of the start itself are held back until it succeeded: after a refusal only the reason
    // is printed, not the start-up workers' 401s that follow from it.
    const { SimulatedPhone } = await import("../devices/simulator/phone.js");
    let starting: PhoneEvent[] | undefined = [];
    let firstFailure: string | undefined;
    const phone = new SimulatedPhone({
      server,
      name: (values.name as string | undefined) ?? "Simulated phone",
      privateToken: token,
      onEvent: (e) => {
        if (!starting) {
          out(e);
          return;
        }
        if (e.type === "registration_failed" && firstFailure === undefined) {
          firstFailure = e.error;
          // After this event the phone goes to sleep before its retry: stop it once it sleeps.
          setImmediate(() => void phone.stop());
        }
        starting.push(e);
      },
    });
    // --token is the app's "sign up" first start: the private token typed into its settings, and
    // registration inside start(); --code is "Sign in by code", which registers before starting.
    try {
      if (deviceToken) phone.resume(deviceToken);
      else if (code) await phone.register({ code });
      await phone.start();
    } catch (e) {
      throw refusal(server, credential, errorCode(e), describe(e));
    }
    if (firstFailure !== undefined) throw refusal(server, credential, undefined, firstFailure);
    for (const e of starting) out(e);
    starting = undefined;
    if (!deviceToken) out({ type: "credentials", deviceId: phone.deviceId, deviceToken: phone.deviceToken });
    // F19: say how to use it. On stderr with --json, so that stdout stays one JSON object per line.
    (json ? process.stderr : process.stdout).write(
      "Ready. Type `+15551234567> Hello` and Enter: this phone receives that SMS and posts it to the server.\n" +
        "Messages the server sends through this phone are printed here. Ctrl-C stops.\n",
    );
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
    return undefined;
  },
};

/**
 * The server's base URL. The pairing page and `devices pair` show the phone's API URL
 * (`…/api/mobile/v1`), which is what people paste: accept it (F19).
 */
function serverUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new AppError("invalid_request", `--server: not a URL: ${raw} (e.g. http://127.0.0.1:3000)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new AppError("invalid_request", `--server: must be an http or https URL, not ${u.protocol}`);
  }
  return u
    .toString()
    .replace(/[?#].*$/, "")
    .replace(/\/+$/, "")
    .replace(/\/api\/mobile\/v1$/, "");
}

/** Why the server would not take this phone, as one line with what to do. */
function refusal(server: string, credential: string, code: string | undefined, message: string): AppError {
  const netCode = code ?? /\((E[A-Z_]+)\)/.exec(message)?.[1];
  if (netCode && /^E[A-Z]/.test(netCode)) {
    const why =
      netCode === "ECONNREFUSED"
        ? "connection refused"
        : netCode === "ENOTFOUND"
          ? "host not found"
          : reason(netCode);
    return new AppError(
      "invalid_request",
      `cannot reach ${server}: ${why}; is \`mycrmsim serve\` running there, and is --server its URL (e.g. http://127.0.0.1:3000)?`,
    );
  }
  const status = Number(/\b([1-5]\d\d)\b/.exec(message)?.[1]);
  if (status === 401 || status === 403) {
    const what =
      credential === "--token"
        ? "pairing token (wrong, already used or expired)"
        : credential === "--code"
          ? "one-time code (wrong, already used or expired)"
          : "device token (the phone was unpaired, or the token is wrong)";
    return new AppError(
      "unauthorized",
      `the server refused the ${what}: ${status}; get a new one with \`mycrmsim devices pair --location LOC\``,
    );
  }
  if (status === 404) {
    return new AppError(
      "not_found",
      `${server}/api/mobile/v1 answered 404: --server is not a myCRMSIM server's address; give its base URL (e.g. http://127.0.0.1:3000)`,
    );
  }
  if (status === 429) {
    return new AppError(
      "rate_limited",
      "the server refused: too many failed pairing attempts from here; wait a minute",
    );
  }
  return new AppError("invalid_request", `registration at ${server} failed: ${message.split("\n")[0]}`);
}

/** fetch's "fetch failed" with its reason, which it keeps on the cause. */
function describe(e: unknown): string {
  const cause = (e as { cause?: { message?: unknown } }).cause?.message;
  return `${(e as Error).message}${typeof cause === "string" ? ` (${cause})` : ""}`;
}

function human(e: PhoneEvent | Credentials): string {
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
