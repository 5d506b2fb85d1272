import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import type { Config } from "../../config/index.js";
import { SCOPE_DESCRIPTIONS } from "./scopes.js";
import { PHONE_BODY_EXAMPLES, PHONE_DOCS } from "./phones.js";

const TAGS = [
  {
    name: "Identity",
    description:
      "Who the access token acts for, and the locations (businesses, each with its phones) it may use.",
  },
  {
    name: "Messages",
    description:
      "Send SMS and MMS through a location's phones, and read both directions with their status history.",
  },
  {
    name: "Webhooks",
    description:
      "Subscribe URLs to a location's events (`new_message`, `message_status`, `device_status`); deliveries are signed per Standard Webhooks, retried for about three days, and can be inspected and replayed.",
  },
  {
    name: "Media",
    description: "Inbound MMS attachments behind signed, expiring links.",
  },
  {
    name: "OAuth",
    description:
      "The OAuth 2.0 authorization server (authorization code with optional PKCE, rotating refresh tokens). Errors here use RFC 6749's `{error, error_description}`.",
  },
  {
    name: "Phones",
    description:
      "The SMSGate private-server protocol the Android app speaks. Integrations do not call these; errors use SMSGate's `{message, code}` plus our `error` code.",
  },
];

/**
 * Which routes are in the public document: the API, OAuth, discovery and media ones (pages and
 * probes are hidden). Phone routes get their documentation from PHONE_DOCS.
 */
function transform({ schema, url, route }: { schema: unknown; url: string; route: { method: unknown } }) {
  const s = (schema ?? {}) as Record<string, unknown>;
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  const key = `${method} ${url.replace(/:(\w+)/g, "{$1}")}`;
  const phone = PHONE_DOCS[key];
  if (phone) {
    const examples = PHONE_BODY_EXAMPLES[key];
    // The ingest routes parse their own bodies: documented as the JSON envelope the app posts.
    const body = s.body ?? (examples ? { type: "object", additionalProperties: true } : undefined);
    return {
      schema: {
        ...s,
        ...phone,
        ...(body ? { body: examples ? { ...body, "x-examples": examples } : body } : {}),
      },
      url,
    };
  }
  const shown = /^\/(api\/|oauth\/|\.well-known\/)/.test(url) || s.tags !== undefined;
  return { schema: shown && s.hide !== true ? s : { ...s, hide: true }, url };
}

/** Stands for PUBLIC_URL in the generated document until `forInstance` fills it in, per request. */
const BASE = "https://mycrmsim.invalid";

/** @fastify/swagger's options: the document's frame (info, security schemes, tags). */
export function swaggerOptions(): FastifyDynamicSwaggerOptions {
  const base = BASE;
  return {
    transform: transform as unknown as FastifyDynamicSwaggerOptions["transform"],
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "myCRMSIM API",
        version: "1.0.0",
        description:
          "Send and receive SMS through your own Android phones. Authenticate with OAuth 2.0 (authorization code) and send `Authorization: Bearer <access token>`. Errors are `{error, message, request_id}`; each operation lists the codes it can return. A readable version of this document is at `/docs`.",
        license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      },
      servers: [{ url: base, description: "This instance (PUBLIC_URL)" }],
      tags: TAGS,
      components: {
        securitySchemes: {
          oauth2: {
            type: "oauth2",
            description: "Authorization code flow (PKCE S256 optional, or required per client).",
            flows: {
              authorizationCode: {
                authorizationUrl: `${base}/oauth/authorize`,
                tokenUrl: `${base}/oauth/token`,
                refreshUrl: `${base}/oauth/token`,
                scopes: SCOPE_DESCRIPTIONS,
              },
            },
          },
          clientBasic: {
            type: "http",
            scheme: "basic",
            description:
              "OAuth client authentication: `client_id:client_secret` as HTTP Basic, or both as body parameters instead (not both).",
          },
          deviceToken: {
            type: "http",
            scheme: "bearer",
            description: "A phone's device token (`POST /api/mobile/v1/device` returns it).",
          },
          pairingToken: {
            type: "http",
            scheme: "bearer",
            description: "A one-time pairing token (the pair page's QR code).",
          },
          pairingCode: {
            type: "apiKey",
            in: "header",
            name: "Authorization",
            description: "`Code <one-time code>` from the pair page.",
          },
          phoneSignature: {
            type: "apiKey",
            in: "header",
            name: "X-Signature",
            description:
              "Hex HMAC-SHA256 of the raw body followed by `X-Timestamp`, keyed with the phone's signing key.",
          },
          phoneTimestamp: {
            type: "apiKey",
            in: "header",
            name: "X-Timestamp",
            description: "Unix seconds when the phone signed the event.",
          },
        },
      },
    },
  };
}

type Doc = Record<string, unknown> & { servers?: unknown; paths?: Record<string, Record<string, unknown>> };

/**
 * The generated document with this instance's URLs, read per request (PUBLIC_URL may change under a
 * running app, as in tests): the server, the OAuth endpoints, and the dispatch host for sending.
 */
export function forInstance(doc: Doc, config: Pick<Config, "publicUrl" | "dispatchUrl">): Doc {
  const base = config.publicUrl.replace(/\/+$/, "");
  const dispatch = config.dispatchUrl.replace(/\/+$/, "");
  const out = JSON.parse(JSON.stringify(doc).replaceAll(BASE, base)) as Doc;
  out.servers = [{ url: base, description: "This instance (PUBLIC_URL)" }];
  const send = out.paths?.["/api/v1/messages"]?.post as Record<string, unknown> | undefined;
  if (send && dispatch !== base) {
    send.servers = [
      { url: dispatch, description: "The dispatch host (DISPATCH_URL)" },
      { url: base, description: "The main host (PUBLIC_URL)" },
    ];
  }
  return out;
}
