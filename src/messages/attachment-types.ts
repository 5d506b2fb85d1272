/**
 * Inbound MMS parts are untrusted content served from our own origin. The type the phone reports is
 * stored as it said, but a part is only ever served as one of these types (ones a browser cannot run
 * script in: no HTML, no SVG, no XML); anything else is served as application/octet-stream and as
 * a download.
 */
const INLINE: Record<string, "image" | "audio" | "video" | "text"> = {
  "image/jpeg": "image",
  "image/png": "image",
  "image/gif": "image",
  "image/webp": "image",
  "image/bmp": "image",
  "image/heic": "image",
  "image/heif": "image",
  "audio/amr": "audio",
  "audio/aac": "audio",
  "audio/mpeg": "audio",
  "audio/mp4": "audio",
  "audio/ogg": "audio",
  "audio/wav": "audio",
  "audio/3gpp": "audio",
  "video/mp4": "video",
  "video/3gpp": "video",
  "video/3gpp2": "video",
  "video/mpeg": "video",
  "video/webm": "video",
  "video/quicktime": "video",
  "text/plain": "text",
  "text/vcard": "text",
  "text/x-vcard": "text",
  "text/calendar": "text",
  "text/x-vcalendar": "text",
};

/** Phones and carriers spell a few types their own way. */
const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "audio/mp3": "audio/mpeg",
  "audio/x-wav": "audio/wav",
  "audio/3gp": "audio/3gpp",
  "video/3gp": "video/3gpp",
};

export type AttachmentKind = "image" | "audio" | "video" | "text" | "file";

/** The bare, lower-case type (`image/JPEG; name=a.jpg` → `image/jpeg`), aliases resolved. */
function essence(contentType: string): string {
  const t = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return ALIASES[t] ?? t;
}

/** What a part is for display: an allowed image, audio, video or text type, or a plain file. */
export function attachmentKind(contentType: string): AttachmentKind {
  return INLINE[essence(contentType)] ?? "file";
}

/** How a stored part is served: its Content-Type and Content-Disposition. */
export function servedAs(
  contentType: string,
  fileName: string | null,
  fallbackName: string,
): { contentType: string; disposition: string } {
  const type = essence(contentType);
  const kind = attachmentKind(contentType);
  // MMS text parts are UTF-8 in practice; naming the charset keeps browsers from guessing.
  const served =
    kind === "file" ? "application/octet-stream" : kind === "text" ? `${type}; charset=utf-8` : type;
  return {
    contentType: served,
    disposition: contentDisposition(kind === "file" ? "attachment" : "inline", fileName ?? fallbackName),
  };
}

/**
 * RFC 6266: a plain ASCII `filename` (quotes, backslashes, controls and path separators replaced)
 * for old clients, and `filename*` with the UTF-8 name for the rest.
 */
function contentDisposition(type: "inline" | "attachment", name: string): string {
  const base = wellFormed(name.split(/[/\\]/).pop() || "attachment", 150);
  const ascii = base.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  // encodeURIComponent leaves ' ( ) * alone; RFC 8187 does not allow them unescaped.
  const utf8 = encodeURIComponent(base).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/** Text from the phone as we keep it: no control characters (PostgreSQL refuses NUL), bounded. */
export function cleanText(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
  return wellFormed(value.replace(/[\u0000-\u001f\u007f]/g, ""), max);
}

/**
 * At most `max` code points, with lone surrogates (valid in JSON, not in UTF-8) replaced, so the
 * text can be stored and URL-encoded without throwing.
 */
function wellFormed(value: string, max: number): string {
  return Array.from(value.slice(0, max * 2))
    .slice(0, max)
    .map((c) => (c.length === 1 && c >= "\ud800" && c <= "\udfff" ? "\ufffd" : c))
    .join("");
}
