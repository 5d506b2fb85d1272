import { createHash, createHmac, randomUUID } from "node:crypto";

/**
 * The small subset of Make's IML that our app definition uses. Make's engine is not published, so
 * anything outside this subset (an unknown function, variable or operator) is an error: a definition
 * that needs more must extend this file and its tests first, never be silently mis-evaluated.
 */
export class ImlError extends Error {}

export type Scope = Record<string, unknown> & { now?: () => Date };

type Node =
  | { k: "lit"; v: unknown }
  | { k: "path"; root: string; keys: (string | number)[] }
  | { k: "call"; fn: string; args: Node[] }
  | { k: "bin"; op: string; l: Node; r: Node };

/** Variables an expression may start with (Make's names for request/response context). */
export const ROOTS = new Set([
  "body",
  "common",
  "connection",
  "data",
  "headers",
  "item",
  "oauth",
  "parameters",
  "query",
  "statusCode",
  "temp",
  "webhook",
]);

const FUNCTIONS: Record<string, (...a: unknown[]) => unknown> = {
  // Make: only "not defined, null, or an empty string" is empty here; an empty array is a value.
  ifempty: (a, b) => (a === undefined || a === null || a === "" ? b : a),
  if: (c, a, b) => (c ? a : b),
  join: (arr, sep) => (Array.isArray(arr) ? arr.map(str).join(str(sep)) : undefined),
  addSeconds: (d, n) => addMs(d, Number(n) * 1000),
  addMinutes: (d, n) => addMs(d, Number(n) * 60_000),
  encodeURL: (t) => encodeURIComponent(str(t)),
  base64: (t) => Buffer.from(str(t), "utf8").toString("base64"),
  // Make's sha256(text; [encoding]; [key]): a hash, or an HMAC when a key is given.
  sha256: (t, enc, key) =>
    (key === undefined ? createHash("sha256") : createHmac("sha256", str(key)))
      .update(str(t))
      .digest(enc === "base64" ? "base64" : "hex"),
  toCollection: (arr, k, v) =>
    Object.fromEntries(
      (Array.isArray(arr) ? arr : []).map((e) => [
        str((e as Record<string, unknown>)[str(k)]),
        (e as Record<string, unknown>)[str(v)],
      ]),
    ),
};

const KEYWORDS: Record<string, () => unknown> = {
  true: () => true,
  false: () => false,
  null: () => null,
  undefined: () => undefined,
};

export function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
}

function addMs(d: unknown, ms: number): Date {
  const t = d instanceof Date ? d.getTime() : Date.parse(str(d));
  if (Number.isNaN(t) || Number.isNaN(ms)) throw new ImlError(`date arithmetic on ${JSON.stringify(d)}`);
  return new Date(t + ms);
}

/** How Make prints a value inside a larger string. */
export function str(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*)|(<=|>=|!=|[<>=+().,[\]]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new ImlError(`cannot read "${src.slice(at)}" in {{${src}}}`);
    if (m[1] !== undefined) out.push(`#${m[1]}`);
    else if (m[2] !== undefined || m[3] !== undefined) out.push(`'${m[2] ?? m[3]}`);
    else out.push((m[4] ?? m[5]) as string);
  }
  return out;
}

/** Parse one `{{…}}` body; unknown functions and variables fail here, before anything runs. */
export function parse(src: string): Node {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const eat = (want?: string): string => {
    const tok = t[i++];
    if (tok === undefined || (want !== undefined && tok !== want))
      throw new ImlError(`expected ${want ?? "more"} in {{${src}}}`);
    return tok;
  };
  const primary = (): Node => {
    const tok = eat();
    if (tok.startsWith("#")) return { k: "lit", v: Number(tok.slice(1)) };
    if (tok.startsWith("'")) return { k: "lit", v: tok.slice(1).replace(/\\(.)/g, "$1") };
    if (tok === "(") {
      const e = comparison();
      eat(")");
      return e;
    }
    if (!/^[A-Za-z_$]/.test(tok)) throw new ImlError(`unexpected "${tok}" in {{${src}}}`);
    if (peek() === "(") {
      if (!(tok in FUNCTIONS))
        throw new ImlError(`IML function ${tok}() is not supported by the harness (in {{${src}}})`);
      eat("(");
      const args: Node[] = [];
      while (peek() !== ")") {
        args.push(comparison());
        if (peek() === ",") eat(",");
        else break;
      }
      eat(")");
      return { k: "call", fn: tok, args };
    }
    if (tok in KEYWORDS) return { k: "lit", v: KEYWORDS[tok]?.() };
    if (tok === "now" || tok === "uuid") return { k: "call", fn: `$${tok}`, args: [] };
    if (!ROOTS.has(tok)) throw new ImlError(`unknown IML variable ${tok} in {{${src}}}`);
    const keys: (string | number)[] = [];
    for (;;) {
      if (peek() === ".") {
        eat(".");
        keys.push(eat());
      } else if (peek() === "[") {
        eat("[");
        // A number in brackets is an array index (1-based in Make); a quoted key is a property name.
        const k = eat();
        if (!k.startsWith("#") && !k.startsWith("'")) throw new ImlError(`unexpected "${k}" in {{${src}}}`);
        keys.push(k.startsWith("#") ? Number(k.slice(1)) : k.slice(1));
        eat("]");
      } else break;
    }
    return { k: "path", root: tok, keys };
  };
  const additive = (): Node => {
    let l = primary();
    while (peek() === "+") {
      eat("+");
      l = { k: "bin", op: "+", l, r: primary() };
    }
    return l;
  };
  const comparison = (): Node => {
    const l = additive();
    const op = peek();
    if (op && ["<", ">", "<=", ">=", "=", "!="].includes(op)) {
      eat();
      return { k: "bin", op, l, r: additive() };
    }
    return l;
  };
  const e = comparison();
  if (i < t.length) throw new ImlError(`unexpected "${t[i]}" in {{${src}}}`);
  return e;
}

