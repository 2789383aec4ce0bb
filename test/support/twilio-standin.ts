/**
 * Twilio REST API stand-in on loopback for tests, the demo and the benchmark. It serves the call,
 * child-call and call-recording endpoints of API v2010 and validates every 2xx body it sends
 * against the schemas in twilio-schemas.json, which were extracted from Twilio's OpenAPI file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { formatRfc2822Date, parseRfc2822Date } from '../../src/twilio/rfc2822.js';

export interface StandinCall {
  sid: string;
  parentCallSid?: string | null;
  accountSid: string;
  from: string;
  to: string;
  direction: string;
  status: string;
  startTime: Date;
  durationSeconds: number | null;
  price: string | null;
  priceUnit?: string;
}

export interface StandinRecording {
  sid: string;
  callSid: string;
  accountSid: string;
  price: string | null;
  durationSeconds: number;
  status?: string;
  priceUnit?: string;
  /** Defaults to the call's start time, or to the time the recording was added for an unknown call. */
  startTime?: Date;
}

export interface StandinFailure {
  /** HTTP status to respond with. Without it the normal response is sent after delayMs. */
  status?: number;
  /** Number of matching requests this failure applies to, 1 by default. */
  times?: number;
  retryAfterSeconds?: number;
  /** Wait before responding, in milliseconds, to make client timeouts happen. */
  delayMs?: number;
  /** Raw response body sent instead of Twilio's error JSON, to simulate malformed responses. */
  body?: string;
}

/** A request as the stand-in received it, without credentials. */
export interface StandinRequest {
  method: string;
  /** Path and query string. */
  path: string;
  accountSid?: string;
  /** Status of the response, once sent. */
  status?: number;
}

export interface TwilioStandinOptions {
  /** Largest page the stand-in returns, so a larger PageSize in a request is reduced to it. Defaults to 1000. */
  pageSize?: number;
}

export interface TwilioStandin {
  /** Base URL such as http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  addAccount(accountSid: string, authToken: string): void;
  addCall(call: StandinCall): void;
  updateCall(sid: string, patch: Partial<StandinCall>): void;
  addRecording(recording: StandinRecording): void;
  updateRecording(sid: string, patch: Partial<StandinRecording>): void;
  /** Makes the next requests whose path and query match `match.path` (all, if omitted) fail or wait. */
  failNext(match: { path?: RegExp }, failure: StandinFailure): void;
  /** Makes next_page_uri point back to the page itself, to exercise a client's paging-loop guard. */
  repeatPages(enabled: boolean): void;
  /** Calls `listener` as each request arrives, before the response. Passing null removes it. */
  onRequest(listener: ((request: StandinRequest) => void) | null): void;
  /** Highest number of requests in flight at once, for one account or, without an argument, overall. */
  maxInFlight(accountSid?: string): number;
  requests: StandinRequest[];
  /** One message per 2xx body that did not conform to the extracted Twilio schemas. */
  schemaErrors: string[];
  /** Exceptions thrown while handling requests, each turned into an HTTP 500 response. */
  serverErrors: string[];
  close(): Promise<void>;
}

type SchemaName = 'call' | 'callList' | 'callRecording' | 'callRecordingList';

interface StoredCall extends StandinCall {
  phoneNumberSid: string;
  trunkSid: string | null;
}

interface StoredRecording extends StandinRecording {
  startTime: Date;
}

interface PendingFailure {
  path: RegExp | undefined;
  remaining: number;
  failure: StandinFailure;
}

const API_VERSION = '2010-04-01';
// Twilio's default PageSize when a request names none, and its maximum.
const TWILIO_DEFAULT_PAGE_SIZE = 50;
const TWILIO_MAX_PAGE_SIZE = 1000;

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

const ACCOUNT_IN_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\//;
const CALL_ROUTE = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;
const CALL_LIST_ROUTE = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/;
const RECORDING_LIST_ROUTE = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\/Recordings\.json$/;

// Subresources that Twilio lists in a call's subresource_uris.
const CALL_SUBRESOURCES: Record<string, string> = {
  notifications: 'Notifications',
  recordings: 'Recordings',
  payments: 'Payments',
  events: 'Events',
  siprec: 'Siprec',
  streams: 'Streams',
  transcriptions: 'Transcriptions',
  user_defined_message_subscriptions: 'UserDefinedMessageSubscriptions',
  user_defined_messages: 'UserDefinedMessages',
};

