/**
 * The two message verbs the phone layer drives (owned by the messages domain): every outbound status
 * change goes through transitionMessage (history + message_status webhooks), every inbound SMS through
 * recordInbound (de-duplication + new_message webhooks).
 */
export { recordInbound, transitionMessage } from "../messages/index.js";