function comparable(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return Date.parse(v);
  return v;
}

export function evaluate(node: Node, scope: Scope): unknown {
  switch (node.k) {
    case "lit":
      return node.v;
    case "path":
      return node.keys.reduce<unknown>((v, key) => {
        if (typeof key === "number") {
          // "Unlike JavaScript, IML uses 1 to access the first item of an array."
          const n = key;
          if (!Array.isArray(v)) throw new ImlError(`index [${n}] on something that is not an array`);
          return Number.isInteger(n) && n >= 1 ? v[n - 1] : undefined;
        }
        return v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
      }, scope[node.root]);
    case "call": {
      if (node.fn === "$now") return scope.now ? scope.now() : new Date();
      if (node.fn === "$uuid") return randomUUID();
      const fn = FUNCTIONS[node.fn] as (...a: unknown[]) => unknown;
      return fn(...node.args.map((a) => evaluate(a, scope)));
    }
    case "bin": {
      const l = evaluate(node.l, scope);
      const r = evaluate(node.r, scope);
      if (node.op === "+") return typeof l === "number" && typeof r === "number" ? l + r : str(l) + str(r);
      // Make: "All equality operations are strict" (no date parsing of strings); two dates are equal
      // at the same instant. Ordering (< > <= >=) compares dates and ISO strings as times.
      if (node.op === "=" || node.op === "!=") {
        const same = l instanceof Date && r instanceof Date ? l.getTime() === r.getTime() : l === r;
        return node.op === "=" ? same : !same;
      }
      const a = comparable(l) as number;
      const b = comparable(r) as number;
      if (a === undefined || b === undefined) throw new ImlError(`comparing an undefined value (${node.op})`);
      return node.op === "<" ? a < b : node.op === ">" ? a > b : node.op === "<=" ? a <= b : a >= b;
    }
  }
}

const SPREAD = "{{...}}";

const MUSTACHE = /\{\{([\s\S]*?)\}\}/g;

/** Every `{{…}}` expression inside a JSON value (for the whole-definition check). */
export function expressionsIn(value: unknown): string[] {
  if (typeof value === "string") return [...value.matchAll(MUSTACHE)].map((m) => m[1] as string);
  if (Array.isArray(value)) return value.flatMap(expressionsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(expressionsIn);
  return [];
}

/**
 * Evaluate a JSON template as Make does: a string that is exactly one `{{expr}}` keeps the value's
 * type; mixed text becomes a string; object keys whose value is undefined are dropped.
 */
export function render(value: unknown, scope: Scope): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{([\s\S]*?)\}\}$/.exec(value);
    if (whole && !whole[1]?.includes("{{")) return evaluate(parse(whole[1] as string), scope);
    return value.replace(MUSTACHE, (_m, e: string) => str(evaluate(parse(e), scope)));
  }
  if (Array.isArray(value)) return value.map((v) => render(v, scope));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = render(v, scope);
      // Make's spread key: `"{{...}}": "{{collection}}"` merges the collection's keys here.
      if (k === SPREAD) {
        if (r === undefined || r === null) continue;
        if (typeof r !== "object" || Array.isArray(r))
          throw new ImlError(`the {{...}} spread key needs a collection, got ${JSON.stringify(r)}`);
        for (const [sk, sv] of Object.entries(r)) if (sv !== undefined) out[sk] = sv;
        continue;
      }
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return value;
}
