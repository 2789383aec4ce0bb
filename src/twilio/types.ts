import type { Logger } from 'pino';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

/** A Call resource as the billing code needs it. */
export interface TwilioCall {
  sid: string;
  parentCallSid: string | null;
  accountSid: string;
  to: string | null;
  from: string | null;
  /** Twilio call status: queued, ringing, in-progress, completed, busy, failed, no-answer or canceled. */
  status: string;
  /** inbound, outbound-api, outbound-dial, trunking-terminating or trunking-originating. */
  direction: string | null;
  startTime: Date | null;
  endTime: Date | null;
  durationSeconds: number | null;
  /** Decimal string exactly as Twilio sent it, e.g. "-0.0130", so no precision is lost to floats. */
  price: string | null;
  priceUnit: string | null;
}

/** A Recording resource of a call, reduced to the fields that matter for billing. */
export interface TwilioRecording {
  sid: string;
  callSid: string;
  status: string | null;
  durationSeconds: number | null;
  /** Decimal string such as "-0.0025", as Twilio sent it. */
  price: string | null;
  priceUnit: string | null;
}

export interface TwilioClientOptions {
  /** Scheme, host and optional path prefix that Twilio's "/2010-04-01/..." paths are appended to. */
  baseUrl?: string;
  /** Limit for one HTTP attempt, response body included, in milliseconds. */
  timeoutMs?: number;
  /** Attempts per HTTP request for 429, 5xx, timeouts and network errors, the first included. */
  maxAttempts?: number;
  /** Backoff base in milliseconds: retry n waits a random time below retryBaseMs * 2^(n-1). */
  retryBaseMs?: number;
  /** Maximum wait between attempts in milliseconds, for both backoff and Retry-After. */
  maxRetryDelayMs?: number;
  /** Maximum number of requests in flight per Twilio account SID. */
  maxConcurrencyPerAccount?: number;
  /** PageSize requested from list endpoints, 1 to 1000. */
  pageSize?: number;
  /** Maximum number of pages one listing may fetch before it fails as InvalidResponse. */
  maxPages?: number;
  logger?: Logger;
  /** Replacement for the global fetch, for tests. */
  fetch?: typeof fetch;
}
