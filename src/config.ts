/** Settings, from environment variables or the matching --flags (--data-dir sets DATA_DIR). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminApiKey: string | undefined;
  twilioApiBaseUrl: string;
  twilioTimeoutMs: number;
  twilioMaxConcurrency: number;
  logLevel: string;
  worker: boolean;
  workerConcurrency: number;
  workerPollMs: number;
  ratingMaxAttempts: number;
  ratingRetryBaseMs: number;
  ratingRetryMaxMs: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Every setting, so that a mistyped flag fails instead of being ignored. */
export const SETTING_NAMES = [
  'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'ADMIN_API_KEY', 'TWILIO_API_BASE_URL', 'TWILIO_TIMEOUT_MS',
  'TWILIO_MAX_CONCURRENCY', 'LOG_LEVEL', 'WORKER', 'WORKER_CONCURRENCY', 'WORKER_POLL_MS', 'RATING_MAX_ATTEMPTS',
  'RATING_RETRY_BASE_MS', 'RATING_RETRY_MAX_MS',
] as const;

export class ConfigError extends Error {}

/** Turns `--data-dir ./x` and `--data-dir=./x` into DATA_DIR=./x; flags win over the environment. */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const settings: Record<string, string | undefined> = { ...env };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(argument);
    if (!match?.[1]) {
      throw new ConfigError(
        `Unknown argument '${argument}'; settings are given as --name value, for example --port 8080 (with npm, put -- before them: npm start -- --port 8080).`,
      );
    }
    const name = match[1].toUpperCase().replaceAll('-', '_');
    if (!(SETTING_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(`Unknown flag --${match[1]}; the settings are ${SETTING_NAMES.map((setting) => `--${setting.toLowerCase().replaceAll('_', '-')}`).join(', ')}.`);
    }
    const value = match[2] ?? argv[++index];
    if (value === undefined) throw new ConfigError(`--${match[1]} needs a value.`);
    settings[name] = value;
  }
  return settings;
}

function integer(settings: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const text = settings[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not '${text}'.`);
  }
  return value;
}

function flag(settings: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const text = settings[name]?.toLowerCase();
  if (text === undefined || text === '') return fallback;
  if (['on', 'true', '1', 'yes'].includes(text)) return true;
  if (['off', 'false', '0', 'no'].includes(text)) return false;
  throw new ConfigError(`${name} must be on or off, not '${settings[name]}'.`);
}

export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  const settings = readSettings(argv, env);

  const logLevel = settings.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not '${logLevel}'.`);

  const twilioApiBaseUrl = settings.TWILIO_API_BASE_URL || 'https://api.twilio.com';
  if (!/^https?:\/\/[^\s/]+/.test(twilioApiBaseUrl)) {
    throw new ConfigError(`TWILIO_API_BASE_URL must be an http or https URL, not '${twilioApiBaseUrl}'.`);
  }

  const databaseUrl = settings.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a PostgreSQL URL such as postgres://user@127.0.0.1:5432/billing.');
  }

  const adminApiKey = settings.ADMIN_API_KEY || undefined;
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    throw new ConfigError('ADMIN_API_KEY must be at least 16 characters long.');
  }

  return {
    port: integer(settings, 'PORT', 8080, 0, 65535),
    host: settings.HOST || '127.0.0.1',
    dataDir: settings.DATA_DIR || './data',
    databaseUrl,
    adminApiKey,
    twilioApiBaseUrl,
    twilioTimeoutMs: integer(settings, 'TWILIO_TIMEOUT_MS', 10_000, 100, 300_000),
    twilioMaxConcurrency: integer(settings, 'TWILIO_MAX_CONCURRENCY', 4, 1, 100),
    logLevel,
    worker: flag(settings, 'WORKER', true),
    workerConcurrency: integer(settings, 'WORKER_CONCURRENCY', 8, 1, 256),
    workerPollMs: integer(settings, 'WORKER_POLL_MS', 1_000, 10, 600_000),
    ratingMaxAttempts: integer(settings, 'RATING_MAX_ATTEMPTS', 10, 1, 100),
    ratingRetryBaseMs: integer(settings, 'RATING_RETRY_BASE_MS', 30_000, 1, 86_400_000),
    ratingRetryMaxMs: integer(settings, 'RATING_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
  };
}
