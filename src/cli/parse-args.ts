import { closest } from "../config/suggest.js";
import { AppError } from "../core/errors.js";
import type { CommandSpec } from "./commands.js";

/**
 * A mistake in how the command was typed (unknown command or flag, missing flag or value): exit 2,
 * and the usage line is shown. Mistakes in the values themselves are the domain's errors (exit 1).
 */
export function usageError(message: string, usage?: string): AppError {
  return new AppError("invalid_request", message, { details: { usage: usage ?? true } });
}

export function isUsageError(e: unknown): boolean {
  return e instanceof AppError && e.details?.usage !== undefined;
}

/** The command named by the leading words of `argv` (the longest match), else a usage error. */
export function findCommand(argv: string[], commands: CommandSpec[]): CommandSpec {
  const end = argv.findIndex((a) => a.startsWith("-"));
  const words = end === -1 ? argv : argv.slice(0, end);
  const found = commands
    .filter((c) => c.path.every((p, i) => words[i] === p))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (found) return found;
  const group = commands.filter((c) => c.path.length > 1 && c.path[0] === words[0]);
  if (group.length > 0 && words.length === 1) {
    throw usageError(
      `${words[0]} needs a subcommand: ${group.map((c) => c.path.slice(1).join(" ")).join(", ")}`,
    );
  }
  const typed = words.slice(0, 2).join(" ");
  const names = commands.map((c) => c.path.join(" "));
  // Compare like with like: "user create" against two-word commands, "serv" against one-word ones.
  const hint =
    closest(
      words.slice(0, 2).join(" "),
      names.filter((n) => n.includes(" ")),
    ) ?? closest(words[0] ?? "", names);
  throw usageError(`unknown command "${typed}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
}

/**
 * Flags after the command's words: `--name value`, `--name=value`, booleans as `--admin`. Every
 * problem (unknown flags with a suggestion, missing values, missing required flags) is reported at
 * once, each named as typed.
 */
export function parseOptions(spec: CommandSpec, args: string[]): Record<string, unknown> {
  const options = { ...spec.options, json: { type: "boolean" as const } };
  const known = Object.keys(options).map((n) => `--${n}`);
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (let i = spec.path.length; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--") || arg === "--") {
      problems.push(
        `unexpected argument ${JSON.stringify(arg)} (values are given after their flag, e.g. --name "Main St")`,
      );
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const opt = options[name as keyof typeof options];
    if (!opt) {
      const hint = closest(`--${name}`, known);
      problems.push(`unknown option --${name}${hint ? ` (did you mean ${hint}?)` : ""}`);
      // Its value, if it had one, is not another argument to complain about.
      if (eq === -1 && args[i + 1] !== undefined && !args[i + 1]?.startsWith("--")) i++;
      continue;
    }
    if (opt.type === "boolean") {
      if (eq !== -1) problems.push(`--${name} takes no value`);
      else values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (args[i + 1] !== undefined && !args[i + 1]?.startsWith("--")) value = args[++i];
    if (value === undefined || value === "") {
      problems.push(`--${name} needs a value`);
      continue;
    }
    if ("multiple" in opt && opt.multiple) {
      values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    } else if (values[name] !== undefined) {
      problems.push(`--${name} was given twice`);
    } else {
      values[name] = value;
    }
  }
  const missing = Object.entries(spec.options)
    .filter(
      ([name, o]) =>
        o.required && values[name] === undefined && !problems.some((p) => p.startsWith(`--${name} `)),
    )
    .map(([name]) => `--${name}`);
  if (missing.length > 0) problems.push(`missing ${joinAnd(missing)}`);
  if (problems.length > 0) throw usageError(problems.join("; "), spec.usage);
  return values;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