export function makeAccountSid(): string {
  return makeSid('AC');
}

export function makeCallSid(): string {
  return makeSid('CA');
}

export function makeRecordingSid(): string {
  return makeSid('RE');
}

/** Random 32-hex-digit token in the format of a Twilio auth token. */
export function makeAuthToken(): string {
  return randomBytes(16).toString('hex');
}

function makeSid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/**
 * Creates an Ajv instance that understands the extracted Twilio schemas: their `x-twilio`
 * annotations and the formats date-time-rfc-2822, currency, uri and uri-map.
 */
export function createTwilioAjv(): Ajv {
  // strictTypes is off because Twilio puts format "uri-map" on an object, which JSON Schema allows.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  ajv.addVocabulary(['x-twilio']);
  ajv.addFormat('date-time-rfc-2822', { type: 'string', validate: (value: string) => parseRfc2822Date(value) !== null });
  ajv.addFormat('currency', /^[A-Z]{3}$/);
  // Twilio's "uri" values such as first_page_uri are relative, so this accepts URI references.
  ajv.addFormat('uri', { type: 'string', validate: isUriReference });
  // Ajv applies formats only to strings and numbers, so strictSchema() checks these maps instead.
  ajv.addFormat('uri-map', true);
  return ajv;
}

function isUriReference(value: string): boolean {
  if (value === '' || /[\s\\]/.test(value)) {
    return false;
  }
  try {
    new URL(value, 'https://api.twilio.com');
    return true;
  } catch {
    return false;
  }
}

/**
 * Tightens a schema so that objects must carry every property the schema lists and nothing else,
 * as Twilio's responses do, and uri-map objects must map names to URI references.
 */
function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    return schema.map(strictSchema);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    result[key] = key === 'enum' || key === 'x-twilio' ? value : strictSchema(value);
  }
  const properties = result['properties'];
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) {
    result['required'] = Object.keys(properties);
    result['additionalProperties'] = false;
  }
  if (result['format'] === 'uri-map') {
    result['additionalProperties'] = { type: 'string', format: 'uri' };
  }
  return result;
}

interface SchemaValidators {
  ajv: Ajv;
  byName: Map<SchemaName, ValidateFunction>;
}

let compiledValidators: SchemaValidators | undefined;

// Compiled on first use, so that the extraction script can import createTwilioAjv before the file exists.
function schemaValidators(): SchemaValidators {
  if (compiledValidators === undefined) {
    const file = new URL('./twilio-schemas.json', import.meta.url);
    const schemas = JSON.parse(readFileSync(file, 'utf8')) as Record<SchemaName, AnySchemaObject>;
    const ajv = createTwilioAjv();
    const names: SchemaName[] = ['call', 'callList', 'callRecording', 'callRecordingList'];
    const byName = new Map(names.map((name) => [name, ajv.compile(strictSchema(schemas[name]) as AnySchemaObject)]));
    compiledValidators = { ajv, byName };
  }
  return compiledValidators;
}

