import { iso, isoOrNull } from "../core/clock.js";
import { isId } from "../core/ids.js";
import type { MessageEventRow, MessageRow } from "../store/repos/messages.js";
import type { AttachmentLinker } from "./media.js";

/**
 * A message as the API shows it. The seed's "Send a Message" fields come first, unchanged
 * (`id, phone, locationId, message, status, sent_at`); everything after them is additive.
 */
export interface MessageView {
  id: string;
  phone: string;
  locationId: string;
  message: string | null;
  status: string;
  sent_at: string | null;
  segments: number;
  encoding: string;
  direction: "outbound" | "inbound";
  attachments: string[];
  error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  failed_at: string | null;
}

export interface MessageHistoryItem {
  status: string;
  at: string;
  error: string | null;
  source: string;
}

/**
 * `link` turns stored inbound MMS parts (kept as attachment ids) into signed URLs; without it they
 * are left out. Outbound attachments are the caller's own URLs and are shown as given.
 */
export function presentMessage(m: MessageRow, link?: AttachmentLinker): MessageView {
  return {
    id: m.id,
    phone: m.phone,
    locationId: m.location_id,
    message: m.body,
    status: m.status,
    sent_at: isoOrNull(m.sent_at),
    segments: m.segments,
    encoding: m.encoding,
    direction: m.direction === "inbound" ? "inbound" : "outbound",
    attachments: presentAttachments(m.attachments, link),
    error: m.error,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
    delivered_at: isoOrNull(m.delivered_at),
    failed_at: isoOrNull(m.failed_at),
  };
}

export function presentHistory(events: MessageEventRow[]): MessageHistoryItem[] {
  return events.map((e) => ({
    status: e.status,
    at: iso(e.at),
    error: e.error,
    source: e.source,
  }));
}

export function parseList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** A message's attachment list as readers see it: stored parts as signed URLs, URLs as they are. */
function presentAttachments(json: string, link: AttachmentLinker | undefined): string[] {
  return parseList(json).flatMap((a) => (isId("attachment", a) ? (link ? [link(a)] : []) : [a]));
}

/**
 * The seed's `new_message` webhook payload, exact field names, plus `event` and `attachments` (an
 * MMS's parts as signed URLs that expire MMS_URL_TTL_SECONDS after the message arrived).
 */
export function newMessagePayload(m: MessageRow, link?: AttachmentLinker): Record<string, unknown> {
  return {
    event: "new_message",
    id: m.id,
    phone_number: m.phone,
    locationId: m.location_id,
    message: m.body ?? "",
    created_at: iso(m.created_at),
    attachments: presentAttachments(m.attachments, link),
  };
}

/** The contract's `message_status` payload. */
export function statusPayload(m: MessageRow): Record<string, unknown> {
  return {
    event: "message_status",
    id: m.id,
    phone: m.phone,
    locationId: m.location_id,
    status: m.status,
    error: m.error,
    updated_at: iso(m.updated_at),
  };
}
