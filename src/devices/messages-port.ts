/**
 * The two message verbs the phone layer drives (owned by the messages domain): every outbound status
 * change goes through transitionMessage (history + message_status webhooks), every inbound SMS through
 * recordInbound (de-duplication + new_message webhooks). One import point, so the phone layer's
 * dependency on messages is visible in one place.
 */
export { recordInbound, transitionMessage } from "../messages/index.js";
