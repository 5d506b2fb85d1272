import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";

export type Body = Record<string, unknown>;

/** The request body as a record (JSON or form); anything else is an invalid request. */
export function bodyOf(request: FastifyRequest): Body {
  const b = request.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== "object" || Array.isArray(b))
    throw new AppError("invalid_request", "body: must be an object");
  return b as Body;
}

/** One optional string parameter; repeated parameters are refused (RFC 6749 §3.1, §3.2). */
export function param(body: Body, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (Array.isArray(v)) throw new AppError("invalid_request", `${name}: repeated parameter`);
  if (typeof v !== "string") throw new AppError("invalid_request", `${name}: must be a string`);
  return v;
}

export function required(body: Body, name: string): string {
  const v = param(body, name);
  if (v === undefined) throw new AppError("invalid_request", `${name}: is required`);
  return v;
}

/** A query string parsed the way Fastify parses one: repeated keys become arrays. */
export function parseQuery(raw: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
