/**
 * Failure categories of a Twilio request. The last two are local: BadRequest is any other 4xx
 * from Twilio, and InvalidArgument is an input rejected before any request was sent.
 */
export type TwilioErrorKind =
  | 'NotFound'
  | 'AuthenticationFailed'
  | 'RateLimited'
  | 'Unavailable'
  | 'Timeout'
  | 'InvalidResponse'
  | 'BadRequest'
  | 'InvalidArgument';

export interface TwilioErrorDetails {
  /** HTTP status of the last response, when there was one. */
  status?: number;
  /** Wait that Twilio requested through Retry-After, in milliseconds. */
  retryAfterMs?: number;
  /** Twilio error code from the response body, e.g. 20404. */
  code?: number;
  cause?: unknown;
}

export class TwilioError extends Error {
  override readonly name = 'TwilioError';
  readonly kind: TwilioErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly code?: number;

  constructor(kind: TwilioErrorKind, message: string, details: TwilioErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    if (details.status !== undefined) {
      this.status = details.status;
    }
    if (details.retryAfterMs !== undefined) {
      this.retryAfterMs = details.retryAfterMs;
    }
    if (details.code !== undefined) {
      this.code = details.code;
    }
  }
}
