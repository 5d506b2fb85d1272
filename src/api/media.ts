import type { FastifyInstance } from "fastify";
import { type AppDeps, requestCtx } from "../http/deps.js";
import { getAttachment, MEDIA_PATH } from "../messages/index.js";

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
