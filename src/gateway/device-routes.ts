import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AppError } from "../core/errors.js";
import { authenticateDevice, registerDevice, updateDevice, withPairingThrottle } from "../devices/index.js";
import { requestCtx } from "../http/deps.js";
import { bearer, deviceOf, type GatewayDeps } from "./index.js";

const SimCard = Type.Object({
  slotIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
  simNumber: Type.Integer({ minimum: 1, maximum: 8 }),
  phoneNumber: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
  carrierName: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
  iccid: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
});
const SimCards = Type.Array(SimCard, { maxItems: 8 });
const PushToken = Type.Union([Type.String({ maxLength: 256 }), Type.Null()]);
const PAIRING_AUTH = /^(Bearer|Code) ([\x21-\x7e]+)$/i;

/** Registration and the device record: POST, GET and PATCH /device. */
export async function deviceRoutes(base: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/device",
    {
      // The credential's form is checked before the body is read (finding L2); its value, with the
      // throttle, in the handler.
      onRequest: async (request) => {
        if (!PAIRING_AUTH.test(request.headers.authorization ?? "")) {
          throw new AppError("unauthorized", "Authorization: Bearer <pairing token> or Code <code> required");
        }
      },
      schema: {
        body: Type.Object({
          name: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
          pushToken: Type.Optional(PushToken),
          simCards: Type.Optional(SimCards),
        }),
      },
    },
    async (request, reply) => {
      const m = PAIRING_AUTH.exec(request.headers.authorization ?? "");
      if (!m?.[1] || !m[2]) {
        throw new AppError("unauthorized", "Authorization: Bearer <pairing token> or Code <code> required");
      }
      const ctx = requestCtx(deps, request);
      const kind = m[1].toLowerCase() === "code" ? "code" : "bearer";
      const value = m[2];
      // Throttled before the credential is checked (finding M2); 429 with Retry-After when spent.
      const limits = {
        failuresPerAddressPerMinute: deps.config.pairingFailuresPerAddressPerMinute,
        codeFailuresPerMinute: deps.config.pairingCodeFailuresPerMinute,
      };
      const reg = await withPairingThrottle({ ctx, input: { address: request.ip, kind, limits } }, () =>
        registerDevice({
          ctx,
          input: {
            credential: { kind, value },
            name: request.body.name ?? undefined,
            pushToken: request.body.pushToken ?? null,
            simCards: request.body.simCards?.map((s) => ({
              ...s,
              phoneNumber: s.phoneNumber ?? undefined,
              carrierName: s.carrierName ?? undefined,
            })),
            secret: deps.opts.secret,
          },
        }),
      );
      return reply.code(201).send(reg);
    },
  );

  // Auth is optional here: the app calls it to learn its external IP.
  app.get("/device", async (request) => {
    const token = bearer(request);
    const device = token
      ? await authenticateDevice({
          ctx: requestCtx(deps, request),
          input: { token, onlineMs: deps.opts.onlineMs, userAgent: request.headers["user-agent"] },
        }).catch(() => undefined)
      : undefined;
    return {
      ...(device
        ? {
            device: {
              id: device.id,
              name: device.name,
              createdAt: new Date(Number(device.created_at)).toISOString(),
              updatedAt: new Date(Number(device.updated_at)).toISOString(),
              lastSeen: new Date(Number(device.last_seen_at ?? device.created_at)).toISOString(),
            },
          }
        : {}),
      externalIp: request.ip,
    };
  });

  app.patch(
    "/device",
    {
      onRequest: deps.deviceAuth,
      schema: {
        body: Type.Object({
          id: Type.String({ maxLength: 64 }),
          pushToken: Type.Optional(PushToken),
          simCards: Type.Optional(SimCards),
        }),
      },
    },
    async (request, reply) => {
      await updateDevice({
        ctx: requestCtx(deps, request),
        input: {
          device: deviceOf(request),
          id: request.body.id,
          pushToken: request.body.pushToken ?? null,
          simCards: request.body.simCards?.map((s) => ({
            ...s,
            phoneNumber: s.phoneNumber ?? undefined,
            carrierName: s.carrierName ?? undefined,
          })),
        },
      });
      return reply.code(204).send();
    },
  );
}
