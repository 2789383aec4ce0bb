import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/database.js';
import { openPglite } from '../src/store/pglite.js';
import { openTestDatabase, TEST_ENGINE } from './support/database.js';
import { isHealthy, killAll, startProcess, startService, waitForExit, waitForHealth, type ServiceProcess } from './support/process.js';
import { makeAccountSid, makeAuthToken, makeCallSid, startTwilioStandin, type TwilioStandin } from './support/twilio-standin.js';

const ADMIN_KEY = 'process-test-admin-key-0123456789';
const KEY_PATTERN = /vb_[A-Za-z0-9_-]{43}/g;
const CALL_START = new Date(Date.UTC(2024, 4, 10, 9, 0, 0));
const onPglite = TEST_ENGINE === 'pglite';

// Each test starts one to three real processes, and each tsx start takes seconds.
const PROCESS_TEST_TIMEOUT_MS = 120_000;

let standin: TwilioStandin;
let dataDir: string;
/** The PostgreSQL database of this test, or undefined on PGlite. */
let postgres: { db: Database; url: string | undefined; drop(): Promise<void> } | undefined;
let twilioAccount: { sid: string; token: string };

beforeEach(async () => {
  standin = await startTwilioStandin();
  twilioAccount = { sid: makeAccountSid(), token: makeAuthToken() };
  standin.addAccount(twilioAccount.sid, twilioAccount.token);
  dataDir = await mkdtemp(path.join(tmpdir(), 'voice-billing-process-'));
  postgres = onPglite ? undefined : await openTestDatabase();
});

afterEach(async () => {
  await killAll();
  await standin.close();
  await postgres?.db.close();
  await postgres?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Returns the settings every start shares: the test's store, the stand-in and quiet logs. */
function baseEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    ADMIN_API_KEY: ADMIN_KEY,
    TWILIO_API_BASE_URL: standin.url,
    LOG_LEVEL: 'warn',
    WORKER_POLL_MS: '100',
  };
  if (postgres?.url) env.DATABASE_URL = postgres.url;
  return { ...env, ...overrides };
}

async function startReady(overrides: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await startService(baseEnvironment(overrides));
  await waitForHealth(service);
  return service;
}