export async function startTwilioStandin(options: TwilioStandinOptions = {}): Promise<TwilioStandin> {
  const maxPageSize = options.pageSize ?? TWILIO_MAX_PAGE_SIZE;
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${maxPageSize}`);
  }
  const validators = schemaValidators();

  const accounts = new Map<string, string>();
  const calls = new Map<string, StoredCall>();
  const recordings = new Map<string, StoredRecording>();
  const pendingFailures: PendingFailure[] = [];
  const requests: StandinRequest[] = [];
  const schemaErrors: string[] = [];
  const serverErrors: string[] = [];
  const inFlight = new Map<string, number>();
  const inFlightReleases = new WeakMap<ServerResponse, () => void>();
  const maxInFlightByAccount = new Map<string, number>();
  let inFlightTotal = 0;
  let maxInFlightTotal = 0;
  let repeatingPages = false;
  let requestListener: ((request: StandinRequest) => void) | null = null;
  const closing = new AbortController();
  let closed: Promise<void> | undefined;

  function send(
    res: ServerResponse,
    entry: StandinRequest,
    status: number,
    body: unknown,
    schema?: SchemaName,
    headers: Record<string, string> = {},
  ): void {
    if (schema !== undefined) {
      const validate = validators.byName.get(schema);
      if (validate !== undefined && !validate(body)) {
        const errorText = validators.ajv.errorsText(validate.errors, { dataVar: 'body' });
        schemaErrors.push(`${entry.method} ${entry.path}: ${errorText}`);
      }
    }
    sendRaw(res, entry, status, JSON.stringify(body), headers);
  }

  function sendRaw(res: ServerResponse, entry: StandinRequest, status: number, text: string, headers: Record<string, string> = {}): void {
    entry.status = status;
    inFlightReleases.get(res)?.();
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  function sendError(res: ServerResponse, entry: StandinRequest, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
    send(res, entry, status, twilioErrorBody(status, code, message), undefined, headers);
  }

  // Counts the request as in flight until its response is handed to the socket or the client goes away.
  function trackInFlight(res: ServerResponse, accountKey: string): void {
    inFlightTotal += 1;
    maxInFlightTotal = Math.max(maxInFlightTotal, inFlightTotal);
    const count = (inFlight.get(accountKey) ?? 0) + 1;
    inFlight.set(accountKey, count);
    maxInFlightByAccount.set(accountKey, Math.max(maxInFlightByAccount.get(accountKey) ?? 0, count));

    let released = false;
    const release = (): void => {
      if (released) {
        return;
      }
      released = true;
      inFlightTotal -= 1;
      inFlight.set(accountKey, (inFlight.get(accountKey) ?? 1) - 1);
    };
    inFlightReleases.set(res, release);
    res.once('close', release);
  }

  function takeFailure(path: string): StandinFailure | undefined {
    const index = pendingFailures.findIndex((pending) => pending.path === undefined || pending.path.test(path));
    const pending = pendingFailures[index];
    if (pending === undefined) {
      return undefined;
    }
    pending.remaining -= 1;
    if (pending.remaining <= 0) {
      pendingFailures.splice(index, 1);
    }
    return pending.failure;
  }

  function isAuthorized(req: IncomingMessage, accountSid: string): boolean {
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith('Basic ')) {
      return false;
    }
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) {
      return false;
    }
    const user = decoded.slice(0, separator);
    const password = decoded.slice(separator + 1);
    return user === accountSid && accounts.get(user) === password;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawPath = req.url ?? '/';
    const url = new URL(rawPath, 'http://127.0.0.1');
    const pathAccount = ACCOUNT_IN_PATH.exec(url.pathname)?.[1];
    const entry: StandinRequest = { method: req.method ?? 'GET', path: rawPath };
    if (pathAccount !== undefined) {
      entry.accountSid = pathAccount;
    }
    requests.push(entry);
    trackInFlight(res, pathAccount ?? '');
    requestListener?.(entry);

    const failure = takeFailure(rawPath);
    if (failure?.delayMs !== undefined) {
      await waitUnlessClosed(failure.delayMs, res, closing.signal);
      if (res.destroyed || closing.signal.aborted) {
        return;
      }
    }
    if (failure !== undefined && (failure.status !== undefined || failure.body !== undefined)) {
      sendFailure(res, entry, failure);
      return;
    }

    if (pathAccount === undefined) {
      sendNotFound(res, entry, url.pathname);
      return;
    }
    if (!isAuthorized(req, pathAccount)) {
      sendError(res, entry, 401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
      return;
    }
    if (entry.method !== 'GET') {
      sendError(res, entry, 405, 20004, 'Method not allowed');
      return;
    }
    route(res, entry, url, pathAccount);
  }

  function sendFailure(res: ServerResponse, entry: StandinRequest, failure: StandinFailure): void {
    const status = failure.status ?? 200;
    const headers: Record<string, string> = {};
    if (failure.retryAfterSeconds !== undefined) {
      headers['Retry-After'] = String(failure.retryAfterSeconds);
    }
    if (failure.body !== undefined) {
      sendRaw(res, entry, status, failure.body, headers);
      return;
    }
    const [code, message] = INJECTED_ERRORS[status] ?? [status * 100, 'Injected failure'];
    sendError(res, entry, status, code, message, headers);
  }

  function sendNotFound(res: ServerResponse, entry: StandinRequest, pathname: string): void {
    sendError(res, entry, 404, 20404, `The requested resource ${pathname} was not found`);
  }

  function route(res: ServerResponse, entry: StandinRequest, url: URL, accountSid: string): void {
    const callMatch = CALL_ROUTE.exec(url.pathname);
    if (callMatch !== null) {
      const call = calls.get(callMatch[2] ?? '');
      if (call === undefined || call.accountSid !== accountSid) {
        sendNotFound(res, entry, url.pathname);
        return;
      }
      send(res, entry, 200, callJson(call), 'call');
      return;
    }

    if (CALL_LIST_ROUTE.test(url.pathname)) {
      const unsupported = firstUnsupportedParameter(url.searchParams, ['ParentCallSid']);
      if (unsupported !== undefined) {
        sendError(res, entry, 400, 20001, `The Twilio stand-in does not support the parameter ${unsupported}`);
        return;
      }
      const parentCallSid = url.searchParams.get('ParentCallSid');
      const matching = [...calls.values()]
        .filter((call) => call.accountSid === accountSid)
        .filter((call) => parentCallSid === null || call.parentCallSid === parentCallSid)
        .sort(byStartTimeDescending);
      const filters: Array<[string, string]> = parentCallSid === null ? [] : [['ParentCallSid', parentCallSid]];
      sendPage(res, entry, url, 'calls', 'callList', matching, callJson, filters);
      return;
    }

    const recordingMatch = RECORDING_LIST_ROUTE.exec(url.pathname);
    if (recordingMatch !== null) {
      const unsupported = firstUnsupportedParameter(url.searchParams, []);
      if (unsupported !== undefined) {
        sendError(res, entry, 400, 20001, `The Twilio stand-in does not support the parameter ${unsupported}`);
        return;
      }
      const callSid = recordingMatch[2] ?? '';
      // NOTE: an unknown call gets an empty list here; whether Twilio responds with 404 instead is unverified.
      const matching = [...recordings.values()]
        .filter((recording) => recording.accountSid === accountSid && recording.callSid === callSid)
        .sort(byStartTimeDescending);
      sendPage(res, entry, url, 'recordings', 'callRecordingList', matching, recordingJson, []);
      return;
    }

    sendNotFound(res, entry, url.pathname);
  }

  /**
   * Sends one page of `items`. Pages are cut by offset (Page × PageSize), so an item added while a
   * client is paging can move an already listed item onto the next page, as offset paging does.
   * PageToken is sent in next_page_uri like Twilio's but ignored on the way back.
   */
  function sendPage<T extends { sid: string }>(
    res: ServerResponse,
    entry: StandinRequest,
    url: URL,
    itemsKey: 'calls' | 'recordings',
    schema: SchemaName,
    items: T[],
    toJson: (item: T) => Record<string, unknown>,
    filters: Array<[string, string]>,
  ): void {
    const pageSizeText = url.searchParams.get('PageSize');
    const pageText = url.searchParams.get('Page');
    const requestedSize = pageSizeText === null ? TWILIO_DEFAULT_PAGE_SIZE : Number(pageSizeText);
    const page = pageText === null ? 0 : Number(pageText);
    if (!Number.isInteger(requestedSize) || requestedSize < 1 || requestedSize > TWILIO_MAX_PAGE_SIZE) {
      sendError(res, entry, 400, 20001, `Invalid PageSize ${pageSizeText}: expected an integer from 1 to 1000`);
      return;
    }
    if (!Number.isInteger(page) || page < 0) {
      sendError(res, entry, 400, 20001, `Invalid Page ${pageText}: expected a non-negative integer`);
      return;
    }

    const pageSize = Math.min(requestedSize, maxPageSize);
    const start = page * pageSize;
    const pageItems = items.slice(start, start + pageSize);
    const hasNext = start + pageSize < items.length;
    const firstItem = pageItems[0];
    const lastItem = pageItems[pageItems.length - 1];
    const pageUri = (number: number, token?: string): string => {
      const params = new URLSearchParams(filters);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(number));
      if (token !== undefined) {
        params.set('PageToken', token);
      }
      return `${url.pathname}?${params.toString()}`;
    };
    const selfUri = pageUri(page, url.searchParams.get('PageToken') ?? undefined);

    let nextPageUri: string | null = hasNext && lastItem !== undefined ? pageUri(page + 1, `PA${lastItem.sid}`) : null;
    if (repeatingPages) {
      nextPageUri = selfUri;
    }
    const body = {
      [itemsKey]: pageItems.map(toJson),
      end: pageItems.length === 0 ? start : start + pageItems.length - 1,
      first_page_uri: pageUri(0),
      next_page_uri: nextPageUri,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 && firstItem !== undefined ? pageUri(page - 1, `PB${firstItem.sid}`) : null,
      start,
      uri: selfUri,
    };
    send(res, entry, 200, body, schema);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      serverErrors.push(`${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(twilioErrorBody(500, 20500, 'Internal Server Error')));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    schemaErrors,
    serverErrors,

    addAccount(accountSid, authToken) {
      requireMatch(accountSid, ACCOUNT_SID, 'account SID');
      if (authToken === '') {
        throw new Error(`Auth token for ${accountSid} is empty`);
      }
      accounts.set(accountSid, authToken);
    },

    addCall(call) {
      if (calls.has(call.sid)) {
        throw new Error(`Call ${call.sid} already exists in the Twilio stand-in`);
      }
      checkCall(call);
      calls.set(call.sid, {
        ...call,
        phoneNumberSid: makeSid('PN'),
        trunkSid: call.direction.startsWith('trunking-') ? makeSid('TK') : null,
      });
    },

    updateCall(sid, patch) {
      const existing = calls.get(sid);
      if (existing === undefined) {
        throw new Error(`Call ${sid} does not exist in the Twilio stand-in`);
      }
      const updated = { ...existing, ...patch };
      if (updated.sid !== sid) {
        throw new Error(`Cannot change the SID of call ${sid}`);
      }
      checkCall(updated);
      calls.set(sid, updated);
    },

    addRecording(recording) {
      if (recordings.has(recording.sid)) {
        throw new Error(`Recording ${recording.sid} already exists in the Twilio stand-in`);
      }
      checkRecording(recording);
      const startTime = recording.startTime ?? calls.get(recording.callSid)?.startTime ?? new Date();
      recordings.set(recording.sid, { ...recording, startTime });
    },

    updateRecording(sid, patch) {
      const existing = recordings.get(sid);
      if (existing === undefined) {
        throw new Error(`Recording ${sid} does not exist in the Twilio stand-in`);
      }
      const updated = { ...existing, ...patch };
      if (updated.sid !== sid) {
        throw new Error(`Cannot change the SID of recording ${sid}`);
      }
      checkRecording(updated);
      recordings.set(sid, updated);
    },

    failNext(match, failure) {
      const times = failure.times ?? 1;
      if (!Number.isInteger(times) || times < 1) {
        throw new RangeError(`failure.times must be a positive integer, got ${times}`);
      }
      pendingFailures.push({ path: match.path, remaining: times, failure });
    },

    repeatPages(enabled) {
      repeatingPages = enabled;
    },

    onRequest(listener) {
      requestListener = listener;
    },

    maxInFlight(accountSid) {
      return accountSid === undefined ? maxInFlightTotal : (maxInFlightByAccount.get(accountSid) ?? 0);
    },

    close() {
      // Repeated calls return the same promise, so a test may close early and cleanup close again.
      if (closed === undefined) {
        closing.abort();
        closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
        server.closeAllConnections();
      }
      return closed;
    },
  };
}

