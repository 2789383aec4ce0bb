import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig([], {});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('./data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.twilioApiBaseUrl).toBe('https://api.twilio.com');
    expect(config.worker).toBe(true);
  });

  it('lets flags override the environment', () => {
    const config = loadConfig(['--port', '9000', '--data-dir=/tmp/x', '--worker', 'off'], { PORT: '7000' });
    expect(config.port).toBe(9000);
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.worker).toBe(false);
  });

  it('rejects an unknown flag', () => {
    expect(() => loadConfig(['--prot', '9000'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--prot', '9000'], {})).toThrow(/Unknown flag --prot/);
  });

  it('rejects bad values with the setting name', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /PORT must be a whole number/],
      [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
      [{ DATABASE_URL: 'mysql://x@y/z' }, /DATABASE_URL must be a PostgreSQL URL/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
      [{ WORKER: 'maybe' }, /WORKER must be on or off/],
      [{ ADMIN_API_KEY: 'short' }, /ADMIN_API_KEY must be at least 16 characters/],
      [{ TWILIO_API_BASE_URL: 'ftp://x' }, /TWILIO_API_BASE_URL must be an http or https URL/],
    ];
    for (const [env, message] of cases) expect(() => loadConfig([], env), JSON.stringify(env)).toThrow(message);
  });
});
