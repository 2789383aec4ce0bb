import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillableRater } from '../src/billing/rater.js';
import type { ClaimedBillable } from '../src/store/billables.js';
import { TwilioClient } from '../src/twilio/client.js';
import { RatingWorker } from '../src/worker/rating-worker.js';
import { startTestService, type TestService } from './support/harness.js';
import { makeCallSid } from './support/twilio-standin.js';

/** A rater that fails the way a bug or a value the store rejects would. */
class BrokenRater extends BillableRater {
  calls = 0;

  override async rate(_claim: ClaimedBillable): Promise<never> {
    this.calls++;
    throw new Error('simulated failure inside rating');
  }
}

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ worker: false });
});

afterAll(async () => {
  await service?.close();
});

describe('RatingWorker unexpected errors', () => {
  it('fails a billable after its attempts', async () => {
    const account = await service.createAccount();
    const reported = await service.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid: makeCallSid() });
    expect(reported.status).toBe(200);

    const logger = pino({ level: 'silent' });
    const rater = new BrokenRater(service.app.db, new TwilioClient({ baseUrl: service.twilio.url }), { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 }, logger);
    const worker = new RatingWorker(service.app.db, rater, { concurrency: 1, pollIntervalMs: 50, leaseSeconds: 1 }, logger);
    worker.start();
    try {
      const failed = await service.waitForStatus(reported.body.id, ['Failed', 'Rated'], 20_000);
      expect(failed.status).toBe('Failed');
      expect(failed.attempts).toBe(2);
      expect(failed.failureReason).toBe('rating failed unexpectedly: simulated failure inside rating');
      expect(rater.calls).toBe(2);
    } finally {
      await worker.stop();
    }
  });
});