// Twilio error codes for the statuses tests inject.
const INJECTED_ERRORS: Record<number, [number, string]> = {
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  502: [20502, 'Bad Gateway'],
  503: [20503, 'Service Unavailable'],
};

function twilioErrorBody(status: number, code: number, message: string): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function callJson(call: StoredCall): Record<string, unknown> {
  const callPath = `/${API_VERSION}/Accounts/${call.accountSid}/Calls/${call.sid}`;
  const endTime = call.durationSeconds === null ? null : new Date(call.startTime.getTime() + call.durationSeconds * 1000);
  const subresourceUris = Object.fromEntries(
    Object.entries(CALL_SUBRESOURCES).map(([name, resource]) => [name, `${callPath}/${resource}.json`]),
  );
  return {
    sid: call.sid,
    date_created: formatRfc2822Date(call.startTime),
    date_updated: formatRfc2822Date(endTime ?? call.startTime),
    parent_call_sid: call.parentCallSid ?? null,
    account_sid: call.accountSid,
    to: call.to,
    to_formatted: formatPhoneNumber(call.to),
    from: call.from,
    from_formatted: formatPhoneNumber(call.from),
    phone_number_sid: call.phoneNumberSid,
    status: call.status,
    start_time: formatRfc2822Date(call.startTime),
    end_time: endTime === null ? null : formatRfc2822Date(endTime),
    duration: call.durationSeconds === null ? null : String(call.durationSeconds),
    price: call.price,
    price_unit: call.priceUnit ?? 'USD',
    direction: call.direction,
    answered_by: null,
    api_version: API_VERSION,
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: '0',
    trunk_sid: call.trunkSid,
    uri: `${callPath}.json`,
    subresource_uris: subresourceUris,
  };
}

