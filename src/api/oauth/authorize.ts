import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { listUserLocations, type ResolvedSession } from "../../accounts/index.js";
import { isAppError } from "../../core/errors.js";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import {
  type AuthorizeParams,
  type AuthorizeRedirectError,
  type AuthorizeRequest,
  checkAuthorizeRequest,
  createAuthorizationCode,
  lastLocationChoice,
} from "../../oauth/index.js";
import { isSecure } from "../../web/auth.js";
import { csrfToken, currentSession, verifyCsrf } from "../../web/index.js";
import { consentPage } from "../../web/pages/consent.js";
import { issuerOf } from "./metadata.js";
import { documented } from "../openapi/operation.js";
import { bodyOf, param, parseQuery } from "./params.js";

/** Documentation only: the query is checked by `checkAuthorizeRequest`, which must see repeated keys. */
const AUTHORIZE_QUERY = {
  type: "object",
  properties: {
    client_id: { type: "string", examples: ["cli_01jd3k7m9x2b4c6d8f0g1h2j3k"] },
    redirect_uri: { type: "string", examples: ["https://www.make.com/oauth/cb/app"] },
    response_type: { type: "string", enum: ["code"], examples: ["code"] },
    state: { type: "string", examples: ["af0ifjsldkj"] },
    scope: { type: "string", examples: ["locations:read messages:send"] },
    code_challenge: { type: "string" },
    code_challenge_method: { type: "string", enum: ["S256"] },
  },
} as const;

/** Every authorization response, code or error, carries `iss` (RFC 9207, finding L13). */
function redirectTo(
  deps: AppDeps,
  reply: FastifyReply,
  uri: string,
  params: Record<string, string | undefined>,
) {
  const u = new URL(uri);
  for (const [k, v] of Object.entries({ ...params, iss: issuerOf(deps) }))
    if (v !== undefined) u.searchParams.append(k, v);
  return reply.redirect(u.toString(), 303);
}

function redirectError(deps: AppDeps, reply: FastifyReply, e: AuthorizeRedirectError) {
  return redirectTo(deps, reply, e.redirectUri, {
    error: e.error,
    error_description: e.description,
    state: e.state,
  });
}

async function renderConsent(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  o: { session: ResolvedSession; req: AuthorizeRequest; raw: string; checked?: string[]; error?: string },
) {
  const locations = await listUserLocations({
    ctx: requestCtx(deps, request),
    input: { userId: o.session.user.id },
  });
  const html = consentPage({
    user: o.session.user,
    appName: o.req.client.name,
    scopes: o.req.scopes,
    locations,
    // Nothing ticked for the user unless there is only one location, or they connected this app
    // before (then their last choice, F23): they choose (L4).
    checked: new Set(
      o.checked ??
        (locations.length === 1
          ? locations.map((l) => l.id)
          : await lastLocationChoice({
              ctx: requestCtx(deps, request),
              input: { userId: o.session.user.id, clientId: o.req.client.id },
            })),
    ),
    csrf: csrfToken(request, reply, deps.secret, isSecure(deps)),
    request: o.raw,
    error: o.error,
  });
  return reply
    .code(o.error ? 400 : 200)
    .type("text/html; charset=utf-8")
    .send(html);
}

/**
 * GET /oauth/authorize validates, sends a signed-out user to sign in (and back), and shows the consent
 * page; the page POSTs the decision back here with the original request, which is validated again.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    "/oauth/authorize",
    {
      schema: {
        ...documented({
          operationId: "authorize",
          tag: "OAuth",
          summary: "Start the authorization code flow (browser)",
          description:
            "Open it in the user's browser. Query: `client_id`, `redirect_uri` (exactly as registered), `response_type=code`, `state`, optional `scope` (space-separated; none means every scope the client may have), optional `code_challenge` + `code_challenge_method=S256`. Signs the user in, asks for consent and the locations the app may use, then 303 to `redirect_uri?code=…&state=…&iss=…` (or `error=access_denied`, `invalid_scope`, … with `iss`, RFC 9207). A request whose client or redirect URI cannot be trusted gets an error page instead of a redirect.",
          security: [],
          shape: "html",
          ok: {
            description: "The consent page (the user is signed in)",
            mediaType: "text/html",
            schema: { type: "string" },
          },
          also: {
            303: {
              type: "null",
              description:
                "To the sign-in page (and back), or to `redirect_uri` with `code`, `state` and `iss` (or `error`)",
              headers: { location: { type: "string", description: "Where the browser goes next" } },
            },
          },
          errors: [
            "invalid_request",
            "forbidden",
            "client_not_found",
            "internal_error",
            "storage_unavailable",
          ],
        }),
        querystring: AUTHORIZE_QUERY,
      },
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const ctx = requestCtx(deps, request);
      const check = await checkAuthorizeRequest({ ctx, input: { params: request.query as AuthorizeParams } });
      if (!check.ok) return redirectError(deps, reply, check);
      const session = await currentSession(deps, request);
      if (!session) return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303);
      const q = request.url.indexOf("?");
      return renderConsent(deps, request, reply, {
        session,
        req: check,
        raw: q < 0 ? "" : request.url.slice(q + 1),
      });
    },
  );

  app.post("/oauth/authorize", { schema: { hide: true } }, async (request, reply) => {
    verifyCsrf(request, deps.secret, new URL(deps.config.publicUrl).origin);
    const body = bodyOf(request);
    const raw = param(body, "request") ?? "";
    const ctx = requestCtx(deps, request);
    const check = await checkAuthorizeRequest({ ctx, input: { params: parseQuery(raw) } });
    if (!check.ok) return redirectError(deps, reply, check);
    const session = await currentSession(deps, request);
    if (!session) return reply.redirect(`/signin?next=${encodeURIComponent(`/oauth/authorize?${raw}`)}`, 303);
    if (body.decision !== "allow") {
      return redirectError(deps, reply, {
        redirectUri: check.redirectUri,
        state: check.state,
        error: "access_denied",
        description: "The user denied the request",
      });
    }
    const chosen = ([] as unknown[])
      .concat(body.location ?? [])
      .filter((x): x is string => typeof x === "string");
    try {
      const code = await createAuthorizationCode({
        ctx,
        input: {
          clientId: check.client.id,
          userId: session.user.id,
          redirectUri: check.redirectUri,
          scopes: check.scopes,
          locationIds: chosen,
          codeChallenge: check.codeChallenge,
        },
      });
      return redirectTo(deps, reply, check.redirectUri, { code, state: check.state });
    } catch (e) {
      if (!isAppError(e) || e.status >= 500) throw e;
      return renderConsent(deps, request, reply, {
        session,
        req: check,
        raw,
        checked: chosen,
        error: e.message,
      });
    }
  });
}
