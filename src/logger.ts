import { pino, type Logger } from 'pino';

// Query parameters whose values are secrets; request URLs are logged with these values replaced.
const SECRET_PARAMETER = /token|key|secret|password/i;

/** Returns a URL with the values of secret query parameters replaced, for logging. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const parameters = new URLSearchParams(url.slice(queryStart + 1));
  for (const key of new Set(parameters.keys())) if (SECRET_PARAMETER.test(key)) parameters.set(key, '[redacted]');
  return `${url.slice(0, queryStart)}?${parameters.toString()}`;
}

/** Creates the service logger, which redacts Authorization headers, auth tokens and secret query values. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.twilioAuthToken', 'twilioAuthToken', '*.authToken', 'authToken'],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: { method?: string; url?: string; headers?: Record<string, unknown>; ip?: string }) => ({
        method: request.method,
        url: redactUrl(request.url ?? ''),
        host: request.headers?.host,
        remoteAddress: request.ip,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
