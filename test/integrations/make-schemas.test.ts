import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";

/**
 * Checks integrations/make the way Make's own editor (the "Make Apps SDK" VS Code extension) does: every
 * file against the JSON schema that the extension's `jsonValidation` table assigns to its name, read in
 * place from ../shared/vendor (never copied into the project).
 */
const repoRoot = resolve(fileURLToPath(import.meta.url), "../../..");
const APP = join(repoRoot, "integrations/make");
const VENDOR = resolve(repoRoot, "../shared/vendor/make-apps-sdk-schemas");

interface Rule {
  fileMatch: string[];
  url: string;
}

/** The extension's `url` (./syntaxes/<kind>/schemas/<file>) → the vendored copy. */
function schemaPath(url: string): string {
  const m = /^\.\/syntaxes\/(imljson|local-development)\/schemas\/([\w.-]+\.json)$/.exec(url);
  if (!m) throw new Error(`unexpected schema url ${url}`);
  return join(VENDOR, m[1] as string, m[2] as string);
}

/** VS Code fileMatch: a pattern without "/" matches the file name, one with "/" the whole path. */
function globRegex(pattern: string): RegExp {
  const body = pattern
    .split("**/")
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
    .join("(?:.*/)?");
  return new RegExp(pattern.includes("/") ? `(?:^|/)${body}$` : `^${body}$`);
}

export function schemasFor(rules: Rule[], relPath: string): string[] {
  const name = basename(relPath);
  return rules
    .filter((r) => r.fileMatch.some((p) => globRegex(p).test(p.includes("/") ? relPath : name)))
    .map((r) => schemaPath(r.url));
}

