/** The messages domain: outbound SMS/MMS, inbound messages, their lifecycle and history. */
export { removeExpiredIdempotencyKeys } from "./cleanup.js";
export { characterCount, type Encoding, segmentInfo } from "./encoding.js";
export { getMessage } from "./get-message.js";
export { listMessages, type MessagePage, STATUSES } from "./list-messages.js";
export { type MessageHistoryItem, type MessageView, presentMessage } from "./presenters.js";
export { recordInbound } from "./record-inbound.js";
export { IDEMPOTENCY_TTL_MS, type SendInput, type SendResult, sendMessage } from "./send-message.js";
export { type OutboundStatus, transitionMessage } from "./transition-message.js";
export { MAX_MESSAGE_CHARS } from "./validate.js";
