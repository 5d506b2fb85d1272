import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "../config/index.js";
import { isAppError } from "../core/errors.js";
import { startServer } from "../main.js";
import { accountCommands } from "./accounts.js";
import { clientCommands } from "./clients.js";
import type { CommandSpec } from "./commands.js";
import { deviceCommands } from "./devices.js";

const serve: CommandSpec = {
  path: ["serve"],
  summary: "Run the gateway (the default command)",
  usage: "mycrmsim serve [--role all|api|worker] [--port N] [--host H]",
  options: { role: { type: "string" }, port: { type: "string" }, host: { type: "string" } },
  async run({ config }) {
    const server = await startServer(config);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      server.deps.config.logLevel !== "silent" && process.stderr.write(`received ${signal}, shutting down\n`);
      const timer = setTimeout(() => {
        process.stderr.write("shutdown timed out; exiting\n");
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      server.close().then(
        () => process.exit(0),
        (e) => {
          process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  },
};

/** Every command; domains add theirs to this list. */
export const COMMANDS: CommandSpec[] = [serve, ...accountCommands, ...clientCommands, ...deviceCommands];

function help(): string {
  const lines = COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `myCRMSIM: a self-hosted SMS gateway\n\nUsage:\n${lines.join("\n")}\n\nEvery command takes --json for machine-readable output. Configuration comes from the environment (see README).\n`;
}

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    process.stdout.write(help());
    return 0;
  }
  const words = argv.filter((a) => !a.startsWith("-"));
  const command =
    COMMANDS.filter((c) => c.path.every((p, i) => words[i] === p)).sort(
      (a, b) => b.path.length - a.path.length,
    )[0] ?? (words.length === 0 ? serve : undefined);
  if (!command) {
    process.stderr.write(`unknown command: ${words.join(" ")}\n\n${help()}`);
    return 2;
  }
  const json = argv.includes("--json");
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nusage: ${command.usage}\n`);
    return 2;
  }
  const overrides: Record<string, string | undefined> = {};
  if (typeof parsed.values.role === "string") overrides.ROLE = parsed.values.role;
  if (typeof parsed.values.port === "string" && command === serve) overrides.PORT = parsed.values.port;
  if (typeof parsed.values.host === "string" && command === serve) overrides.HOST = parsed.values.host;
  let config: Config;
  try {
    config = loadConfig(env, overrides);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    await command.run({
      config,
      values: parsed.values,
      json,
      positionals: parsed.positionals.slice(command.path.length),
    });
    return command === serve ? -1 : 0;
  } catch (e) {
    if (isAppError(e) && e.status < 500) {
      if (json) process.stdout.write(`${JSON.stringify({ error: e.code, message: e.message })}\n`);
      else process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
