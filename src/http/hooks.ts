import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { AppError } from "../core/errors.js";

/**
 * PostgreSQL `text` cannot hold U+0000: a NUL that reaches a query is a driver error, i.e. a 500 (and
 * an error log line per request). Every string that enters through a route (query, path parameters,
 * body, in any nesting, keys included) is checked here once, before validation, and refused as a 400
 * naming the field. The phone routes replace it instead (`replaceNul`): data a phone reports must not
 * be lost for a character it cannot fix.
 */
const NUL = "\u0000";

/** The path of the first string (value or key) in `value` that holds a NUL, e.g. `simCards[0].name`. */
export function findNul(value: unknown, base = ""): string | undefined {
  if (typeof value === "string") return value.includes(NUL) ? base || "body" : undefined;
  if (value === null || typeof value !== "object") return undefined;
  // Iterative: bodies may nest thousands of levels deep.
  const stack: [unknown, string][] = [[value, base]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, path] = item;
    if (typeof v === "string") {
      if (v.includes(NUL)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === "object") {
      for (const k of Object.keys(v)) {
        const p = path ? `${path}.${k}` : k;
        if (k.includes(NUL)) return p;
        stack.push([(v as Record<string, unknown>)[k], p]);
      }
    }
  }
  return undefined;
}

/** Replace every NUL in strings (values and keys) of a parsed JSON value with U+FFFD, in place. */
export function replaceNul<T>(value: T): T {
  const fix = (s: string) => s.replaceAll(NUL, "\ufffd");
  if (typeof value === "string") return fix(value) as T;
  const stack: unknown[] = [value];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (v === null || typeof v !== "object") continue;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      let key = k;
      if (k.includes(NUL)) {
        key = fix(k);
        o[key] = o[k];
        delete o[k];
      }
      const x = o[key];
      if (typeof x === "string") o[key] = fix(x);
      else if (x !== null && typeof x === "object") stack.push(x);
    }
  }
  return value;
}

function refuse(field: string): never {
  throw new AppError("invalid_request", `${field}: must not contain the NUL character (U+0000)`, {
    details: { field },
  });
}

/**
 * preValidation hook (root): refuse NUL in the query, path parameters and body. A NUL can reach the
 * query or the path only as `%00` (Node's parser refuses a raw one), so those are looked at only then;
 * bodies the phone routes parsed themselves (`rawBody` set) were already cleaned by their parser.
 */
export function refuseNulHook(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  try {
    if (request.url.includes("%00")) {
      const inQuery = findNul(request.query);
      if (inQuery) refuse(inQuery);
      const inPath = findNul(request.params);
      if (inPath) refuse(inPath);
    }
    if (request.body !== undefined && request.body !== null && request.rawBody === undefined) {
      const inBody = findNul(request.body);
      if (inBody) refuse(inBody);
    }
    done();
  } catch (e) {
    done(e as Error);
  }
}

/** onRequest hook: answers of authenticated APIs must not be kept by browsers or proxies (L10). */
export function noStore(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header("cache-control", "no-store");
  done();
}
