import { createHmac } from "node:crypto";
import type { Config } from "../config/index.js";
import type { Ctx } from "../context.js";
import { safeEqual } from "../core/crypto.js";
import { isId } from "../core/ids.js";

/**
 * Inbound MMS parts are served from our own origin at `/media/{attachmentId}?exp=…&sig=…`: a URL that
 * works without a cookie (a webhook receiver such as Make fetches it), is bound to one attachment and
 * one expiry by an HMAC, and stops working at `exp`. Nothing about the link is stored: any node
 * with the instance secret can check it.
 */
export interface MediaOptions {
  /** The main host as reached from outside (PUBLIC_URL), no trailing slash. */
  publicUrl: string;
  /** HMAC-SHA256 key of media URLs, derived from the instance secret (never the secret itself). */
  key: Buffer;
  /** How long a URL stays valid after it is issued (MMS_URL_TTL_SECONDS). */
  urlTtlMs: number;
  /** The most attachment bytes stored per message (MMS_MAX_BYTES). */
  maxBytes: number;
}

export const MEDIA_PATH = "/media";

let derived: { secret: string; key: Buffer } | undefined;

/**
 * Built per request from Config (PUBLIC_URL can change after start-up, e.g. a port learnt at listen
 * time); the key derivation is remembered so that costs one HMAC per secret, not per request.
 */
export function mediaOptions(config: Config, secret: string): MediaOptions {
  if (derived?.secret !== secret) {
    derived = { secret, key: createHmac("sha256", secret).update("mycrmsim media urls v1").digest() };
  }
  return {
    publicUrl: config.publicUrl,
    key: derived.key,
    urlTtlMs: config.mmsUrlTtlSeconds * 1000,
    maxBytes: config.mmsMaxBytes,
  };
}

/**
 * Expiry instants are rounded up to a step (an hour for the default week), so every read within the
 * step gives the same URL: receivers and browsers can cache it, and the dashboard's live refresh does
 * not reload images. The step is a small fraction of the TTL, so short TTLs stay short.
 */
function expiry(ttlMs: number, now: number): number {
  const ttl = Math.ceil(ttlMs / 1000);
  const step = roundingStep(ttl);
  return Math.ceil((now / 1000 + ttl) / step) * step;
}

function roundingStep(ttlSeconds: number): number {
  return Math.min(3600, Math.max(1, Math.floor(ttlSeconds / 24)));
}

function mac(key: Buffer, id: string, exp: number): string {
  return createHmac("sha256", key).update(`${id}.${exp}`).digest("base64url");
}

/** `/media/{id}?exp=…&sig=…`, relative to the main host (the dashboard uses it as is). */
export function signedMediaPath(media: MediaOptions, id: string, now: number): string {
  const exp = expiry(media.urlTtlMs, now);
  return `${MEDIA_PATH}/${id}?exp=${exp}&sig=${mac(media.key, id, exp)}`;
}

/** The absolute URL webhooks and the API hand out. */
export function signedMediaUrl(media: MediaOptions, id: string, now: number): string {
  return `${media.publicUrl}${signedMediaPath(media, id, now)}`;
}

/**
 * True only for a URL we issued for this attachment that has not expired. An expiry further ahead
 * than the current TTL allows is refused too, so lowering MMS_URL_TTL_SECONDS shortens links already
 * handed out. Callers answer every `false` the same way, so a prober learns nothing.
 */
export function verifyMediaUrl(
  media: MediaOptions,
  link: { id: string; exp: string | undefined; sig: string | undefined },
  now: number,
): boolean {
  if (!isId("attachment", link.id) || !link.exp || !link.sig) return false;
  if (!/^\d{1,12}$/.test(link.exp)) return false;
  const exp = Number(link.exp);
  const ttl = Math.ceil(media.urlTtlMs / 1000);
  if (exp * 1000 <= now || exp * 1000 > now + (ttl + roundingStep(ttl)) * 1000) return false;
  return safeEqual(mac(media.key, link.id, exp), link.sig);
}

/** Turns a stored attachment id into the URL a reader gets. */
export type AttachmentLinker = (attachmentId: string) => string;

/**
 * The linker for this request, or undefined where there is no media configuration (jobs, the CLI):
 * presenters then leave inbound attachments out rather than show a URL that cannot work.
 */
export function attachmentLinker(ctx: Ctx): AttachmentLinker | undefined {
  const media = ctx.media;
  if (!media) return undefined;
  const now = ctx.clock.now();
  return (id) => signedMediaUrl(media, id, now);
}

/**
 * The request body limit the phone ingest route needs. An MMS arrives as one JSON webhook with its
 * parts in base64 (4/3 of their size), and one somewhat over MMS_MAX_BYTES must still get in, to be
 * stored with its extra parts dropped: a body refused at the door is an inbound message lost (the
 * phone retries, then gives up). Room for twice the cap, plus 1 MiB for the rest of the envelope.
 */
export function ingestBodyLimit(config: Config): number {
  return Math.ceil((config.mmsMaxBytes * 2 * 4) / 3) + 1024 * 1024;
}
