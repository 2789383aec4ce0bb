import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Tells whether a remote party is abroad for an account in `homeCountry`. Only telephone numbers
 * can be: SIP addresses, Twilio Client identities and SIM SIDs are reached over the Internet.
 */
export function isInternationalAddress(address: string | null, homeCountry: string): boolean {
  if (!address) return false;
  const value = address.trim();
  if (/^(sip:|client:|sim:)/i.test(value) || value.includes('@')) return false;
  if (!value.startsWith('+')) return false;

  const number = parsePhoneNumberFromString(value);
  if (!number) return false;
  // Numbers of shared calling codes (+1, +7, +44...) resolve to one country through the full metadata.
  // Non-geographic numbers (+800, +882...) have no country, so they are compared by calling code.
  if (number.country) return number.country !== homeCountry;
  return number.countryCallingCode !== getCountryCallingCode(homeCountry as CountryCode);
}
