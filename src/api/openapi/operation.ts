import type { Scope } from "../../oauth/index.js";
import { type DocumentedCode, type ErrorShape, errorResponses, RATE_LIMIT_HEADERS } from "./errors.js";

/** Named examples (OpenAPI Example Objects): the first is the one /docs and curl show. */
export type Examples = Record<string, { summary: string; value: unknown }>;

export interface OperationDoc {
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /**
   * Who may call it: OAuth scopes the access token needs (`[]`: any valid token), or explicit
   * OpenAPI security requirements (`[]`: public).
   */
  scopes?: Scope[];
  security?: Record<string, string[]>[];
  /** The success answer. */
  ok: {
    status?: 200 | 201 | 204;
    description: string;
    schema?: Record<string, unknown>;
    examples?: Examples;
    headers?: Record<string, object>;
    /** Another media type than JSON (e.g. `text/event-stream`). */
    mediaType?: string;
  };
  /** Other answers that are not errors (e.g. a 303 redirect). */
  also?: Record<number, Record<string, unknown>>;
  /** Every error code the operation can answer with (the one place they are listed). */
  errors: readonly DocumentedCode[];
  /** Error body shape; `api` unless the route belongs to the OAuth endpoints or the phone protocol. */
  shape?: ErrorShape;
  /** Answers carry the RateLimit headers (routes behind `bearerAuth`). */
  rateLimited?: boolean;
}

/** A request schema (body, headers) with named examples for the document. */
export function withExamples<T extends object>(schema: T, examples: Examples): T {
  return { ...schema, "x-examples": examples };
}

/**
 * The documentation half of a route schema: summary, operationId, tags, security, the success
 * answer with its examples, and one response per error status with an example per code. Spread it
 * into `schema` next to the validation parts (body, querystring, params, headers).
 */
export function documented(doc: OperationDoc): Record<string, unknown> {
  const shape = doc.shape ?? "api";
  const status = doc.ok.status ?? 200;
  const headers = { ...(doc.rateLimited ? RATE_LIMIT_HEADERS : {}), ...(doc.ok.headers ?? {}) };
  const ok =
    status === 204 || !doc.ok.schema
      ? { type: "null", description: doc.ok.description }
      : doc.ok.mediaType
        ? {
            description: doc.ok.description,
            content: { [doc.ok.mediaType]: { schema: doc.ok.schema, examples: doc.ok.examples } },
          }
        : {
            ...doc.ok.schema,
            description: doc.ok.description,
            ...(doc.ok.examples ? { "x-examples": doc.ok.examples } : {}),
          };
  return {
    operationId: doc.operationId,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: doc.security ?? [{ oauth2: doc.scopes ?? [] }],
    "x-error-codes": [...doc.errors],
    response: {
      [status]: Object.keys(headers).length > 0 ? { ...ok, headers } : ok,
      ...(doc.also ?? {}),
      ...errorResponses(doc.errors, shape),
    },
  };
}

/** The errors every route behind `bearerAuth` can answer with, besides its own. */
export const BEARER_ERRORS = [
  "unauthorized",
  "rate_limited",
  "internal_error",
  "storage_unavailable",
] as const;
/** …and those of a route that reads a JSON body. */
export const BODY_ERRORS = ["invalid_request", "payload_too_large", "unsupported_media_type"] as const;
