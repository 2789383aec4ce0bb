import { Writable } from 'node:stream';
import { Decimal } from 'decimal.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BillableRater, type RatingResult } from '../src/billing/rater.js';
import { createLogger } from '../src/logger.js';
import { claimDueBillables, type ClaimedBillable } from '../src/store/billables.js';
import type { Database } from '../src/store/database.js';
import { openPostgres } from '../src/store/postgres.js';
import { TwilioClient } from '../src/twilio/client.js';
import { RatingWorker, type RatingWorkerOptions } from '../src/worker/rating-worker.js';
import { TEST_ENGINE } from './support/database.js';
import { ADMIN_KEY, startTestService, type TestAccount, type TestService } from './support/harness.js';
import { makeCallSid, makeRecordingSid } from './support/twilio-standin.js';

const BILLING_DAY = '2024-06-01';
const CALL_DAY_START = Date.UTC(2024, 5, 1, 8, 0, 0);

/** A rater that records the outcome of each rating it performs. */
class RecordingRater extends BillableRater {
  readonly results: RatingResult[] = [];

  override async rate(claim: ClaimedBillable): Promise<RatingResult> {
    const result = await super.rate(claim);
    this.results.push(result);
    return result;
  }
}

interface TestWorker {
  worker: RatingWorker;
  rater: RecordingRater;
}

let service: TestService;
let db: Database;
/** Separate pools for the workers on PostgreSQL, so they claim over separate connections. */
const pools: Database[] = [];
const workers: TestWorker[] = [];
/** Lines the workers and raters logged at warn level or above. */
const workerLogs: string[] = [];

beforeAll(async () => {
  service = await startTestService({ worker: false });
  db = service.app.db;
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map(({ worker }) => worker.stop()));
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map(({ worker }) => worker.stop()));
  for (const pool of pools.splice(0)) await pool.close();
  await service?.close();
});

/** Opens a separate pool on the service's PostgreSQL database. On PGlite it returns the one shared database. */
async function openWorkerDatabase(): Promise<Database> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (TEST_ENGINE !== 'postgres' || !serverUrl) return db;
  const rows = await db.query<{ name: string }>('SELECT current_database() AS name');
  const url = new URL(serverUrl);
  url.pathname = `/${rows[0]?.name}`;
  const pool = await openPostgres({ connectionString: url.toString(), maxConnections: 4 });
  pools.push(pool);
  return pool;
}

async function createWorker(options: Partial<RatingWorkerOptions> = {}): Promise<TestWorker> {
  const workerDb = await openWorkerDatabase();
  const logger = createLogger(
    'warn',
    new Writable({
      write(chunk, _encoding, done) {
        workerLogs.push(chunk.toString());
        done();
      },
    }),
  );
  const twilio = new TwilioClient({ baseUrl: service.twilio.url, timeoutMs: 5_000, retryBaseMs: 1, maxRetryDelayMs: 20, logger });
  const rater = new RecordingRater(workerDb, twilio, { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 }, logger);
  const worker = new RatingWorker(workerDb, rater, { concurrency: 4, pollIntervalMs: 20, leaseSeconds: 30, ...options }, logger);
  const created = { worker, rater };
  workers.push(created);
  return created;
}

/** Adds a completed call to the stand-in, with a recording when `recordingPrice` is given. */
function addCall(account: TestAccount, index: number, price: string, recordingPrice?: string): string {
  const sid = makeCallSid();
  const startTime = new Date(CALL_DAY_START + index * 60_000);
  service.twilio.addCall({
    sid,
    accountSid: account.twilioAccountSid,
    from: '+13051416799',
    to: '+13052223333',
    direction: 'outbound-api',
    status: 'completed',
    startTime,
    durationSeconds: 30 + index,
    price,
  });
  if (recordingPrice !== undefined) {
    service.twilio.addRecording({ sid: makeRecordingSid(), callSid: sid, accountSid: account.twilioAccountSid, price: recordingPrice, durationSeconds: 30 });
  }
  return sid;
}

