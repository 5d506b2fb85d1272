/** The messages domain: outbound SMS/MMS, inbound messages, their lifecycle and history. */
export { type AttachmentKind, attachmentKind } from "./attachment-types.js";
export { removeExpiredIdempotencyKeys } from "./cleanup.js";
export { characterCount, type Encoding, segmentInfo } from "./encoding.js";
export { getAttachment, type ServedAttachment } from "./get-attachment.js";
export { getMessage } from "./get-message.js";
export { type InboundPart, MAX_INBOUND_PARTS } from "./inbound-parts.js";
export { type AttachmentView, listAttachments } from "./list-attachments.js";
export { listMessages, type MessagePage, STATUSES } from "./list-messages.js";
export {
  attachmentLinker,
  ingestBodyLimit,
  MEDIA_PATH,
  type MediaOptions,
  mediaOptions,
  signedMediaUrl,
} from "./media.js";
export { type MessageHistoryItem, type MessageView, presentMessage } from "./presenters.js";
export { recordInbound } from "./record-inbound.js";
export { removeOldAttachments } from "./remove-old-attachments.js";
export { IDEMPOTENCY_TTL_MS, type SendInput, type SendResult, sendMessage } from "./send-message.js";
export { type OutboundStatus, transitionMessage } from "./transition-message.js";
export { MAX_MESSAGE_CHARS } from "./validate.js";
