import type { Ctx } from "../../src/context.js";
import type { TestServer } from "../helpers/server.js";

/**
 * An SMS arriving at a phone paired to `locationId`: the simulated SMSGate client pairs, starts (which
 * loads its settings and ingest URLs, as the Android app's start does), and posts the signed
 * `sms:received` event. The app only processes an SMS while it is running, so the phone is started
 * before the SMS arrives and stopped afterwards.
 */
export async function phoneReceivesSms(
  s: TestServer,
  ctx: Ctx,
  sms: { locationId: string; from: string; text: string },
): Promise<void> {
  // Loaded here so that only this step fails while the phone side is incomplete.
  const { createPairing } = await import("../../src/devices/index.js");
  const { SimulatedPhone } = await import("../../src/devices/simulator/phone.js");
  const pairing = await createPairing({ ctx, input: { locationId: sms.locationId, ttlMs: 10 * 60_000 } });
  const phone = new SimulatedPhone({ server: s.url, name: "Harness phone" });
  try {
    await phone.register({ token: pairing.token });
    await phone.start();
    // The start-up workers synced the webhooks already; syncing again costs nothing and keeps this
    // independent of how start() schedules them.
    await phone.refreshConfig();
    const status = await phone.receive(sms.from, sms.text);
    if (status < 200 || status > 299) throw new Error(`the server refused the inbound SMS: ${status}`);
  } finally {
    await phone.stop();
  }
}
