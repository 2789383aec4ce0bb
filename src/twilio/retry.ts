import { parseRfc2822Date } from './rfc2822.js';

/**
 * Parses a Retry-After header into milliseconds from `now`. Accepts delay-seconds and the
 * IMF-fixdate form of HTTP-date. Returns undefined for a missing or unparseable value.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  // NOTE: the obsolete RFC 850 and asctime date forms are not parsed, so they fall back to backoff.
  const date = parseRfc2822Date(trimmed);
  if (date === null) {
    return undefined;
  }
  return Math.max(0, date.getTime() - now);
}

/**
 * Computes the wait before retry number `retry` (1 for the first retry) with exponential backoff
 * and full jitter: a uniform random value in [0, min(maxMs, baseMs * 2^(retry-1))).
 */
export function computeBackoffDelay(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