function recordingJson(recording: StoredRecording): Record<string, unknown> {
  const endTime = new Date(recording.startTime.getTime() + recording.durationSeconds * 1000);
  return {
    account_sid: recording.accountSid,
    api_version: API_VERSION,
    call_sid: recording.callSid,
    conference_sid: null,
    date_created: formatRfc2822Date(recording.startTime),
    date_updated: formatRfc2822Date(endTime),
    start_time: formatRfc2822Date(recording.startTime),
    duration: String(recording.durationSeconds),
    sid: recording.sid,
    price: recording.price,
    uri: `/${API_VERSION}/Accounts/${recording.accountSid}/Calls/${recording.callSid}/Recordings/${recording.sid}.json`,
    encryption_details: null,
    price_unit: recording.priceUnit ?? 'USD',
    status: recording.status ?? 'completed',
    channels: 1,
    source: 'DialVerb',
    error_code: null,
    track: 'both',
  };
}

// Twilio formats North American numbers as "(305) 141-6799" and leaves others in E.164.
function formatPhoneNumber(number: string): string {
  const match = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return match === null ? number : `(${match[1]}) ${match[2]}-${match[3]}`;
}

function byStartTimeDescending(a: { startTime: Date; sid: string }, b: { startTime: Date; sid: string }): number {
  return b.startTime.getTime() - a.startTime.getTime() || a.sid.localeCompare(b.sid);
}