function readJsonc(path: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(readFileSync(path, "utf8"), errors, { allowTrailingComma: false });
  if (errors.length > 0) throw new Error(`${path}: ${printParseErrorCode((errors[0] as ParseError).error)}`);
  return value;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Every file of the app (the test harness in harness/ is not part of it). */
function appFiles(dir: string = APP): string[] {
  return listFiles(dir)
    .map((f) => relative(dir, f).split(sep).join("/"))
    .filter((f) => !f.startsWith("harness/"))
    .sort();
}

/** The editor's ID rules (src/local-development/helpers/validate-id.ts). */
const ID_RULES: Record<string, RegExp> = {
  module: /^[a-zA-Z][0-9a-zA-Z]{2,63}$/,
  rpc: /^[a-zA-Z][0-9a-zA-Z]{2,63}$/,
  webhook: /^[a-zA-Z][0-9a-zA-Z-]{1,33}[0-9a-zA-Z]$/,
  connection: /^[a-zA-Z][0-9a-zA-Z-]{1,33}[0-9a-zA-Z]$/,
};

function makeAjv(): Ajv {
  // The schemas are draft-07 with VS Code's own annotations (markdownDescription, defaultSnippets, …),
  // which ajv must ignore rather than reject, and JavaScript (non-unicode) patterns such as `\-`.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  for (const kind of ["imljson", "local-development"])
    for (const f of readdirSync(join(VENDOR, kind)).filter((n) => n.endsWith(".json")))
      ajv.addSchema(JSON.parse(readFileSync(join(VENDOR, kind, f), "utf8")), join(VENDOR, kind, f));
  return ajv;
}

export interface Finding {
  file: string;
  schema: string;
  errors: ErrorObject[];
}

/** Validate the app in `dir` as the editor would; returns every error, plus files no schema covers. */
export function validateApp(dir: string = APP): {
  findings: Finding[];
  unchecked: string[];
  checked: number;
} {
  const rules = JSON.parse(readFileSync(join(VENDOR, "jsonValidation.json"), "utf8")) as Rule[];
  const ajv = makeAjv();
  const findings: Finding[] = [];
  const unchecked: string[] = [];
  let checked = 0;
  for (const rel of appFiles(dir)) {
    const schemas = schemasFor(rules, rel);
    if (schemas.length === 0) {
      unchecked.push(rel);
      continue;
    }
    let value: unknown;
    try {
      // makecomapp.json is read by the extension with JSON.parse; code files are JSON with comments.
      value =
        basename(rel) === "makecomapp.json"
          ? JSON.parse(readFileSync(join(dir, rel), "utf8"))
          : readJsonc(join(dir, rel));
    } catch (e) {
      findings.push({ file: rel, schema: "(parse)", errors: [{ message: String(e) } as ErrorObject] });
      continue;
    }
    for (const schema of schemas) {
      checked++;
      const validate = ajv.getSchema(schema) as ValidateFunction;
      if (!validate(value)) findings.push({ file: rel, schema, errors: validate.errors ?? [] });
    }
  }
  return { findings, unchecked, checked };
}

function report(findings: Finding[]): string {
  return findings
    .map(
      (f) =>
        `${f.file} (${basename(f.schema)}): ${f.errors.map((e) => `${e.instancePath} ${e.message}`).join("; ")}`,
    )
    .join("\n");
}

describe("Make app against the schemas of Make's editor", () => {
  it("the editor's table maps file names to schemas as the extension does", () => {
    const rules = JSON.parse(readFileSync(join(VENDOR, "jsonValidation.json"), "utf8")) as Rule[];
    const names = (rel: string) => schemasFor(rules, rel).map((s) => basename(s));
    assert.deepEqual(names("connections/a/a.oauth-communication.iml.json"), ["api-oauth.json"]);
    assert.deepEqual(names("connections/a/a.communication.iml.json"), ["api.json"]);
    assert.deepEqual(names("endpoints/x/x.communication.iml.json"), ["api.json", "endpoint-api.json"]);
    assert.deepEqual(names("modules/a/a.mappable-params.iml.json"), ["parameters.json"]);
    assert.deepEqual(names("makecomapp.json"), ["makecomapp.schema.json"]);
    assert.deepEqual(names("modules/a/a.static-params.iml.json"), []);
  });

  it("every file of integrations/make validates with 0 errors", () => {
    const { findings, unchecked, checked } = validateApp();
    assert.equal(findings.length, 0, report(findings));
    assert.ok(checked >= 35, `only ${checked} checks ran`);
    // The extension has no schema for static params or the readme: static params are parameters.
    assert.deepEqual(
      unchecked.filter((f) => !/\.static-params\.iml\.json$/.test(f)),
      ["README.md"],
    );
    const ajv = makeAjv();
    const params = ajv.getSchema(join(VENDOR, "imljson/parameters.json")) as ValidateFunction;
    for (const f of unchecked.filter((f) => f.endsWith(".static-params.iml.json")))
      assert.ok(params(readJsonc(join(APP, f))), `${f}: ${JSON.stringify(params.errors)}`);
  });

  it("makecomapp.json is strict JSON, maps exactly the app's files, and every id passes the editor's rules", () => {
    const manifest = JSON.parse(readFileSync(join(APP, "makecomapp.json"), "utf8")) as {
      generalCodeFiles: Record<string, string | null>;
      components: Record<string, Record<string, { codeFiles: Record<string, string | null> }>>;
    };
    assert.deepEqual(Object.keys(manifest.components).sort(), [
      "connection",
      "endpoint",
      "function",
      "module",
      "rpc",
      "webhook",
    ]);
    const mapped = new Set<string>(["makecomapp.json"]);
    for (const p of Object.values(manifest.generalCodeFiles)) if (p) mapped.add(p);
    for (const [type, comps] of Object.entries(manifest.components))
      for (const [id, c] of Object.entries(comps)) {
        const rule = ID_RULES[type];
        if (rule) assert.match(id, rule, `${type} id ${id}`);
        const kebab = id.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
        for (const [code, p] of Object.entries(c.codeFiles)) {
          if (!p) continue;
          mapped.add(p);
          // The editor's default layout: <type>s/<kebab-id>/<kebab-id>.<code>.iml.json
          assert.match(p, new RegExp(`^${type}s/${kebab}/${kebab}\\.[a-z-]+\\.iml\\.json$`), `${id}.${code}`);
        }
      }
    assert.deepEqual(appFiles(), [...mapped].sort(), "every file is mapped and every mapped file exists");
    const conn = manifest.components.connection?.mycrmsim?.codeFiles.communication;
    assert.match(String(conn), /\.oauth-communication\.iml\.json$/);
  });

  it("common data holds no placeholder and no credential", () => {
    const common = JSON.parse(readFileSync(join(APP, "general/common.json"), "utf8")) as object;
    assert.deepEqual(common, {});
  });
});
