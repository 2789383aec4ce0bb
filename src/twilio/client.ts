import { TwilioError } from './errors.js';
import {
  ACCOUNT_SID_PATTERN,
  CALL_SID_PATTERN,
  parseCall,
  parseListPage,
  parseRecording,
} from './parse.js';
import { TwilioTransport, type RequestContext } from './transport.js';
import type { TwilioCall, TwilioClientOptions, TwilioCredentials, TwilioRecording } from './types.js';

export { TwilioError } from './errors.js';
export type { TwilioErrorDetails, TwilioErrorKind } from './errors.js';
export type { TwilioCall, TwilioClientOptions, TwilioCredentials, TwilioRecording } from './types.js';

export const DEFAULT_BASE_URL = 'https://api.twilio.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_RETRY_BASE_MS = 250;
export const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;
export const DEFAULT_MAX_CONCURRENCY_PER_ACCOUNT = 4;
/** Twilio's largest PageSize, so most listings of child legs or recordings take a single request. */
export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_MAX_PAGES = 1000;

const MAX_PAGE_SIZE = 1000;
const API_PATH_PREFIX = '/2010-04-01/Accounts';

/** Client for the parts of Twilio's REST API v2010 that billing reads: calls, child legs and recordings. */
export class TwilioClient {
  readonly #transport: TwilioTransport;
  readonly #pageSize: number;
  readonly #maxPages: number;