function firstUnsupportedParameter(params: URLSearchParams, filters: string[]): string | undefined {
  const supported = new Set(['PageSize', 'Page', 'PageToken', ...filters]);
  return [...params.keys()].find((name) => !supported.has(name));
}

function checkCall(call: StandinCall): void {
  requireMatch(call.sid, CALL_SID, 'call SID');
  requireMatch(call.accountSid, ACCOUNT_SID, 'account SID');
  if (call.parentCallSid !== undefined && call.parentCallSid !== null) {
    requireMatch(call.parentCallSid, CALL_SID, 'parent call SID');
  }
  if (Number.isNaN(call.startTime.getTime())) {
    throw new Error(`Call ${call.sid} has an invalid start time`);
  }
  if (call.durationSeconds !== null && (!Number.isInteger(call.durationSeconds) || call.durationSeconds < 0)) {
    throw new Error(`Call ${call.sid} has an invalid duration ${call.durationSeconds}: expected whole seconds or null`);
  }
  if (call.price !== null) {
    requireMatch(call.price, DECIMAL, `price of call ${call.sid}`);
  }
}

function checkRecording(recording: StandinRecording): void {
  requireMatch(recording.sid, RECORDING_SID, 'recording SID');
  requireMatch(recording.callSid, CALL_SID, 'call SID');
  requireMatch(recording.accountSid, ACCOUNT_SID, 'account SID');
  if (!Number.isInteger(recording.durationSeconds) || recording.durationSeconds < 0) {
    throw new Error(`Recording ${recording.sid} has an invalid duration ${recording.durationSeconds}: expected whole seconds`);
  }
  if (recording.price !== null) {
    requireMatch(recording.price, DECIMAL, `price of recording ${recording.sid}`);
  }
}

function requireMatch(value: string, pattern: RegExp, fieldName: string): void {
  if (!pattern.test(value)) {
    throw new Error(`Invalid ${fieldName} ${JSON.stringify(value)}: expected a match for ${pattern}`);
  }
}

function waitUnlessClosed(ms: number, res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      res.off('close', finish);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    res.once('close', finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}
