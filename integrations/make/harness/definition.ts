import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";

/** The app as the Make Apps SDK extension lays it out: makecomapp.json plus one file per code. */
export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

export type Json = Record<string, unknown>;

export interface Component {
  label?: string;
  moduleType?: string;
  connection?: string;
  webhook?: string;
  /** Code type (communication, params, attach, …) → parsed file content. */
  code: Record<string, unknown>;
}

export interface AppDefinition {
  base: Json;
  common: Json;
  components: Record<"connection" | "rpc" | "webhook" | "module" | "function", Record<string, Component>>;
  /** Every code file read, by path relative to the app directory (for whole-definition checks). */
  files: Record<string, unknown>;
}

/** Read a JSON-with-comments file; any syntax error fails loudly with its position. */
export function readJsonc(path: string): unknown {
  const errors: ParseError[] = [];
  const text = readFileSync(path, "utf8");
  const value = parse(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    throw new Error(`${path}: ${printParseErrorCode(e.error)} at offset ${e.offset}`);
  }
  return value;
}

export function loadApp(dir: string = APP_DIR): AppDefinition {
  // Make's editor reads makecomapp.json with JSON.parse: no comments there (code files may have them).
  const manifest = JSON.parse(readFileSync(join(dir, "makecomapp.json"), "utf8")) as {
    generalCodeFiles: Record<string, string | null>;
    components: Record<
      string,
      Record<string, Omit<Component, "code"> & { codeFiles: Record<string, string | null> }>
    >;
  };
  const files: Record<string, unknown> = {};
  // A null path is the editor's "not kept locally": that code is left as it is in Make.
  const read = (rel: string | null): unknown => {
    if (rel === null) return undefined;
    const v = rel.endsWith(".md") ? readFileSync(join(dir, rel), "utf8") : readJsonc(join(dir, rel));
    files[rel] = v;
    return v;
  };
  const general = Object.fromEntries(
    Object.entries(manifest.generalCodeFiles).map(([k, rel]) => [k, read(rel)]),
  );
  const components = {} as AppDefinition["components"];
  for (const type of ["connection", "rpc", "webhook", "module", "function"] as const) {
    components[type] = {};
    for (const [id, meta] of Object.entries(manifest.components[type] ?? {})) {
      const { codeFiles, ...rest } = meta;
      const code = Object.fromEntries(Object.entries(codeFiles).map(([k, rel]) => [k, read(rel)]));
      components[type][id] = { ...rest, code };
    }
  }
  return { base: general.base as Json, common: (general.common ?? {}) as Json, components, files };
}

export function component(
  app: AppDefinition,
  type: keyof AppDefinition["components"],
  id: string,
): Component {
  const c = app.components[type][id];
  if (!c) throw new Error(`the app has no ${type} "${id}"`);
  return c;
}
