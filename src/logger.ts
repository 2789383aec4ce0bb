import { pino, type Logger } from 'pino';

/** The service logger. Authorization headers and auth tokens are redacted wherever they appear. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.twilioAuthToken', 'twilioAuthToken', '*.authToken', 'authToken', 'key'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
