import type { FastifyInstance } from "fastify";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { getIdentity } from "../../oauth/index.js";
import { bearerAuth, principalOf } from "../auth.js";
import { BEARER_ERRORS, documented } from "../openapi/operation.js";
import { phonePresence } from "./presence.js";
import { extendLocations, LOCATION_EXAMPLE, LOCATION_SCHEMA, presentLocations } from "./presenters.js";

export { type ApiLocation, extendLocations, type LocationExtender } from "./presenters.js";

extendLocations(phonePresence);

/** GET /me (Make's connection check) and GET /locations (dropdowns): only the grant's locations. */
export async function identityRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get(
    "/me",
    {
      onRequest: bearerAuth(deps),
      schema: documented({
        operationId: "getMe",
        tag: "Identity",
        summary: "The signed-in user and the locations this connection may use",
        description:
          "Any valid access token (no scope needed): Make's and Zapier's connection test. `locations` are only those the user chose when consenting.",
        scopes: [],
        rateLimited: true,
        ok: {
          description: "The user and the connection's locations",
          schema: {
            type: "object",
            properties: {
              data: {
                type: "object",
                properties: {
                  user: {
                    type: "object",
                    properties: {
                      id: { type: "string" },
                      email: { type: "string" },
                      name: { type: "string" },
                    },
                  },
                  locations: { type: "array", items: LOCATION_SCHEMA },
                },
              },
            },
          },
          examples: {
            me: {
              summary: "A user with one location",
              value: {
                data: {
                  user: {
                    id: "usr_01jd3k7m9x2b4c6d8f0g1h2j3k",
                    email: "owner@example.org",
                    name: "Ana Owner",
                  },
                  locations: [LOCATION_EXAMPLE],
                },
              },
            },
          },
        },
        errors: BEARER_ERRORS,
      }),
    },
    async (request) => {
      const ctx = requestCtx(deps, request);
      const { user, locations } = await getIdentity({ ctx, input: { principal: principalOf(request) } });
      return { data: { user, locations: await presentLocations(locations, ctx, deps) } };
    },
  );

  app.get(
    "/locations",
    {
      onRequest: bearerAuth(deps, "locations:read"),
      schema: documented({
        operationId: "listLocations",
        tag: "Identity",
        summary: "The locations this connection may use (for dropdowns)",
        description:
          "Each with its phones (`total`, and `online`: seen within DEVICE_ONLINE_SECONDS) and `queued` (outbound messages waiting for a phone).",
        scopes: ["locations:read"],
        rateLimited: true,
        ok: {
          description: "The locations",
          schema: { type: "object", properties: { data: { type: "array", items: LOCATION_SCHEMA } } },
          examples: {
            one: { summary: "One location with one phone online", value: { data: [LOCATION_EXAMPLE] } },
          },
        },
        errors: ["insufficient_scope", ...BEARER_ERRORS],
      }),
    },
    async (request) => {
      const ctx = requestCtx(deps, request);
      const { locations } = await getIdentity({ ctx, input: { principal: principalOf(request) } });
      return { data: await presentLocations(locations, ctx, deps) };
    },
  );
}
