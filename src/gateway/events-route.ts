import type { FastifyInstance } from "fastify";
import { streamGreeting, takeInboxExport } from "../devices/index.js";
import { devices as repo } from "../store/repos/index.js";
import { deviceOf, type GatewayDeps } from "./index.js";

/** SMSGate's server comments every 15 s; faster when phones count as offline sooner than 45 s. */
const MAX_KEEPALIVE_MS = 15_000;

/**
 * An owed inbox export goes out this long after the phone fetched its webhooks: the app stores the
 * fetched list a moment after our answer, and an export it runs before that posts nowhere.
 */
export const EXPORT_DELAY_MS = 2_000;

/**
 * GET /events: Server-Sent Events, SMSGate framing (`event: <Type>\ndata: <json>\n\n`), a
 * `:keepalive` comment every 15 s. Phones on streams count as online: each keepalive round also
 * records them as seen (one UPDATE for all of this node's phones). A stream opening is where a phone
 * that never fetched its settings or webhooks is told to (see devices/phone-config-sync.ts), and where
 * an inbox export owed to it is sent.
 */
export async function eventsRoute(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const { hub, store } = deps;
  const keepaliveMs = Math.min(MAX_KEEPALIVE_MS, Math.floor(deps.opts.onlineMs / 3));
  const timers = new Set<NodeJS.Timeout>();
  const ctx = { store, db: store.db, clock: deps.clock, log: app.log };
  // The export waits for the phone to have stored its webhooks; only the node holding its stream acts.
  const scheduleExport = (deviceId: string) => {
    if (!hub.isStreaming(deviceId)) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!hub.isStreaming(deviceId)) return;
      takeInboxExport({ ctx, input: { deviceId } })
        .then((payload) => {
          if (payload) hub.toDevice(deviceId, "MessagesExportRequested", payload);
        })
        .catch((e) => app.log.warn({ err: e }, "could not send the inbox export"));
    }, EXPORT_DELAY_MS);
    t.unref();
    timers.add(t);
  };
  // One at a time: the PostgreSQL store opens its LISTEN connection on the first call, and concurrent
  // first calls would each open one (the extras then keep the process alive).
  const unlisten = [
    await store.listen("message_enqueued", (locationId) => hub.toLocation(locationId, "MessageEnqueued")),
    await store.listen("device_settings", (deviceId) => hub.toDevice(deviceId, "SettingsUpdated")),
    await store.listen("device_webhooks", (deviceId) => hub.toDevice(deviceId, "WebhooksUpdated")),
    await store.listen("device_export", (deviceId) => scheduleExport(deviceId)),
    await store.listen("device_cancel", (payload) => {
      const [deviceId, messageId] = payload.split(" ");
      if (deviceId && messageId) hub.toDevice(deviceId, "MessageCancelled", { messageId });
    }),
    await store.listen("device_removed", (deviceId) => hub.close(deviceId)),
  ];
  const timer = setInterval(() => {
    hub.keepalive();
    const ids = hub.deviceIds();
    if (ids.length > 0) {
      repo.devices.touch(store.db, ids, deps.clock.now(), keepaliveMs / 2).catch((e) => {
        app.log.warn({ err: e }, "could not record phone presence");
      });
    }
  }, keepaliveMs);
  timer.unref();
  // Streams never finish on their own: end them first so a graceful shutdown is not held open.
  app.addHook("preClose", async () => {
    clearInterval(timer);
    for (const t of timers) clearTimeout(t);
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
    const greeting = streamGreeting(device);
    for (const event of greeting.events) hub.toDevice(device.id, event);
    if (greeting.exportDue) scheduleExport(device.id);
  });
}
