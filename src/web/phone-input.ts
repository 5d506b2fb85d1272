import { type CountryCode, getExampleNumber, parsePhoneNumberFromString } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { countryOfTimeZone } from "../accounts/index.js";

/**
 * The dashboard's "To" field, in the location's terms: people type numbers the way they dial them
 * locally (03001234567 in Karachi), so the form accepts that and writes it as E.164 with the country the
 * location's time zone names. The API stays E.164 only (CONTRACT): this is a convenience of the form.
 */
export interface LocalPhone {
  /** ISO 3166 alpha-2, when the time zone has one (not UTC). */
  country: string | undefined;
  /** "Pakistan". */
  countryName: string | undefined;
  /** A mobile number of that country in E.164 (+923012345678), or the US one without a country. */
  e164: string;
  /** The same as dialled at home (0301 2345678), when there is a country. */
  national: string | undefined;
}

const regions = new Intl.DisplayNames(["en"], { type: "region" });

export function localPhone(timeZone: string): LocalPhone {
  const country = countryOfTimeZone(timeZone);
  const example = country ? getExampleNumber(country as CountryCode, examples) : undefined;
  if (!country || !example)
    return { country: undefined, countryName: undefined, e164: "+14155552671", national: undefined };
  return {
    country,
    countryName: regions.of(country),
    e164: example.number,
    national: example.formatNational(),
  };
}

/**
 * What the user typed as E.164: unchanged when it starts with `+` (or is not a number at all: the send
 * verb then names the problem); a national number valid in the location's country gets its country
 * code (spaces, dashes and brackets dropped), and so does one dialled with that country's international
 * prefix (00… in most countries, 011… in the US).
 */
export function toE164(raw: string, country: string | undefined): string {
  const typed = raw.trim();
  if (typed.startsWith("+") || !/^[\d\s().-]+$/.test(typed)) return typed;
  if (!country) return typed;
  const parsed = parsePhoneNumberFromString(typed, country as CountryCode);
  return parsed?.isValid() ? parsed.number : typed;
}
