import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { openTestDatabase } from './database.js';
import { makeAccountSid, makeAuthToken, startTwilioStandin, type TwilioStandin } from './twilio-standin.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestService {
  app: App;
  url: string;
  twilio: TwilioStandin;
  /** Every log line the service wrote, to check what is and is not logged. */
  logs: string[];
  call(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates an account in the stand-in and in the service, with one customer per name. */
  createAccount(options?: { countryCode?: string; timeZone?: string; customers?: string[] }): Promise<TestAccount>;
  waitForStatus(billableId: string, statuses: string[], timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export interface TestAccount {
  id: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
  customerIds: string[];
}

/** Starts the service on a fresh database and a Twilio stand-in, both on loopback. */
export async function startTestService(overrides: Partial<Config> = {}): Promise<TestService> {
  const twilio = await startTwilioStandin({ pageSize: 2 });
  const database = await openTestDatabase();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const config: Config = {
    ...loadConfig([], {}),
    port: 0,
    adminApiKey: ADMIN_KEY,
    twilioApiBaseUrl: twilio.url,
    twilioTimeoutMs: 2_000,
    workerPollMs: 50,
    ratingRetryBaseMs: 20,
    ratingRetryMaxMs: 100,
    ratingMaxAttempts: 4,
    ...overrides,
  };
  const app = await createApp(config, createLogger('info', logStream), database.db);
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  await app.ensureAdministratorKey();
  app.worker?.start();
  const address = app.server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const call: TestService['call'] = async (method, path, body, key = ADMIN_KEY) => {
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let payload: string | undefined;
    if (typeof body === 'string') payload = body;
    else if (body !== undefined) payload = JSON.stringify(body);
    const response = await fetch(url + path, { method, headers, body: payload });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  };

  const service: TestService = {
    app,
    url,
    twilio,
    logs,
    call,
    async createAccount(options = {}) {
      const twilioAccountSid = makeAccountSid();
      const twilioAuthToken = makeAuthToken();
      twilio.addAccount(twilioAccountSid, twilioAuthToken);
      const account = await call('POST', '/accounts', {
        name: 'Test account',
        twilioAccountSid,
        twilioAuthToken,
        countryCode: options.countryCode ?? 'US',
        timeZone: options.timeZone ?? 'UTC',
      });
      if (account.status !== 200) throw new Error(`NewAccount failed: ${JSON.stringify(account.body)}`);
      const customerIds: string[] = [];
      for (const name of options.customers ?? ['Customer A']) {
        const customer = await call('POST', '/customers', { accountId: account.body.id, name });
        if (customer.status !== 200) throw new Error(`NewCustomer failed: ${JSON.stringify(customer.body)}`);
        customerIds.push(customer.body.id);
      }
      return { id: account.body.id, twilioAccountSid, twilioAuthToken, customerIds };
    },
    async waitForStatus(billableId, statuses, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await call('GET', `/billables/${billableId}`);
        if (statuses.includes(response.body?.status)) return response.body;
        if (Date.now() > deadline) throw new Error(`billable ${billableId} stayed ${JSON.stringify(response.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await app.close();
      await twilio.close();
      await database.drop();
    },
  };
  return service;
}
