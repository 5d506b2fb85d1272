import type { Json } from "./definition.js";
import { ImlError, isEmpty, render, type Scope } from "./iml.js";

/** A failed call as Make reports it: the type and message come from the definition's error mapping. */
export class MakeError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  /** The app's base (modules, RPCs, webhooks); connection sections run without it. */
  base?: Json;
  /** Public origin in the definition → where the test server really listens. Other hosts are refused. */
  hosts: Record<string, string>;
  /** Overrides the section's body `type` (the json/urlencoded variants of token and refresh). */
  type?: string;
  /** Receives every call's log line, after `log.sanitize`. */
  log?: (line: string) => void;
}

export interface Outcome {
  skipped: boolean;
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
  data?: Json;
  temp?: Json;
  expires?: unknown;
  uid?: unknown;
  metadata?: unknown;
  output?: unknown;
}

type Spec = Json & { response?: Json; log?: { sanitize?: string[] } };

/** A definition URL on one of our public hosts → the same URL on the server under test. */
export function target(raw: string, hosts: Record<string, string>): URL {
  const url = new URL(raw);
  const real = hosts[url.origin];
  if (!real) throw new Error(`the app called ${url.origin}, which is not a myCRMSIM host`);
  return new URL(url.pathname + url.search, real);
}

function encode(type: string, body: unknown, headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  if (type === "urlencoded") {
    headers["content-type"] ??= "application/x-www-form-urlencoded";
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Json)) form.set(k, String(v));
    return form.toString();
  }
  if (type === "text") return typeof body === "string" ? body : JSON.stringify(body);
  if (type !== "json") throw new ImlError(`unsupported request type ${type}`);
  headers["content-type"] ??= "application/json";
  return JSON.stringify(body);
}

function sanitize(record: Json, paths: string[]): string {
  const copy = structuredClone(record);
  for (const p of paths) {
    const keys = p.split(".");
    const last = keys.pop() as string;
    const parent = keys.reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Json)[k] : undefined),
      copy,
    );
    if (parent && typeof parent === "object" && last in parent) (parent as Json)[last] = "[sanitized]";
  }
  return JSON.stringify(copy);
}

/**
 * Stored values (`data`, `temp`) must all resolve: a key of the template that renders to nothing
 * means the API's response lacks a field the app relies on (a contract break), not an empty value.
 */
function strict(section: string, template: unknown, scope: Scope): Json | undefined {
  if (template === undefined) return undefined;
  const value = render(template, scope) as Json;
  for (const k of Object.keys(template as Json))
    if (isEmpty(value[k]))
      throw new ImlError(`${section}.${k} evaluated to nothing: the response lacks that field`);
  return value;
}

/** Run one request section of the definition exactly as Make would, against the mapped hosts. */
export async function runRequest(spec: Spec, scope: Scope, opts: RequestOptions): Promise<Outcome> {
  const base = opts.base ?? {};
  if (spec.condition !== undefined && !render(spec.condition, scope)) {
    return { skipped: true, statusCode: 0, body: undefined, headers: {} };
  }
  let url = String(render(spec.url, scope));
  if (url.startsWith("/")) url = String(render(base.baseUrl, scope)) + url;
  const u = target(url, opts.hosts);
  const qs = render(spec.qs ?? {}, scope) as Json;
  for (const [k, v] of Object.entries(qs)) if (v !== undefined) u.searchParams.set(k, String(v));
  const headers = Object.fromEntries(
    Object.entries({
      ...(render(base.headers ?? {}, scope) as Json),
      ...(render(spec.headers ?? {}, scope) as Json),
    })
      // Make leaves out a header whose value is undefined or null, but sends an empty string as it is.
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const method = String(render(spec.method ?? "GET", scope)).toUpperCase();
  const body = render(spec.body, scope);
  const payload = encode(opts.type ?? String(spec.type ?? "json"), body, headers);
  const res = await fetch(u, { method, headers, body: payload, redirect: "manual" });
  const text = await res.text();
  const resHeaders = Object.fromEntries(res.headers);
  let resBody: unknown = text === "" ? undefined : text;
  if (text !== "" && /json/.test(res.headers.get("content-type") ?? "")) resBody = JSON.parse(text);

  const sanitizePaths = [
    ...(((base.log as Json | undefined)?.sanitize as string[]) ?? []),
    ...(spec.log?.sanitize ?? []),
  ];
  opts.log?.(
    sanitize(
      {
        request: { url: u.href, method, headers, body },
        response: { statusCode: res.status, body: resBody },
      },
      sanitizePaths,
    ),
  );

  const rs: Scope = { ...scope, body: resBody, headers: resHeaders, statusCode: res.status };
  const response = spec.response ?? {};
  if (res.status >= 400) {
    const errSpec = (response.error ?? (base.response as Json | undefined)?.error ?? {}) as Json;
    const entry = (errSpec[String(res.status)] ?? errSpec) as Json;
    const type = String(entry.type ?? errSpec.type ?? "RuntimeError");
    const message = entry.message ? String(render(entry.message, rs)) : `[${res.status}] ${text}`;
    throw new MakeError(type, message, res.status);
  }
  const out: Outcome = { skipped: false, statusCode: res.status, body: resBody, headers: resHeaders };
  out.data = strict("response.data", response.data, rs);
  out.temp = strict("response.temp", response.temp, rs);
  out.expires = render(response.expires, rs);
  out.uid = render(response.uid, rs);
  out.metadata = render(response.metadata, rs);
  if (response.iterate !== undefined) {
    const items = render(response.iterate, rs);
    if (!Array.isArray(items)) throw new ImlError("response.iterate did not evaluate to an array");
    out.output = items.map((item) => render(response.output ?? "{{item}}", { ...rs, item }));
  } else if (response.output !== undefined) {
    out.output = render(response.output, rs);
  }
  return out;
}
