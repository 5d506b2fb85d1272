import type { FastifyInstance } from "fastify";
import { type AppDeps, requestCtx } from "../../http/deps.js";
import { getIdentity } from "../../oauth/index.js";
import { bearerAuth, principalOf } from "../auth.js";
import { ERROR } from "../schemas.js";
import { phonePresence } from "./presence.js";
import { extendLocations, LOCATION_SCHEMA, presentLocations } from "./presenters.js";

export { type ApiLocation, extendLocations, type LocationExtender } from "./presenters.js";

extendLocations(phonePresence);

/** GET /me (Make's connection check) and GET /locations (dropdowns): only the grant's locations. */
export async function identityRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get(
    "/me",
    {
      onRequest: bearerAuth(deps),
      schema: {
        tags: ["Identity"],
        summary: "The signed-in user and the locations this connection may use",
        security: [{ oauth2: [] }],
        response: {
          200: {
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
          401: ERROR,
          429: ERROR,
        },
      },
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
      schema: {
        tags: ["Identity"],
        summary: "The locations this connection may use (for dropdowns)",
        security: [{ oauth2: ["locations:read"] }],
        response: {
          200: { type: "object", properties: { data: { type: "array", items: LOCATION_SCHEMA } } },
          401: ERROR,
          403: ERROR,
          429: ERROR,
        },
      },
    },
    async (request) => {
      const ctx = requestCtx(deps, request);
      const { locations } = await getIdentity({ ctx, input: { principal: principalOf(request) } });
      return { data: await presentLocations(locations, ctx, deps) };
    },
  );
}
