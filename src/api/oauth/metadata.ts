import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../http/deps.js";
import { SCOPES } from "../../oauth/index.js";
import { documented } from "../openapi/operation.js";

/** The issuer identifier: PUBLIC_URL's origin (metadata `issuer`, RFC 9207 `iss`). */
export function issuerOf(deps: AppDeps): string {
  return new URL(deps.config.publicUrl).origin;
}

/** RFC 8414 metadata; the issuer is PUBLIC_URL's origin (no path). Read per request: config may move. */
export function registerMetadataRoute(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    "/.well-known/oauth-authorization-server",
    {
      schema: documented({
        operationId: "authorizationServerMetadata",
        tag: "OAuth",
        summary: "Authorization server metadata (RFC 8414)",
        description: "Endpoints, grant types, PKCE methods and scopes; the issuer is PUBLIC_URL's origin.",
        security: [],
        shape: "oauth",
        ok: {
          description: "The metadata",
          schema: { type: "object", additionalProperties: true, properties: { issuer: { type: "string" } } },
          examples: {
            metadata: {
              summary: "The start of the document",
              value: {
                issuer: "https://sms.example.org",
                authorization_endpoint: "https://sms.example.org/oauth/authorize",
                token_endpoint: "https://sms.example.org/oauth/token",
                code_challenge_methods_supported: ["S256"],
                scopes_supported: ["locations:read", "messages:send", "messages:read", "webhooks:write"],
              },
            },
          },
        },
        errors: ["invalid_request", "server_error"],
      }),
    },
    async () => {
      const issuer = issuerOf(deps);
      const methods = ["client_secret_basic", "client_secret_post"];
      return {
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        introspection_endpoint: `${issuer}/oauth/introspect`,
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        token_endpoint_auth_methods_supported: methods,
        revocation_endpoint_auth_methods_supported: methods,
        introspection_endpoint_auth_methods_supported: methods,
        code_challenge_methods_supported: ["S256"],
        // RFC 9207: every authorization response (code or error) names us, against mix-up attacks.
        authorization_response_iss_parameter_supported: true,
        scopes_supported: [...SCOPES],
        service_documentation: `${issuer}/docs`,
      };
    },
  );
}
