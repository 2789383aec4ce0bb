import { isSupportedCountry } from 'libphonenumber-js/max';
import { invalidField, missingField } from '../errors.js';

export const CALL_SID_PATTERN = /^CA[0-9a-fA-F]{32}$/;
export const TWILIO_ACCOUNT_SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;
const MAX_NAME_LENGTH = 200;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function requireText(fieldName: string, value: string | undefined, maxLength = MAX_NAME_LENGTH): string {
  const text = value?.trim();
  if (!text) throw missingField(fieldName);
  if (text.length > maxLength) throw invalidField(fieldName, `'${fieldName}' must be at most ${maxLength} characters.`, 'MaxLength');
  return text;
}

/** Trims optional free text; empty means absent. */
export function optionalText(fieldName: string, value: string | undefined, maxLength = MAX_NAME_LENGTH): string | null {
  const text = value?.trim();
  if (!text) return null;
  if (text.length > maxLength) throw invalidField(fieldName, `'${fieldName}' must be at most ${maxLength} characters.`, 'MaxLength');
  return text;
}

export function checkCallSid(fieldName: string, value: string): string {
  if (!CALL_SID_PATTERN.test(value)) {
    throw invalidField(fieldName, `'${fieldName}' must be a Twilio call SID: CA followed by 32 hexadecimal digits.`, 'InvalidCallSid');
  }
  return value;
}

export function checkTwilioAccountSid(value: string): string {
  if (!TWILIO_ACCOUNT_SID_PATTERN.test(value)) {
    throw invalidField('twilioAccountSid', "'twilioAccountSid' must be a Twilio account SID: AC followed by 32 hexadecimal digits.");
  }
  return value;
}

export function checkCountryCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
    throw invalidField('countryCode', `'countryCode' must be an ISO 3166 alpha-2 country code such as US or GB, not '${value}'.`);
  }
  return code;
}

export function checkTimeZone(value: string): string {
  const zone = value.trim();
  // Abbreviations such as EST name no IANA zone with daylight saving rules; only Region/City and UTC do.
  if (!zone.includes('/') && zone.toUpperCase() !== 'UTC') {
    throw invalidField('timeZone', `'timeZone' must be an IANA time zone such as America/New_York or UTC, not the abbreviation '${value}'.`);
  }
  try {
    // Canonical IANA spelling, so that PostgreSQL's time zone table finds the same zone.
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw invalidField('timeZone', `'timeZone' must be an IANA time zone such as America/New_York or UTC, not '${value}'.`);
  }
}

export function checkCurrency(value: string): string {
  const code = value.trim().toUpperCase();
  if (!CURRENCIES.has(code)) throw invalidField('currency', `'currency' must be an ISO 4217 currency code such as USD, not '${value}'.`);
  return code;
}
