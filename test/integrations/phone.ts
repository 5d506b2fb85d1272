import type { TestServer } from "../helpers/server.js";

/**
 * An SMS arriving at a phone paired to `locationId`, reported to the server over the SMSGate
 * protocol by the simulated phone client. Filled in once the device simulator lands.
 */
export async function phoneReceivesSms(
  _s: TestServer,
  _sms: { locationId: string; from: string; text: string },
): Promise<void> {
  throw new Error(
    "the simulated phone (src/devices/simulator or src/gateway/simulator) is not available yet",
  );
}
