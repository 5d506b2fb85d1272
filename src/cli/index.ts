import { type Config, ConfigError, loadConfig } from "../config/index.js";
import { accountCommands } from "./accounts.js";
import { clientCommands } from "./clients.js";
import type { CommandSpec } from "./commands.js";
import { deviceCommands } from "./devices.js";
import { explainFailure } from "./explain-failure.js";
import { findCommand, isUsageError, parseOptions } from "./parse-args.js";
import { serve } from "./serve.js";

/** Every command; domains add theirs to this list. */
export const COMMANDS: CommandSpec[] = [serve, ...accountCommands, ...clientCommands, ...deviceCommands];

function help(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return [
    "myCRMSIM: a self-hosted SMS gateway",
    "",
    "Usage:",
    ...lines,
    "",
    "`mycrmsim <command> --help` describes one command. Every command takes --json: it then prints",
    '{"ok":true,"data":…} or {"ok":false,"error":{"code":…,"message":…}} on stdout. Exit status: 0 done,',
    "1 failed, 2 mistyped command. Configuration comes from the environment and CONFIG_FILE (see README).",
    "",
  ].join("\n");
}

function commandHelp(c: CommandSpec): string {
  const flags = Object.entries(c.options).map(
    ([name, o]) =>
      `  --${name}${o.type === "string" ? " VALUE" : ""}${o.required ? "  (required)" : ""}${o.multiple ? "  (repeatable)" : ""}`,
  );
  return [
    `${c.summary}`,
    "",
    `usage: ${c.usage}`,
    ...(flags.length ? ["", ...flags] : []),
    "  --json",
    "",
  ].join("\n");
}

/**
 * Run one command. Returns the exit status, or -1 when a server now runs (the process stays up until
 * a signal). Failures are one line on stderr (with --json: the envelope on stdout); the stack only at
 * LOG_LEVEL=debug or trace.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const json = argv.includes("--json");
  const args = argv.filter((a) => a !== "--json");
  if (args.length === 0) {
    // Not `serve`: a bare command once started a second server on the same data without a word (F16).
    process.stderr.write(`${help()}\nNo command given; to run the gateway: mycrmsim serve\n`);
    return 2;
  }
  if (args[0] === "help" || args[0] === "--help" || args[0] === "-h") {
    const topic =
      args.length > 1 ? COMMANDS.find((c) => c.path.join(" ") === args.slice(1).join(" ")) : undefined;
    process.stdout.write(topic ? commandHelp(topic) : help());
    return 0;
  }
  let command: CommandSpec | undefined;
  let config: Config | undefined;
  try {
    command = findCommand(args, COMMANDS);
    if (args.includes("--help") || args.includes("-h")) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    const values = parseOptions(command, args);
    const overrides: Record<string, string | undefined> = {};
    if (command === serve) {
      overrides.ROLE = values.role as string | undefined;
      overrides.PORT = values.port as string | undefined;
      overrides.HOST = values.host as string | undefined;
    }
    config = loadConfig(env, overrides);
    const result = await command.run({ config, values, json, env });
    if (result?.keepAlive) return -1;
    // No result: the command printed its own output as it went (the simulator's event lines).
    if (result && json) print({ ok: true, data: result.data ?? null });
    else if (result?.human !== undefined) process.stdout.write(`${result.human}\n`);
    return 0;
  } catch (e) {
    return fail(e, { json, command, config, env });
  }
}

function fail(
  e: unknown,
  at: { json: boolean; command?: CommandSpec; config?: Config; env: Record<string, string | undefined> },
): number {
  const level = at.config?.logLevel ?? at.env.LOG_LEVEL;
  const debug = level === "debug" || level === "trace";
  const usage = isUsageError(e);
  let code: string;
  let message: string;
  if (e instanceof ConfigError) {
    code = "validation_failed";
    message = e.message;
  } else {
    const known = explainFailure(e, at.config);
    code = known?.code ?? "internal_error";
    message = known ? flagNames(known.message, at.command) : `${(e as Error)?.message ?? String(e)}`;
    if (!known && !debug) message += " (LOG_LEVEL=debug shows where)";
  }
  if (at.json) {
    print({ ok: false, error: { code, message } });
  } else {
    const hint =
      usage && at.command
        ? `\nusage: ${at.command.usage}`
        : usage
          ? "\n`mycrmsim --help` lists every command"
          : "";
    process.stderr.write(`error: ${message}${hint}\n`);
  }
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${causeChain(e)}\n`);
  return usage ? 2 : 1;
}

/**
 * The domain names fields as the API does (`time_zone: …`); here the user typed `--time-zone`, so the
 * message says that. Sentences read as sentences ("No location x" becomes "no location x").
 */
function flagNames(message: string, command?: CommandSpec): string {
  const m = /^([a-z][a-z_]*): /.exec(message);
  const flag = m?.[1]?.replace(/_/g, "-");
  if (m && flag && command && flag in command.options) message = `--${flag}: ${message.slice(m[0].length)}`;
  return /^[A-Z][a-z]/.test(message) ? `${message[0]?.toLowerCase()}${message.slice(1)}` : message;
}

function causeChain(e: Error): string {
  const out: string[] = [e.stack ?? String(e)];
  for (let cur = e.cause, depth = 0; cur instanceof Error && depth < 3; cur = cur.cause, depth++) {
    out.push(`caused by: ${cur.stack ?? String(cur)}`);
  }
  return out.join("\n");
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
