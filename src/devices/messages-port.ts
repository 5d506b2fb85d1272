/**
 * The two message verbs the phone layer drives (owned by the messages domain): every outbound status
 * change goes through transitionMessage (history + message_status webhooks), every inbound SMS through
 * recordInbound (de-duplication + new_message webhooks).
 */
import type { Ctx } from "../context.js";

type Messages = typeof import("../messages/index.js");

// Loaded on first use, so the phone layer (and the app importing it) starts even when the messages
// domain is absent from a partial build.
let loaded: Promise<Messages> | undefined;
const messages = (): Promise<Messages> => {
  loaded ??= import("../messages/index.js");
  return loaded;
};

export interface TransitionInput {
  messageId: string;
  status: "dispatched" | "sent" | "delivered" | "failed" | "expired";
  error?: string;
  at?: number;
  deviceId?: string;
  simNumber?: number;
  source: "phone" | "system";
}

export async function transitionMessage(args: { ctx: Ctx; input: TransitionInput }): Promise<unknown> {
  return (await messages()).transitionMessage(args as never);
}

export interface InboundInput {
  locationId: string;
  phone: string;
  body: string;
  attachments?: string[];
  receivedAt: number;
  dedupeKey: string;
  deviceId?: string;
  simNumber?: number;
}

export async function recordInbound(args: { ctx: Ctx; input: InboundInput }): Promise<unknown> {
  return (await messages()).recordInbound(args as never);
}
