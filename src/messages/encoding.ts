/**
 * GSM 03.38 encoding and SMS segment counting. Written here rather than taken from a package: the
 * maintained calculators either pull in a browser bundle or count the extension table wrongly, and
 * the rule is small and fixed by the standard.
 */

// The GSM-7 default alphabet (one septet each).
const BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
// The extension table: each costs an escape plus the character (two septets).
const EXTENSION = "^{}\\[~]|€\f";

const basic = new Set(BASIC);
const extension = new Set(EXTENSION);

export type Encoding = "GSM-7" | "UCS-2";

export interface SegmentInfo {
  encoding: Encoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
}

/** How the phone will encode `text` and how many SMS parts it becomes (0 for an empty text). */
export function segmentInfo(text: string): SegmentInfo {
  let septets = 0;
  for (const ch of text) {
    if (basic.has(ch)) septets += 1;
    else if (extension.has(ch)) septets += 2;
    else return ucs2(text);
  }
  if (septets === 0) return { encoding: "GSM-7", segments: 0, units: 0 };
  // A concatenated part carries a 7-septet header: 153 septets each, and an escape pair is never split.
  if (septets <= 160) return { encoding: "GSM-7", segments: 1, units: septets };
  let segments = 1;
  let used = 0;
  for (const ch of text) {
    const cost = extension.has(ch) ? 2 : 1;
    if (used + cost > 153) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding: "GSM-7", segments, units: septets };
}

function ucs2(text: string): SegmentInfo {
  const units = text.length;
  if (units <= 70) return { encoding: "UCS-2", segments: 1, units };
  // 67 code units per part, and a surrogate pair (emoji) is never split across two parts.
  let segments = 1;
  let used = 0;
  for (const ch of text) {
    const cost = ch.length;
    if (used + cost > 67) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding: "UCS-2", segments, units };
}

/** Characters as a person counts them (code points, so an emoji is one). */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
