/** Phones: pairing, the SMSGate device protocol's verbs, routing and pacing, presence. */
export { authenticateDevice } from "./authenticate-device.js";
export { createPairing, type Pairing } from "./create-pairing.js";
export { deviceSettings, deviceWebhooks, ingestUrl, PHONE_EVENTS } from "./device-config.js";
export { ingestEvent } from "./ingest-event.js";
export { leaseMessages } from "./lease-messages.js";
export { devicePresence, listDevices, type LocationPresence } from "./list-devices.js";
export { maintainQueue } from "./maintain-queue.js";
export { getDevice, removeDevice, updatePacing } from "./manage-device.js";
export { type DeviceOptions, deviceOptions } from "./options.js";
export { type DeviceView, type Pacing, presentDevice, type SimCard } from "./presenters.js";
export { registerDevice } from "./register-device.js";
export { reportStates, type StateReport } from "./report-states.js";
export { updateDevice } from "./update-device.js";
export { presentMobileMessage } from "./mobile-message.js";