async function report(account: TestAccount, customerId: string, callSid: string): Promise<string> {
  const response = await service.call('POST', '/billables', { accountId: account.id, customerId, callSid });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.id;
}

/** Waits until every given billable is Rated, and fails at once with the reasons if one fails. */
async function waitUntilRated(ids: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db.query<{ id: string; status: string; failureReason: string | null }>(
      `SELECT id, status, failure_reason AS "failureReason" FROM billables WHERE id = ANY($1::text[])`,
      [ids],
    );
    const failed = rows.filter((row) => row.status === 'Failed');
    if (failed.length > 0) throw new Error(`billables failed: ${JSON.stringify(failed)}`);
    if (rows.filter((row) => row.status === 'Rated').length === ids.length) return;
    if (Date.now() > deadline) throw new Error(`only ${rows.filter((row) => row.status === 'Rated').length} of ${ids.length} billables were rated within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitFor(condition: () => boolean, description: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function callFetches(account: TestAccount, callSid: string): number {
  const path = `/2010-04-01/Accounts/${account.twilioAccountSid}/Calls/${callSid}.json`;
  return service.twilio.requests.filter((request) => request.path.split('?')[0] === path).length;
}

async function dailyBillableCount(accountId: string): Promise<number> {
  const rows = await db.query<{ total: number }>('SELECT coalesce(sum(billable_count), 0)::int AS total FROM customer_daily_totals WHERE account_id = $1', [accountId]);
  return rows[0]?.total ?? -1;
}

/**
 * Reads each customer's totalCost from the raw GetBilling response text, so the amounts are
 * compared as decimals and never pass through a float.
 */
async function billedTotals(accountId: string): Promise<Map<string, Decimal>> {
  const response = await fetch(`${service.url}/billing?accountId=${accountId}&startDate=${BILLING_DAY}&endDate=${BILLING_DAY}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'application/json' },
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const totals = new Map<string, Decimal>();
  for (const match of text.matchAll(/"customerId":"([^"]+)"[^}]*?"totalCost":(-?[0-9.]+(?:[eE][+-]?\d+)?)/g)) {
    totals.set(match[1] as string, new Decimal(match[2] as string));
  }
  expect(totals.size, text).toBe((JSON.parse(text) as { customers: unknown[] }).customers.length);
  return totals;
}

/** Returns a price in Twilio's form: negative, with up to five decimal places. */
function priceFor(index: number): string {
  const cents = ((index * 7919) % 99_991) + 7;
  return `-${new Decimal(cents).dividedBy(100_000).toFixed()}`;
}

