import type { Config } from "../config/index.js";

export interface CommandSpec {
  /** Words that select the command, e.g. ["users", "create"]. */
  path: string[];
  summary: string;
  /** Usage line shown in help. */
  usage: string;
  options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;
  run(args: {
    config: Config;
    values: Record<string, unknown>;
    json: boolean;
    positionals: string[];
  }): Promise<void>;
}
