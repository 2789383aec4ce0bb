import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { TwilioError } from './errors.js';
import { KeyedConcurrencyLimiter } from './limiter.js';
import { computeBackoffDelay, parseRetryAfter } from './retry.js';
import type { TwilioCredentials } from './types.js';

export interface TransportSettings {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  maxConcurrencyPerAccount: number;
  logger: Logger | undefined;
  fetch: typeof fetch;
}

/** Identifiers of a request for logs, none of them secret. */
export interface RequestContext {
  callSid: string;
}

type AttemptOutcome = { ok: true; body: unknown } | { ok: false; retryable: boolean; error: TwilioError };

// Twilio error messages are short, but a proxy error page could be large.
const MAX_ERROR_MESSAGE_LENGTH = 200;

/** Sends authenticated GET requests to Twilio with timeouts, retries and a per-account concurrency limit. */
export class TwilioTransport {
  readonly #settings: TransportSettings;
  readonly #limiter: KeyedConcurrencyLimiter;

  constructor(settings: TransportSettings) {
    this.#settings = settings;
    this.#limiter = new KeyedConcurrencyLimiter(settings.maxConcurrencyPerAccount);
  }

  /**
   * Fetches `path` (relative to the base URL) and returns the parsed JSON body. A concurrency slot
   * is held only during each attempt, not during the wait before a retry.
   */
  async getJson(credentials: TwilioCredentials, path: string, context: RequestContext): Promise<unknown> {
    const { maxAttempts, maxRetryDelayMs, retryBaseMs, logger } = this.#settings;
    const authorization = basicAuthorization(credentials);

    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#limiter.run(credentials.accountSid, () => this.#attempt(path, authorization));
      if (outcome.ok) {
        return outcome.body;
      }

      const { error } = outcome;
      if (!outcome.retryable) {
        throw error;
      }
      if (attempt >= maxAttempts) {
        throw withSuffix(error, `gave up after ${attempt} attempts`);
      }
      // A retry before the requested time would likely be rejected again, so the caller reschedules instead.
      if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryDelayMs) {
        throw withSuffix(error, `Retry-After of ${error.retryAfterMs} ms exceeds maxRetryDelayMs of ${maxRetryDelayMs} ms`);
      }

      const delayMs = Math.max(error.retryAfterMs ?? 0, computeBackoffDelay(attempt, retryBaseMs, maxRetryDelayMs));
      logger?.warn(
        {
          accountSid: credentials.accountSid,
          callSid: context.callSid,
          path,
          status: error.status,
          errorKind: error.kind,
          attempt,
          maxAttempts,
          delayMs,
        },
        'Twilio request failed, retrying',
      );
      await sleep(delayMs);
    }
  }

  async #attempt(path: string, authorization: string): Promise<AttemptOutcome> {
    const { baseUrl, timeoutMs } = this.#settings;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    let text: string;
    try {
      // Redirects are not followed, so the Authorization header goes only to the base URL.
      response = await this.#settings.fetch(`${baseUrl}${path}`, {
        method: 'GET',
        headers: { Accept: 'application/json', Authorization: authorization },
        redirect: 'manual',
        signal: controller.signal,
      });
      text = await response.text();
    } catch (cause) {
      if (controller.signal.aborted) {
        const error = new TwilioError('Timeout', `GET ${path} timed out after ${timeoutMs} ms`, { cause });
        return { ok: false, retryable: true, error };
      }
      const error = new TwilioError('Unavailable', `GET ${path} failed: ${describeNetworkError(cause)}`, { cause });
      return { ok: false, retryable: true, error };
    } finally {
      clearTimeout(timer);
    }
    return classifyResponse(path, response, text);
  }
}

function classifyResponse(path: string, response: Response, text: string): AttemptOutcome {
  const status = response.status;
  if (status >= 200 && status < 300) {
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch (cause) {
      const error = new TwilioError('InvalidResponse', `GET ${path} returned HTTP ${status} with a body that is not valid JSON`, {
        status,
        cause,
      });
      return { ok: false, retryable: false, error };
    }
  }

  const { code, message } = parseTwilioErrorBody(text);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const detail = message === undefined ? '' : `: ${message}`;
  const codeText = code === undefined ? '' : ` (Twilio code ${code})`;
  const summary = `GET ${path} returned HTTP ${status}${detail}${codeText}`;
  const details = { status, code, retryAfterMs };

  if (status === 404) {
    return { ok: false, retryable: false, error: new TwilioError('NotFound', summary, details) };
  }
  if (status === 401 || status === 403) {
    return { ok: false, retryable: false, error: new TwilioError('AuthenticationFailed', summary, details) };
  }
  if (status === 429) {
    return { ok: false, retryable: true, error: new TwilioError('RateLimited', summary, details) };
  }
  if (status >= 500) {
    return { ok: false, retryable: true, error: new TwilioError('Unavailable', summary, details) };
  }
  if (status >= 300 && status < 400) {
    return { ok: false, retryable: false, error: new TwilioError('InvalidResponse', `${summary}, a redirect that is not followed`, details) };
  }
  return { ok: false, retryable: false, error: new TwilioError('BadRequest', summary, details) };
}

/** Reads `code` and `message` from a Twilio error body such as {"code":20404,"message":"...","status":404}. */
function parseTwilioErrorBody(text: string): { code?: number; message?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof body !== 'object' || body === null) {
    return {};
  }
  const { code, message } = body as Record<string, unknown>;
  const result: { code?: number; message?: string } = {};
  if (typeof code === 'number' && Number.isInteger(code)) {
    result.code = code;
  }
  if (typeof message === 'string' && message !== '') {
    result.message = message.length > MAX_ERROR_MESSAGE_LENGTH ? `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH)}...` : message;
  }
  return result;
}

function basicAuthorization(credentials: TwilioCredentials): string {
  const encoded = Buffer.from(`${credentials.accountSid}:${credentials.authToken}`, 'utf8').toString('base64');
  return `Basic ${encoded}`;
}

// fetch reports network failures as TypeError("fetch failed") with the socket error as its cause.
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === undefined ? `${error.message} (${cause.message})` : `${error.message} (${code})`;
  }
  return error.message;
}

function withSuffix(error: TwilioError, suffix: string): TwilioError {
  return new TwilioError(error.kind, `${error.message}; ${suffix}`, {
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    code: error.code,
    cause: error.cause,
  });
}
