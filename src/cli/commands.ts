import type { Config } from "../config/index.js";

export interface OptionSpec {
  type: "string" | "boolean";
  /** May be given several times (the value is then a list). */
  multiple?: boolean;
  /** Reported, with every other missing one, before the command runs. */
  required?: boolean;
}

export interface CommandSpec {
  /** Words that select the command, e.g. ["users", "create"]. */
  path: string[];
  summary: string;
  /** Usage line shown in help. */
  usage: string;
  /** Long options only (`--time-zone`), named as the user types them. */
  options: Record<string, OptionSpec>;
  /**
   * Runs the command. The result is what `--json` prints as `data`; `human` is printed otherwise
   * (commands that stream their own output return neither). Returns -1 from `serve`: keep running.
   */
  run(args: {
    config: Config;
    values: Record<string, unknown>;
    json: boolean;
    env: Record<string, string | undefined>;
  }): Promise<CommandResult | undefined>;
}

export interface CommandResult {
  data?: unknown;
  human?: string;
  /** Keep the process alive (a server or the simulator is running); the command exits itself. */
  keepAlive?: boolean;
}
