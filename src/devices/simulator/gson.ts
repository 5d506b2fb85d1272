/**
 * JSON the way the SMSGate app's Gson writes it: nulls and undefined omitted, and HTML-safe escaping
 * (`< > & = '` as \u003c …). Our signature checks run over these exact bytes, so the simulated phone
 * must not produce something friendlier than the real one.
 */
export function gsonStringify(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (v === null ? undefined : v)) ?? "null";
  return text.replace(/[<>&='\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
