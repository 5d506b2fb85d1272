import type { FastifyInstance } from "fastify";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { getAttachment, MEDIA_PATH } from "../messages/index.js";
import { documented } from "./openapi/operation.js";

/**
 * GET /media/{attachmentId}?exp=…&sig=…: inbound MMS parts behind the signed, expiring URLs that
 * `new_message` webhooks, the API and the dashboard hand out (main host only). The signature is the
 * authorisation, so no cookie or token is needed. The content is whatever a stranger sent to the
 * phone, served from our origin: the type comes from an allow-list (else a download), the browser
 * may not sniff another, and the response may run nothing (CSP `default-src 'none'; sandbox`).
 */
export async function mediaPlugin(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    `${MEDIA_PATH}/:id`,
    {
      schema: {
        ...documented({
          operationId: "getMedia",
          tag: "Media",
          summary: "An inbound MMS attachment, by its signed link",
          description:
            "The links (with their `exp` and `sig` query parameters) come in `new_message` webhooks and message `attachments`. The signature is the authorisation (no token); links expire after MMS_URL_TTL_SECONDS, and contents are deleted after MMS_RETENTION_DAYS. Types outside an allow-list are served as downloads.",
          security: [],
          ok: {
            description: "The attachment's bytes, with its own Content-Type",
            mediaType: "application/octet-stream",
            schema: { type: "string", format: "binary" },
          },
          errors: ["invalid_request", "not_found", "internal_error", "storage_unavailable"],
        }),
        params: {
          type: "object",
          properties: { id: { type: "string", examples: ["att_01jd3k7m9x2b4c6d8f0g1h2j3k"] } },
          required: ["id"],
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const part = await getAttachment({
        ctx: requestCtx(deps, request),
        input: {
          id: request.params.id,
          exp: typeof q.exp === "string" ? q.exp : undefined,
          sig: typeof q.sig === "string" ? q.sig : undefined,
        },
      });
      return reply
        .headers({
          "content-type": part.contentType,
          "content-disposition": part.disposition,
          "x-content-type-options": "nosniff",
          "content-security-policy": "default-src 'none'; sandbox",
          // A signed URL is a capability: a CRM may show the picture on its own pages.
          "cross-origin-resource-policy": "cross-origin",
          // The same URL always names the same bytes until it expires.
          "cache-control": `private, max-age=${part.maxAgeSeconds}`,
        })
        .send(part.data);
    },
  );
}