  constructor(options: TwilioClientOptions = {}) {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    this.#pageSize = pageSize;
    this.#maxPages = requireInteger('maxPages', options.maxPages ?? DEFAULT_MAX_PAGES, 1);
    this.#transport = new TwilioTransport({
      baseUrl: normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL),
      timeoutMs: requireInteger('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1),
      maxAttempts: requireInteger('maxAttempts', options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1),
      retryBaseMs: requireInteger('retryBaseMs', options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, 0),
      maxRetryDelayMs: requireInteger('maxRetryDelayMs', options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS, 0),
      maxConcurrencyPerAccount: requireInteger(
        'maxConcurrencyPerAccount',
        options.maxConcurrencyPerAccount ?? DEFAULT_MAX_CONCURRENCY_PER_ACCOUNT,
        1,
      ),
      logger: options.logger,
      fetch: options.fetch ?? globalThis.fetch,
    });
  }

  async fetchCall(credentials: TwilioCredentials, callSid: string): Promise<TwilioCall> {
    checkCredentials(credentials);
    checkCallSid(callSid, 'call SID');

    const path = `${accountPath(credentials)}/Calls/${callSid}.json`;
    const body = await this.#transport.getJson(credentials, path, { callSid });
    const call = parseCall(body, credentials.accountSid);
    if (call.sid !== callSid) {
      throw new TwilioError('InvalidResponse', `Invalid Twilio response: GET ${path} returned call ${call.sid}`);
    }
    return call;
  }

  /** Lists the calls whose parent is `parentCallSid`, across all pages, each call once. */
  async listChildCalls(credentials: TwilioCredentials, parentCallSid: string): Promise<TwilioCall[]> {
    checkCredentials(credentials);
    checkCallSid(parentCallSid, 'parent call SID');

    const resourcePath = `${accountPath(credentials)}/Calls.json`;
    const query = new URLSearchParams({ ParentCallSid: parentCallSid, PageSize: String(this.#pageSize) });
    return this.#listAll(resourcePath, query, 'calls', credentials, { callSid: parentCallSid }, (item) => {
      const call = parseCall(item, credentials.accountSid);
      if (call.parentCallSid !== parentCallSid) {
        throw new TwilioError(
          'InvalidResponse',
          `Invalid Twilio response: child call listing for ${parentCallSid} returned call ${call.sid} with parent ${call.parentCallSid}`,
        );
      }
      return call;
    });
  }

  /** Lists the recordings of `callSid`, across all pages, each recording once. */
  async listRecordings(credentials: TwilioCredentials, callSid: string): Promise<TwilioRecording[]> {
    checkCredentials(credentials);
    checkCallSid(callSid, 'call SID');

    const resourcePath = `${accountPath(credentials)}/Calls/${callSid}/Recordings.json`;
    const query = new URLSearchParams({ PageSize: String(this.#pageSize) });
    return this.#listAll(resourcePath, query, 'recordings', credentials, { callSid }, (item) => {
      const recording = parseRecording(item);
      if (recording.callSid !== callSid) {
        throw new TwilioError(
          'InvalidResponse',
          `Invalid Twilio response: recording listing for ${callSid} returned recording ${recording.sid} of call ${recording.callSid}`,
        );
      }
      return recording;
    });
  }

  /**
   * Follows next_page_uri from the first page to the last and de-duplicates items by SID, keeping
   * the latest version. Fails with InvalidResponse when a page repeats or maxPages is exceeded.
   */
  async #listAll<T extends { sid: string }>(
    resourcePath: string,
    query: URLSearchParams,
    itemsKey: string,
    credentials: TwilioCredentials,
    context: RequestContext,
    parseItem: (item: unknown) => T,
  ): Promise<T[]> {
    const itemsBySid = new Map<string, T>();
    const visitedPages = new Set<string>();
    let pageUri: string | null = `${resourcePath}?${query.toString()}`;
    let pageCount = 0;

    while (pageUri !== null) {
      if (pageCount >= this.#maxPages) {
        throw new TwilioError(
          'InvalidResponse',
          `Invalid Twilio response: listing ${resourcePath} did not end within ${this.#maxPages} pages`,
        );
      }
      visitedPages.add(pageUri);
      pageCount += 1;

      const page = parseListPage(await this.#transport.getJson(credentials, pageUri, context), itemsKey);
      if (page.uri !== null) {
        visitedPages.add(page.uri);
      }
      for (const item of page.items) {
        const parsed = parseItem(item);
        itemsBySid.set(parsed.sid, parsed);
      }

      pageUri = page.nextPageUri === null || page.nextPageUri === '' ? null : page.nextPageUri;
      if (pageUri !== null) {
        checkNextPageUri(pageUri, resourcePath, visitedPages);
      }
    }
    return [...itemsBySid.values()];
  }
}

/**
 * Rejects a next_page_uri that leaves the listed resource or repeats a page. The prefix check also
 * keeps credentials from being sent to another host or account named in a response.
 */
function checkNextPageUri(uri: string, resourcePath: string, visitedPages: Set<string>): void {
  if (!uri.startsWith(`${resourcePath}?`)) {
    throw new TwilioError(
      'InvalidResponse',
      `Invalid Twilio response: next_page_uri ${JSON.stringify(uri.slice(0, 200))} does not continue ${resourcePath}`,
    );
  }
  if (visitedPages.has(uri)) {
    throw new TwilioError('InvalidResponse', `Invalid Twilio response: next_page_uri repeats the already fetched page ${uri}`);
  }
}

function accountPath(credentials: TwilioCredentials): string {
  return `${API_PATH_PREFIX}/${credentials.accountSid}`;
}

// SIDs go into URL paths, so only the exact SID format is accepted.
function checkCredentials(credentials: TwilioCredentials): void {
  if (typeof credentials.accountSid !== 'string' || !ACCOUNT_SID_PATTERN.test(credentials.accountSid)) {
    throw new TwilioError(
      'InvalidArgument',
      `Invalid account SID ${describeInput(credentials.accountSid)}: expected "AC" followed by 32 hexadecimal digits`,
    );
  }
  if (typeof credentials.authToken !== 'string' || credentials.authToken === '') {
    throw new TwilioError('InvalidArgument', `Missing auth token for account ${credentials.accountSid}`);
  }
}

function checkCallSid(value: string, fieldName: string): void {
  if (typeof value !== 'string' || !CALL_SID_PATTERN.test(value)) {
    throw new TwilioError(
      'InvalidArgument',
      `Invalid ${fieldName} ${describeInput(value)}: expected "CA" followed by 32 hexadecimal digits`,
    );
  }
}

function describeInput(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function requireInteger(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer of at least ${minimum}, got ${value}`);
  }
  return value;
}

function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    throw new RangeError(`baseUrl ${JSON.stringify(baseUrl)} is not a valid URL`, { cause });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new RangeError(`baseUrl ${JSON.stringify(baseUrl)} must be an http or https URL without query, fragment or user info`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
