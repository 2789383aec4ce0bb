import { TwilioError } from './errors.js';
import { parseRfc2822Date } from './rfc2822.js';
import type { TwilioCall, TwilioRecording } from './types.js';

export const ACCOUNT_SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;
export const CALL_SID_PATTERN = /^CA[0-9a-fA-F]{32}$/;
export const RECORDING_SID_PATTERN = /^RE[0-9a-fA-F]{32}$/;

// Twilio prices are signed decimal strings such as "-0.0130"; more digits than this are not a price.
const DECIMAL_PATTERN = /^-?\d{1,15}(?:\.\d{1,20})?$/;
const WHOLE_SECONDS_PATTERN = /^\d+$/;
// Durations are stored as 32-bit integers; a longer call than this (68 years) is not a call.
const MAX_SECONDS = 2_147_483_647;
// C0 and C1 control characters never appear in Twilio's values, and PostgreSQL rejects NUL.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

type JsonObject = Record<string, unknown>;

/** One page of a Twilio list response. */
export interface ListPage {
  items: unknown[];
  /** Next page's path relative to the base URL, or null on the last page. */
  nextPageUri: string | null;
  /** This page's own path as Twilio reports it, when present. */
  uri: string | null;
}

export function parseCall(body: unknown, expectedAccountSid: string): TwilioCall {
  const call = requireObject(body, 'call');
  const accountSid = readRequiredSid(call, 'account_sid', ACCOUNT_SID_PATTERN, 'call');
  if (accountSid !== expectedAccountSid) {
    throw invalid(`call belongs to account ${accountSid}, not to the requested account ${expectedAccountSid}`);
  }
  return {
    sid: readRequiredSid(call, 'sid', CALL_SID_PATTERN, 'call'),
    parentCallSid: readOptionalSid(call, 'parent_call_sid', CALL_SID_PATTERN, 'call'),
    accountSid,
    to: readOptionalString(call, 'to', 'call'),
    from: readOptionalString(call, 'from', 'call'),
    status: readRequiredString(call, 'status', 'call'),
    direction: readOptionalString(call, 'direction', 'call'),
    startTime: readOptionalDate(call, 'start_time', 'call'),
    endTime: readOptionalDate(call, 'end_time', 'call'),
    durationSeconds: readOptionalSeconds(call, 'duration', 'call'),
    price: readOptionalPrice(call, 'price', 'call', false),
    priceUnit: readOptionalString(call, 'price_unit', 'call'),
  };
}

export function parseRecording(body: unknown): TwilioRecording {
  const recording = requireObject(body, 'recording');
  return {
    sid: readRequiredSid(recording, 'sid', RECORDING_SID_PATTERN, 'recording'),
    callSid: readRequiredSid(recording, 'call_sid', CALL_SID_PATTERN, 'recording'),
    status: readOptionalString(recording, 'status', 'recording'),
    durationSeconds: readOptionalSeconds(recording, 'duration', 'recording'),
    // Twilio's OpenAPI file types recording prices as numbers while its examples show strings.
    price: readOptionalPrice(recording, 'price', 'recording', true),
    priceUnit: readOptionalString(recording, 'price_unit', 'recording'),
  };
}

/** Reads a list response whose items are under `itemsKey` ("calls", "recordings"). */
export function parseListPage(body: unknown, itemsKey: string): ListPage {
  const page = requireObject(body, 'list page');
  const items = page[itemsKey];
  if (!Array.isArray(items)) {
    throw invalid(`list page has no "${itemsKey}" array`);
  }
  return {
    items,
    nextPageUri: readOptionalString(page, 'next_page_uri', 'list page'),
    uri: readOptionalString(page, 'uri', 'list page'),
  };
}

function requireObject(value: unknown, resource: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${resource} is not a JSON object`);
  }
  return value as JsonObject;
}

function readRequiredString(object: JsonObject, key: string, resource: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '' || CONTROL_CHARACTERS.test(value) || !value.isWellFormed()) {
    throw invalid(`${resource} has a missing or invalid "${key}": expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function readRequiredSid(object: JsonObject, key: string, pattern: RegExp, resource: string): string {
  const value = object[key];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalid(`${resource} has a missing or invalid "${key}": expected a SID matching ${pattern}, got ${describe(value)}`);
  }
  return value;
}

// Optional fields accept null or absence, which both mean "no value".
function readOptionalString(object: JsonObject, key: string, resource: string): string | null {
  const value = object[key];
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'string' || CONTROL_CHARACTERS.test(value) || !value.isWellFormed()) {
    throw invalid(`${resource} has an invalid "${key}": expected a string or null, got ${describe(value)}`);
  }
  return value;
}

function readOptionalSid(object: JsonObject, key: string, pattern: RegExp, resource: string): string | null {
  const value = readOptionalString(object, key, resource);
  if (value === null) {
    return null;
  }
  if (!pattern.test(value)) {
    throw invalid(`${resource} has an invalid "${key}": expected a SID matching ${pattern}, got ${describe(value)}`);
  }
  return value;
}

// Twilio leaves times, durations and prices empty until a call ends, so "" is read as null too.
function readOptionalDate(object: JsonObject, key: string, resource: string): Date | null {
  const value = readOptionalString(object, key, resource);
  if (value === null || value === '') {
    return null;
  }
  const date = parseRfc2822Date(value);
  if (date === null) {
    throw invalid(`${resource} has an invalid "${key}": expected an RFC 2822 date, got ${describe(value)}`);
  }
  return date;
}

function readOptionalSeconds(object: JsonObject, key: string, resource: string): number | null {
  const value = readOptionalString(object, key, resource);
  if (value === null || value === '') {
    return null;
  }
  if (!WHOLE_SECONDS_PATTERN.test(value) || Number(value) > MAX_SECONDS) {
    throw invalid(`${resource} has an invalid "${key}": expected whole seconds as a string, got ${describe(value)}`);
  }
  return Number(value);
}

function readOptionalPrice(object: JsonObject, key: string, resource: string, allowNumber: boolean): string | null {
  const value = object[key];
  // NOTE: a JSON number has already lost trailing zeros, so "-0.0100" would come back as "-0.01".
  const text = allowNumber && typeof value === 'number' ? String(value) : readOptionalString(object, key, resource);
  if (text === null || text === '') {
    return null;
  }
  if (!DECIMAL_PATTERN.test(text)) {
    throw invalid(`${resource} has an invalid "${key}": expected a decimal string such as "-0.0130", got ${describe(text)}`);
  }
  return text;
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  // Escaped so that control characters from the response never reach a log line or a stored reason.
  const text = JSON.stringify(value).replace(/[\u0000-\u001F\u007F-\u009F]/g, '?');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(message: string): TwilioError {
  return new TwilioError('InvalidResponse', `Invalid Twilio response: ${message}`);
}