describe('rating workers on one database', () => {
  it('rate each billable exactly once', async () => {
    const account = await service.createAccount({ customers: ['North', 'South', 'West'] });
    const expected = new Map(account.customerIds.map((id) => [id, new Decimal(0)]));
    const calls: Array<{ customerId: string; callSid: string }> = [];
    for (let index = 0; index < 60; index++) {
      const customerId = account.customerIds[index % 3] as string;
      const price = priceFor(index);
      const recordingPrice = index % 5 === 0 ? '-0.0025' : undefined;
      calls.push({ customerId, callSid: addCall(account, index, price, recordingPrice) });
      const cost = new Decimal(price).abs().plus(recordingPrice === undefined ? 0 : new Decimal(recordingPrice).abs());
      expected.set(customerId, (expected.get(customerId) as Decimal).plus(cost));
    }
    const ids: string[] = [];
    for (let start = 0; start < calls.length; start += 10) {
      const batch = calls.slice(start, start + 10);
      ids.push(...(await Promise.all(batch.map(({ customerId, callSid }) => report(account, customerId, callSid)))));
    }

    const started = await Promise.all([createWorker(), createWorker(), createWorker()]);
    for (const { worker } of started) worker.start();
    await waitUntilRated(ids);
    await Promise.all(started.map(({ worker }) => worker.stop()));

    for (const { callSid } of calls) expect(callFetches(account, callSid), callSid).toBe(1);
    const results = started.flatMap(({ rater }) => rater.results);
    expect(results.filter((result) => result === 'Rated')).toHaveLength(60);
    expect(results.filter((result) => result !== 'Rated')).toEqual([]);
    expect(started.filter(({ rater }) => rater.results.length > 0).length).toBeGreaterThanOrEqual(2);

    const attempts = await db.query<{ attempts: number }>('SELECT attempts FROM billables WHERE id = ANY($1::text[])', [ids]);
    expect(attempts.map((row) => row.attempts)).toEqual(ids.map(() => 1));
    const legs = await db.query<{ total: number }>('SELECT count(*)::int AS total FROM billable_legs WHERE billable_id = ANY($1::text[])', [ids]);
    expect(legs[0]?.total).toBe(60);
    const recordings = await db.query<{ total: number }>('SELECT count(*)::int AS total FROM billable_recordings WHERE billable_id = ANY($1::text[])', [ids]);
    expect(recordings[0]?.total).toBe(12);
    expect(await dailyBillableCount(account.id)).toBe(60);

    const billed = await billedTotals(account.id);
    for (const [customerId, total] of expected) {
      expect(billed.get(customerId)?.toFixed(), customerId).toBe(total.toFixed());
    }
    const expectedSum = [...expected.values()].reduce((sum, value) => sum.plus(value), new Decimal(0));
    const billedSum = [...billed.values()].reduce((sum, value) => sum.plus(value), new Decimal(0));
    expect(billedSum.toFixed()).toBe(expectedSum.toFixed());

    expect(service.twilio.schemaErrors).toEqual([]);
    expect(workerLogs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });

  it('takes over a billable whose lease expired', async () => {
    const account = await service.createAccount({ customers: ['Orphaned'] });
    const callSid = addCall(account, 0, '-0.0150');
    const id = await report(account, account.customerIds[0] as string, callSid);

    // A worker that claims the billable and dies without rating it.
    const dead = await claimDueBillables(db, 10, 3);
    expect(dead.map((claim) => claim.id)).toEqual([id]);
    expect(dead[0]?.attempts).toBe(1);
    expect(await claimDueBillables(db, 10, 3)).toEqual([]);

    const { worker, rater } = await createWorker();
    worker.start();
    await waitUntilRated([id]);
    await worker.stop();

    expect(rater.results).toEqual(['Rated']);
    expect(callFetches(account, callSid)).toBe(1);
    const rows = await db.query<{ attempts: number }>('SELECT attempts FROM billables WHERE id = $1', [id]);
    expect(rows[0]?.attempts).toBe(2);
    expect(await dailyBillableCount(account.id)).toBe(1);
    expect((await billedTotals(account.id)).get(account.customerIds[0] as string)?.toFixed()).toBe('0.015');
  });

  it('counts once when a lease expires mid-rating', async () => {
    const account = await service.createAccount({ customers: ['Contended'] });
    const callSid = addCall(account, 0, '-0.0330');
    // The first fetch of the call outlives the first worker's lease.
    service.twilio.failNext({ path: new RegExp(`/Calls/${callSid}\\.json`) }, { delayMs: 2_000 });
    const id = await report(account, account.customerIds[0] as string, callSid);

    const slow = await createWorker({ concurrency: 1, leaseSeconds: 0.5 });
    slow.worker.start();
    await waitFor(() => callFetches(account, callSid) === 1, 'the slow worker fetches the call');
    const fast = await createWorker({ leaseSeconds: 30 });
    fast.worker.start();
    await waitUntilRated([id]);
    await waitFor(() => slow.rater.results.length === 1, 'the slow worker finishes its rating');
    await Promise.all([slow.worker.stop(), fast.worker.stop()]);

    expect(fast.rater.results).toEqual(['Rated']);
    expect(slow.rater.results).toEqual(['Skipped']);
    expect(callFetches(account, callSid)).toBe(2);
    const legs = await db.query<{ total: number }>('SELECT count(*)::int AS total FROM billable_legs WHERE billable_id = $1', [id]);
    expect(legs[0]?.total).toBe(1);
    expect(await dailyBillableCount(account.id)).toBe(1);
    expect((await billedTotals(account.id)).get(account.customerIds[0] as string)?.toFixed()).toBe('0.033');
  });
});