async function call(service: ServiceProcess, method: string, route: string, body?: unknown, key = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(service.url + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Creates an account on the stand-in's Twilio account, with one customer. */
async function createCustomer(service: ServiceProcess): Promise<{ accountId: string; customerId: string }> {
  const account = await call(service, 'POST', '/accounts', {
    name: 'Process test',
    twilioAccountSid: twilioAccount.sid,
    twilioAuthToken: twilioAccount.token,
  });
  expect(account.status, JSON.stringify(account.body)).toBe(200);
  const customer = await call(service, 'POST', '/customers', { accountId: account.body.id, name: 'Customer' });
  expect(customer.status, JSON.stringify(customer.body)).toBe(200);
  return { accountId: account.body.id, customerId: customer.body.id };
}

function addCompletedCall(sid: string, price: string): void {
  standin.addCall({
    sid,
    accountSid: twilioAccount.sid,
    from: '+13051416799',
    to: '+13052223333',
    direction: 'outbound-api',
    status: 'completed',
    startTime: CALL_START,
    durationSeconds: 42,
    price,
  });
}

function callFetches(callSid: string): number {
  return standin.requests.filter((request) => request.path.startsWith(`/2010-04-01/Accounts/${twilioAccount.sid}/Calls/${callSid}.json`)).length;
}

async function waitForBillable(service: ServiceProcess, billableId: string, statuses: string[], timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await call(service, 'GET', `/billables/${billableId}`);
    if (statuses.includes(response.body?.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`billable ${billableId} is not ${statuses.join(' or ')} after ${timeoutMs} ms: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Returns the PID in the PGlite lock file: the Node process that tsx started, not tsx itself. */
async function readLockOwner(): Promise<number> {
  return Number.parseInt(await readFile(path.join(dataDir, 'voice-billing.lock'), 'utf8'), 10);
}

/**
 * Waits until a killed process has left the process table. The Node process that tsx started stays
 * a zombie until PID 1 reaps it, and the PGlite lock check counts a zombie as a live owner.
 */
async function waitUntilReaped(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} was not reaped within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads billable statuses straight from the store, after the service process has exited. */
async function readStatuses(ids: string[]): Promise<Map<string, string>> {
  const db = postgres?.db ?? (await openPglite({ dataDir }));
  try {
    const rows = await db.query<{ id: string; status: string }>('SELECT id, status FROM billables WHERE id = ANY($1::text[])', [ids]);
    return new Map(rows.map((row) => [row.id, row.status]));
  } finally {
    if (!postgres) await db.close();
  }
}

/** Waits until the standard output contains `pattern` at least `count` times. */
async function waitForOutput(service: ServiceProcess, pattern: string, count = 1, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (service.stdout().split(pattern).length - 1 < count) {
    if (service.hasExited() || Date.now() > deadline) {
      throw new Error(`the output never contained ${JSON.stringify(pattern)} ${count} times:\n${service.stdout()}\n${service.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitUntilUnhealthy(service: ServiceProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await isHealthy(service.url)) {
    if (Date.now() > deadline) throw new Error(`/health still answers ${timeoutMs} ms after SIGTERM`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Sends the headers and the first half of a JSON POST on a raw socket. Calling `finish()` sends the
 * rest and resolves with the raw HTTP response.
 */
function startSlowPost(service: ServiceProcess, route: string, body: unknown): { finish(): Promise<string> } {
  const url = new URL(service.url);
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  const socket = connect(Number(url.port), url.hostname);
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  const closed = new Promise<string>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve(received));
  });
  socket.write(
    `POST ${route} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(payload.subarray(0, half));
  return {
    finish() {
      // This must not end the socket, because Node's HTTP server aborts a request whose client half-closes.
      socket.write(payload.subarray(half));
      return closed;
    },
  };
}

describe('service process', () => {
  it(
    'keeps an acknowledged billable after kill -9',
    async () => {
      const first = await startReady({ WORKER: 'off' });
      const { accountId, customerId } = await createCustomer(first);
      const callSid = makeCallSid();
      const reported = await call(first, 'POST', '/billables', { accountId, customerId, callSid });
      expect(reported.status, JSON.stringify(reported.body)).toBe(200);
      const lockOwner = onPglite ? await readLockOwner() : undefined;
      first.signalGroup('SIGKILL');
      expect((await waitForExit(first)).signal).toBe('SIGKILL');
      if (lockOwner !== undefined) await waitUntilReaped(lockOwner);

      addCompletedCall(callSid, '-0.0265');
      const second = await startReady({ WORKER: 'on' });
      const rated = await waitForBillable(second, reported.body.id, ['Rated', 'Failed']);

      expect(rated.status).toBe('Rated');
      expect(rated.id).toBe(reported.body.id);
      expect(rated.callSid).toBe(callSid);
      expect(rated.totalCost).toBe(0.0265);
      expect(callFetches(callSid)).toBe(1);
      const listed = await call(second, 'GET', `/billables?accountId=${accountId}`);
      expect(listed.body.totalCount).toBe(1);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it.runIf(onPglite)(
    'refuses a data directory in use',
    async () => {
      const first = await startReady();

      const second = await startService(baseEnvironment());
      const exit = await waitForExit(second);

      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(second.stderr()).toContain(dataDir);
      expect(second.stderr()).toMatch(/in use/);
      expect(await isHealthy(first.url)).toBe(true);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'finishes work in flight on SIGTERM',
    async () => {
      // Info logs show when the service has a request and when it starts stopping.
      const service = await startReady({ WORKER: 'on', LOG_LEVEL: 'info' });
      const { accountId, customerId } = await createCustomer(service);

      // A rating held up by a slow Twilio response when SIGTERM arrives.
      const ratedSid = makeCallSid();
      addCompletedCall(ratedSid, '-0.0400');
      standin.failNext({ path: new RegExp(`/Calls/${ratedSid}\\.json`) }, { delayMs: 3_000 });
      let ratingStarted!: () => void;
      const ratingInFlight = new Promise<void>((resolve) => (ratingStarted = resolve));
      standin.onRequest((request) => {
        if (request.path.includes(`/Calls/${ratedSid}.json`)) ratingStarted();
      });
      const rated = await call(service, 'POST', '/billables', { accountId, customerId, callSid: ratedSid });
      expect(rated.status).toBe(200);
      await ratingInFlight;

      // A request whose body is still arriving when SIGTERM arrives.
      const slowSid = makeCallSid();
      addCompletedCall(slowSid, '-0.0100');
      const slow = startSlowPost(service, '/billables', { accountId, customerId, callSid: slowSid });
      await waitForOutput(service, '"method":"POST","url":"/billables"', 2);

      service.child.kill('SIGTERM');
      await waitForOutput(service, 'stopping: finishing requests');
      await waitUntilUnhealthy(service);
      const response = await slow.finish();
      const exit = await waitForExit(service);

      expect(response, service.stdout() + service.stderr()).toMatch(/^HTTP\/1\.1 200 /);
      const slowBillable = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
      expect(slowBillable.callSid).toBe(slowSid);
      expect(exit.code).toBe(0);
      expect(await isHealthy(service.url)).toBe(false);
      const statuses = await readStatuses([rated.body.id, slowBillable.id]);
      expect(statuses.get(rated.body.id)).toBe('Rated');
      // The worker runs until the HTTP requests are done, so it may have rated this one too.
      expect(['Pending', 'Rated']).toContain(statuses.get(slowBillable.id));
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'prints a first administrator key once',
    async () => {
      const first = await startReady({ ADMIN_API_KEY: '' });
      const printed = first.stdout().match(KEY_PATTERN) ?? [];
      expect(printed).toHaveLength(1);
      const key = printed[0] as string;
      expect((await call(first, 'GET', '/accounts', undefined, key)).status).toBe(200);
      expect((await call(first, 'GET', '/accounts', undefined, ADMIN_KEY)).status).toBe(401);
      first.child.kill('SIGTERM');
      expect((await waitForExit(first)).code).toBe(0);

      const second = await startReady({ ADMIN_API_KEY: '' });

      expect(second.stdout().match(KEY_PATTERN)).toBeNull();
      const keys = await call(second, 'GET', '/api-keys', undefined, key);
      expect(keys.status).toBe(200);
      expect(keys.body.totalCount).toBe(1);
      expect(keys.body.items[0].role).toBe('SystemAdministrator');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'migrates the store from the command line',
    async () => {
      const migrate = () => startProcess('src/store/migrate-cli.ts', baseEnvironment());

      const first = migrate();
      expect((await waitForExit(first)).code, first.stderr()).toBe(0);
      expect(first.stdout()).toMatch(/^Applied migrations 1, 2 to /);
      const again = migrate();
      expect((await waitForExit(again)).code, again.stderr()).toBe(0);
      expect(again.stdout()).toMatch(/is up to date/);

      const service = await startReady({ LOG_LEVEL: 'info' });
      expect(service.stdout()).not.toMatch(/database migrated/);
      const whileRunning = migrate();
      const exit = await waitForExit(whileRunning);

      if (onPglite) {
        expect(exit.code).toBe(1);
        expect(whileRunning.stderr()).toContain(dataDir);
        expect(whileRunning.stderr()).toMatch(/in use/);
      } else {
        expect(exit.code, whileRunning.stderr()).toBe(0);
        expect(whileRunning.stdout()).toMatch(/is up to date/);
      }
      expect(await isHealthy(service.url)).toBe(true);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
