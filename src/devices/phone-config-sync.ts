import type { Ctx } from "../context.js";
import type { DeviceRow } from "../store/repos/devices.js";
import { devices as repo } from "../store/repos/index.js";

/**
 * Keeping the stock app's settings and webhooks current. On a "sign up" first start the app's
 * settings and webhooks workers run before its registration has finished, find no registration and
 * fetch nothing; without a nudge it holds no webhook URLs and no signing key until it is restarted or
 * 24 h pass, and every SMS it receives meanwhile is lost. The server tracks what the phone fetched
 * since it last registered and says `SettingsUpdated`/`WebhooksUpdated` on its event stream until it
 * has both; an inbox export owed to it (after pairing, after a long absence) waits until then, since
 * the phone can only post what it re-reads once it knows where to.
 */

function fetchedSince(at: number | null, registeredAt: number | null): boolean {
  return at !== null && Number(at) >= Number(registeredAt ?? 0);
}

/** The events a phone needs as soon as its stream opens. */
export function streamGreeting(device: DeviceRow): { events: string[]; exportDue: boolean } {
  const settings = fetchedSince(device.settings_fetched_at, device.registered_at);
  const webhooks = fetchedSince(device.webhooks_fetched_at, device.registered_at);
  return {
    events: [...(settings ? [] : ["SettingsUpdated"]), ...(webhooks ? [] : ["WebhooksUpdated"])],
    exportDue: device.export_since !== null && settings && webhooks,
  };
}

/** GET /settings or GET /webhooks was answered: record it; says whether an owed export is now due. */
export async function recordConfigFetch({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { device: DeviceRow; what: "settings" | "webhooks" };
}): Promise<{ exportDue: boolean }> {
  const { device } = input;
  const now = ctx.clock.now();
  if (input.what === "settings") {
    await repo.devices.update(ctx.db, device.id, { settings_fetched_at: now });
    device.settings_fetched_at = now;
  } else {
    await repo.devices.update(ctx.db, device.id, { webhooks_fetched_at: now });
    device.webhooks_fetched_at = now;
  }
  return { exportDue: streamGreeting(device).exportDue };
}

/**
 * Take the inbox export owed to a phone, as the `MessagesExportRequested` payload the app reads
 * (`since`/`until` dates, types, re-post as webhooks); undefined when none is owed or another node
 * took it. The app skips SMS it already processed, and our de-duplication stores any repeat once.
 */
export async function takeInboxExport({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { deviceId: string };
}): Promise<{ since: string; until: string; messageTypes: string; triggerWebhooks: boolean } | undefined> {
  const since = await repo.devices.takeExport(ctx.db, input.deviceId);
  if (since === undefined) return undefined;
  return {
    since: new Date(since).toISOString(),
    until: new Date(ctx.clock.now()).toISOString(),
    messageTypes: "SMS,MMS",
    triggerWebhooks: true,
  };
}
