import type { FastifyInstance } from "fastify";
import { devices as repo } from "../store/repos/index.js";
import { deviceOf, type GatewayDeps } from "./index.js";

const KEEPALIVE_MS = 15_000;

/**
 * GET /events: Server-Sent Events, SMSGate framing (`event: <Type>\ndata: <json>\n\n`), a
 * `:keepalive` comment every 15 s. Phones on streams count as online: each keepalive round also
 * records them as seen (one UPDATE for all of this node's phones).
 */
export async function eventsRoute(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const { hub, store } = deps;
  // One at a time: the PostgreSQL store opens its LISTEN connection on the first call, and concurrent
  // first calls would each open one (the extras then keep the process alive).
  const unlisten = [
    await store.listen("message_enqueued", (locationId) => hub.toLocation(locationId, "MessageEnqueued")),
    await store.listen("device_settings", (deviceId) => hub.toDevice(deviceId, "SettingsUpdated")),
    await store.listen("device_webhooks", (deviceId) => hub.toDevice(deviceId, "WebhooksUpdated")),
    await store.listen("device_removed", (deviceId) => hub.close(deviceId)),
  ];
  const timer = setInterval(() => {
    hub.keepalive();
    const ids = hub.deviceIds();
    if (ids.length > 0) {
      repo.devices.touch(store.db, ids, deps.clock.now(), KEEPALIVE_MS / 2).catch((e) => {
        app.log.warn({ err: e }, "could not record phone presence");
      });
    }
  }, KEEPALIVE_MS);
  timer.unref();
  // Streams never finish on their own: end them first so a graceful shutdown is not held open.
  app.addHook("preClose", async () => {
    clearInterval(timer);
    hub.close();
    for (const u of unlisten) await u();
  });

  app.get("/events", async (request, reply) => {
    const device = deviceOf(request);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": request.id,
    });
    res.write(":connected\n\n");
    const stream = { deviceId: device.id, locationId: device.location_id, res };
    hub.add(stream);
    request.raw.socket.setKeepAlive(true);
    res.on("close", () => hub.remove(stream));
  });
}
