import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import {
  deviceSettings,
  deviceWebhooks,
  leaseMessages,
  presentMobileMessage,
  recordConfigFetch,
  reportStates,
} from "../devices/index.js";
import { requestCtx } from "../http/deps.js";
import { eventsRoute } from "./events-route.js";
import { deviceOf, type GatewayDeps } from "./index.js";

const Report = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  state: Type.String({ maxLength: 32 }),
  recipients: Type.Optional(
    Type.Array(
      Type.Object({
        phoneNumber: Type.Optional(Type.String({ maxLength: 64 })),
        state: Type.Optional(Type.String({ maxLength: 32 })),
        // Not capped here: a phone whose report we refused would re-post it until it gives up, and
        // the outcome would be lost. applyPhoneOutcome cuts the text to the column's length.
        error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      }),
      { maxItems: 1000 },
    ),
  ),
  states: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 64 }))),
});

/** The work loop: fetch (lease), report states, settings, webhooks, and the event stream. */
export async function messageRoutes(base: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  // Before the body is read or validated (finding L2).
  app.addHook("onRequest", deps.deviceAuth);

  for (const path of ["/message", "/messages"]) {
    app.get(
      path,
      {
        schema: {
          querystring: Type.Object({
            order: Type.Optional(Type.Union([Type.Literal("lifo"), Type.Literal("fifo")])),
          }),
        },
      },
      async (request) => {
        const rows = await leaseMessages({
          ctx: requestCtx(deps, request),
          input: {
            device: deviceOf(request),
            lifo: request.query.order === "lifo",
            leaseMs: deps.opts.leaseMs,
            onlineMs: deps.opts.onlineMs,
            ttlMs: deps.opts.ttlMs,
          },
        });
        return rows.map((m) => presentMobileMessage(m, deps.opts.ttlMs));
      },
    );
    app.patch(path, { schema: { body: Type.Array(Report, { maxItems: 500 }) } }, async (request, reply) => {
      await reportStates({
        ctx: requestCtx(deps, request),
        input: { device: deviceOf(request), reports: request.body },
      });
      return reply.code(204).send();
    });
  }

  // Each answer is recorded: a phone that has both since it registered needs no more nudging, and an
  // inbox export owed to it can go out (from the node that holds its stream).
  const recorded = async (request: FastifyRequest, what: "settings" | "webhooks") => {
    const device = deviceOf(request);
    const r = await recordConfigFetch({ ctx: requestCtx(deps, request), input: { device, what } });
    if (r.exportDue) await deps.store.notify("device_export", device.id);
    return device;
  };
  app.get("/webhooks", async (request) =>
    deviceWebhooks(await recorded(request, "webhooks"), deps.config.dispatchUrl),
  );
  app.get("/settings", async (request) =>
    deviceSettings(await recorded(request, "settings"), deps.opts.secret),
  );
  await eventsRoute(app, deps);
}
