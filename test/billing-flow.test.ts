import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestService, type TestAccount, type TestService } from './support/harness.js';
import { makeCallSid, makeRecordingSid } from './support/twilio-standin.js';

let service: TestService;
let account: TestAccount;

beforeAll(async () => {
  service = await startTestService();
  account = await service.createAccount({ timeZone: 'America/New_York', customers: ['Alpha', 'Beta'] });
});

afterAll(async () => {
  await service?.close();
});

function addCall(overrides: Partial<Parameters<TestService['twilio']['addCall']>[0]> = {}) {
  const sid = makeCallSid();
  service.twilio.addCall({
    sid,
    accountSid: account.twilioAccountSid,
    from: '+12125550100',
    to: '+13105550199',
    direction: 'outbound-api',
    status: 'completed',
    startTime: new Date('2026-11-10T15:00:00Z'),
    durationSeconds: 61,
    price: '-0.0140',
    priceUnit: 'USD',
    ...overrides,
  });
  return sid;
}

function addCallWithSid(sid: string) {
  service.twilio.addCall({ sid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime: new Date('2026-11-10T15:00:00Z'), durationSeconds: 61, price: '-0.0140', priceUnit: 'USD' });
}

function report(callSid: string, customerId = account.customerIds[0]) {
  return service.call('POST', '/billables', { accountId: account.id, customerId, callSid });
}

describe('NewBillable and rating', () => {
  it('rates a call with legs and recordings exactly', async () => {
    const callSid = addCall({ direction: 'inbound', from: '+14155550123', to: '+12125550100', durationSeconds: 125, price: '-0.0085' });
    const legSids = [makeCallSid(), makeCallSid(), makeCallSid()];
    service.twilio.addCall({ sid: legSids[0]!, parentCallSid: callSid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+442071838750', direction: 'outbound-dial', status: 'completed', startTime: new Date('2026-11-10T15:00:05Z'), durationSeconds: 119, price: '-0.1234', priceUnit: 'USD' });
    service.twilio.addCall({ sid: legSids[1]!, parentCallSid: callSid, accountSid: account.twilioAccountSid, from: '+12125550100', to: 'sip:desk@pbx.example.com', direction: 'outbound-dial', status: 'completed', startTime: new Date('2026-11-10T15:00:06Z'), durationSeconds: 30, price: '-0.0040', priceUnit: 'USD' });
    service.twilio.addCall({ sid: legSids[2]!, parentCallSid: callSid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+13105550111', direction: 'outbound-dial', status: 'no-answer', startTime: new Date('2026-11-10T15:00:07Z'), durationSeconds: 0, price: null, priceUnit: 'USD' });
    service.twilio.addRecording({ sid: makeRecordingSid(), callSid, accountSid: account.twilioAccountSid, price: '-0.0025', durationSeconds: 125 });
    service.twilio.addRecording({ sid: makeRecordingSid(), callSid: legSids[0]!, accountSid: account.twilioAccountSid, price: '-0.0005', durationSeconds: 119 });

    const reported = await report(callSid);
    expect(reported.status).toBe(200);
    expect(reported.body.status).toBe('Pending');

    const rated = await service.waitForStatus(reported.body.id, ['Rated', 'Failed']);
    expect(rated.status).toBe('Rated');
    expect(rated.legs).toBe(4);
    expect(rated.callCost).toBe(0.1359);
    expect(rated.recordingCost).toBe(0.003);
    expect(rated.totalCost).toBe(0.1389);
    expect(rated.internationalCost).toBe(0.1234);
    expect(rated.isInternational).toBe(true);
    expect(rated.hasCallRecording).toBe(true);
    expect(rated.inboundMinutes).toBe(3);
    expect(rated.outboundMinutes).toBe(3);
    expect(rated.direction).toBe('inbound');
    expect(rated.durationSeconds).toBe(125);
    expect(rated.billingDay).toBe('2026-11-10');
    expect(rated.currency).toBe('USD');
  });

  it('fails a child leg reported alone', async () => {
    const parentSid = addCall({ price: '-0.0170' });
    const legSid = makeCallSid();
    service.twilio.addCall({ sid: legSid, parentCallSid: parentSid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+13105550123', direction: 'outbound-dial', status: 'completed', startTime: new Date('2026-11-10T15:00:02Z'), durationSeconds: 30, price: '-0.1000', priceUnit: 'USD' });

    const parent = await report(parentSid);
    const leg = await report(legSid, account.customerIds[1]);

    expect((await service.waitForStatus(parent.body.id, ['Rated', 'Failed'])).totalCost).toBe(0.117);
    const failed = await service.waitForStatus(leg.body.id, ['Rated', 'Failed']);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toMatch(/child leg of .*report the parent call/);
  });

  it('returns the same billable when reported again', async () => {
    const callSid = addCall();
    const first = await report(callSid);
    const second = await report(callSid);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  it('rejects the same call for another customer', async () => {
    const callSid = addCall();
    await report(callSid, account.customerIds[0]);
    const other = await report(callSid, account.customerIds[1]);
    expect(other.status).toBe(409);
    expect(other.body.responseStatus.errorCode).toBe('Conflict');
    expect(other.body.responseStatus.errors[0].fieldName).toBe('callSid');
  });

  it('stores one billable for 100 concurrent reports', async () => {
    const callSid = addCall();
    const responses = await Promise.all(Array.from({ length: 100 }, () => report(callSid)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    const rows = await service.app.db.query<{ count: number }>('SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [callSid]);
    expect(rows[0]?.count).toBe(1);
  });

  it('waits for a price that arrives late', async () => {
    const callSid = addCall({ price: null });
    const reported = await report(callSid);
    await expect.poll(async () => (await service.call('GET', `/billables/${reported.body.id}`)).body.attempts, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    const pending = await service.call('GET', `/billables/${reported.body.id}`);
    expect(pending.body.status).toBe('Pending');
    service.twilio.updateCall(callSid, { price: '-0.0200' });
    const rated = await service.waitForStatus(reported.body.id, ['Rated', 'Failed']);
    expect(rated.status).toBe('Rated');
    expect(rated.totalCost).toBe(0.02);
  });

  it('fails a call that never finishes', async () => {
    const callSid = addCall({ status: 'in-progress', price: null });
    const reported = await report(callSid);
    const failed = await service.waitForStatus(reported.body.id, ['Failed', 'Rated']);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toMatch(/still in-progress after 4 attempts/);
    expect(failed.attempts).toBe(4);
  });

  it('fails an unknown call SID', async () => {
    const reported = await report(makeCallSid());
    const failed = await service.waitForStatus(reported.body.id, ['Failed', 'Rated']);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toBe('call not found in the Twilio account');
  });

  it('fails when Twilio rejects the credentials', async () => {
    const other = await service.createAccount();
    await service.call('PATCH', `/accounts/${other.id}`, { twilioAuthToken: 'wrong-token' });
    const callSid = makeCallSid();
    service.twilio.addCall({ sid: callSid, accountSid: other.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime: new Date(), durationSeconds: 5, price: '-0.01' });
    const reported = await service.call('POST', '/billables', { accountId: other.id, customerId: other.customerIds[0], callSid });
    const failed = await service.waitForStatus(reported.body.id, ['Failed', 'Rated']);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toMatch(/credentials/);
  });

  it('retries failed calls after a credentials fix', async () => {
    const other = await service.createAccount();
    await service.call('PATCH', `/accounts/${other.id}`, { twilioAuthToken: 'wrong-token' });
    const callSid = makeCallSid();
    service.twilio.addCall({ sid: callSid, accountSid: other.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime: new Date(), durationSeconds: 5, price: '-0.0100' });
    const reported = await service.call('POST', '/billables', { accountId: other.id, customerId: other.customerIds[0], callSid });
    expect((await service.waitForStatus(reported.body.id, ['Failed', 'Rated'])).status).toBe('Failed');

    const fixed = await service.call('PATCH', `/accounts/${other.id}`, { twilioAuthToken: other.twilioAuthToken });
    expect(fixed.status).toBe(200);
    const rated = await service.waitForStatus(reported.body.id, ['Rated']);
    expect(rated.totalCost).toBe(0.01);
    expect(rated.attempts).toBe(1);
  });

  it('retries a failed call reported again', async () => {
    const callSid = makeCallSid();
    const reported = await report(callSid);
    expect((await service.waitForStatus(reported.body.id, ['Failed', 'Rated'])).status).toBe('Failed');

    addCallWithSid(callSid);
    const again = await report(callSid);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(reported.body.id);
    expect(again.body.status).toBe('Pending');
    expect((await service.waitForStatus(reported.body.id, ['Rated'])).status).toBe('Rated');
  });

  it('retries Twilio rate limits and outages', async () => {
    const callSid = addCall({ price: '-0.0300' });
    service.twilio.failNext({ path: new RegExp(`Calls/${callSid}\\.json`) }, { status: 429, times: 2, retryAfterSeconds: 0 });
    service.twilio.failNext({ path: new RegExp(`ParentCallSid=${callSid}`) }, { status: 503, times: 1 });
    const reported = await report(callSid);
    const rated = await service.waitForStatus(reported.body.id, ['Rated', 'Failed']);
    expect(rated.status).toBe('Rated');
    expect(rated.totalCost).toBe(0.03);
    const fetches = service.twilio.requests.filter((request) => request.path.includes(`Calls/${callSid}.json`));
    expect(fetches.length).toBeGreaterThanOrEqual(3);
  });

  it('fails a call priced in another currency', async () => {
    const callSid = addCall({ priceUnit: 'EUR' });
    const reported = await report(callSid);
    const failed = await service.waitForStatus(reported.body.id, ['Failed', 'Rated']);
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toMatch(/EUR/);
  });
});

describe('NewBillable with a session', () => {
  it('takes account, customer and call from the session', async () => {
    const callSid = addCall();
    const session = await service.call('POST', '/sessions', { accountId: account.id, customerId: account.customerIds[1], callSid, channel: 'voice' });
    expect(session.status).toBe(200);
    expect(session.body.channel).toBe('Voice');
    const reported = await service.call('POST', '/billables', { sessionId: session.body.id });
    expect(reported.status).toBe(200);
    expect(reported.body.customerId).toBe(account.customerIds[1]);
    expect(reported.body.callSid).toBe(callSid);
    expect(reported.body.sessionId).toBe(session.body.id);
  });

  it('rejects values that contradict the session', async () => {
    const session = await service.call('POST', '/sessions', { accountId: account.id, customerId: account.customerIds[1], callSid: makeCallSid() });
    const cases = [
      { body: { sessionId: session.body.id, customerId: account.customerIds[0] }, field: 'customerId' },
      { body: { sessionId: session.body.id, accountId: 'another-account' }, field: 'accountId' },
      { body: { sessionId: session.body.id, callSid: makeCallSid() }, field: 'callSid' },
    ];
    for (const { body, field } of cases) {
      const response = await service.call('POST', '/billables', body);
      expect(response.status, field).toBe(400);
      expect(response.body.responseStatus.errors[0].fieldName).toBe(field);
    }
  });

  it('returns 404 for an unknown session', async () => {
    const response = await service.call('POST', '/billables', { sessionId: 'no-such-session' });
    expect(response.status).toBe(404);
    expect(response.body.responseStatus.errorCode).toBe('NotFound');
  });
});

describe('NewBillable bad input', () => {
  it('names the missing or invalid field', async () => {
    const cases: Array<{ body: unknown; status: number; field: string; code?: string }> = [
      { body: {}, status: 400, field: 'sessionId', code: 'NotEmpty' },
      { body: { accountId: account.id, callSid: makeCallSid() }, status: 400, field: 'customerId', code: 'NotEmpty' },
      { body: { customerId: account.customerIds[0], callSid: makeCallSid() }, status: 400, field: 'accountId', code: 'NotEmpty' },
      { body: { accountId: account.id, customerId: account.customerIds[0] }, status: 400, field: 'callSid', code: 'NotEmpty' },
      { body: { accountId: account.id, customerId: account.customerIds[0], callSid: 'CA123' }, status: 400, field: 'callSid', code: 'InvalidCallSid' },
      { body: { accountId: account.id, customerId: account.customerIds[0], callSid: `XX${'0'.repeat(32)}` }, status: 400, field: 'callSid' },
      { body: { accountId: account.id, customerId: account.customerIds[0], callSid: { nested: true } }, status: 400, field: 'callSid', code: 'InvalidValue' },
      { body: { accountId: account.id, customerId: 'nobody', callSid: makeCallSid() }, status: 404, field: 'customerId' },
      { body: { accountId: 'nowhere', customerId: account.customerIds[0], callSid: makeCallSid() }, status: 404, field: 'accountId' },
    ];
    for (const { body, status, field, code } of cases) {
      const response = await service.call('POST', '/billables', body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.responseStatus.errors[0]?.fieldName, JSON.stringify(body)).toBe(field);
      if (code) expect(response.body.responseStatus.errorCode).toBe(code);
    }
  });

  it('rejects a customer of another account', async () => {
    const other = await service.createAccount();
    const response = await report(makeCallSid(), other.customerIds[0]);
    expect(response.status).toBe(400);
    expect(response.body.responseStatus.errors[0].fieldName).toBe('customerId');
    expect(response.body.responseStatus.message).toMatch(/does not belong to account/);
  });

  it('writes nothing for a rejected report', async () => {
    const callSid = makeCallSid();
    await service.call('POST', '/billables', { accountId: account.id, customerId: 'nobody', callSid });
    const rows = await service.app.db.query('SELECT id FROM billables WHERE call_sid = $1', [callSid]);
    expect(rows).toHaveLength(0);
  });
});

describe('GetBilling', () => {
  let billingAccount: TestAccount;
  const prices = { alpha: ['-0.0100', '-0.0233', '-1.0001'], beta: ['-0.3333'] };

  beforeAll(async () => {
    billingAccount = await service.createAccount({ timeZone: 'America/New_York', customers: ['Alpha', 'Beta', 'Gamma'] });
    const ids: string[] = [];
    const rateOne = async (customerId: string, price: string, startTime: Date, to = '+13105550199', recording = false) => {
      const sid = makeCallSid();
      service.twilio.addCall({ sid, accountSid: billingAccount.twilioAccountSid, from: '+12125550100', to, direction: 'outbound-api', status: 'completed', startTime, durationSeconds: 90, price, priceUnit: 'USD' });
      if (recording) service.twilio.addRecording({ sid: makeRecordingSid(), callSid: sid, accountSid: billingAccount.twilioAccountSid, price: '-0.0025', durationSeconds: 90 });
      const response = await service.call('POST', '/billables', { accountId: billingAccount.id, customerId, callSid: sid });
      ids.push(response.body.id);
    };
    // 2026-12-01T03:00Z is still November 30 in New York.
    await rateOne(billingAccount.customerIds[0]!, prices.alpha[0]!, new Date('2026-12-01T03:00:00Z'));
    await rateOne(billingAccount.customerIds[0]!, prices.alpha[1]!, new Date('2026-12-01T15:00:00Z'), '+33142685300', true);
    await rateOne(billingAccount.customerIds[0]!, prices.alpha[2]!, new Date('2026-12-02T04:59:59Z'));
    await rateOne(billingAccount.customerIds[1]!, prices.beta[0]!, new Date('2026-12-02T05:00:00Z'));
    for (const id of ids) await service.waitForStatus(id, ['Rated']);
  });

  const billing = (query: string, key?: string) => service.call('GET', `/billing?${query}`, undefined, key);

  it('totals customers by local billing day', async () => {
    const response = await billing(`accountId=${billingAccount.id}&startDate=2026-12-01&endDate=2026-12-01`);
    expect(response.status).toBe(200);
    const [alpha, beta, gamma] = response.body.customers;
    expect(response.body.customers.map((customer: any) => customer.customerName)).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(alpha.billableCount).toBe(2);
    expect(alpha.totalCost).toBe(new Decimal('0.0233').plus('1.0001').plus('0.0025').toNumber());
    expect(alpha.internationalCosts).toBe(0.0233);
    expect(alpha.hasCallRecording).toBe(true);
    expect(alpha.outboundMinutes).toBe(4);
    expect(alpha.currency).toBe('USD');
    expect(beta.billableCount).toBe(0);
    expect(beta.totalCost).toBe(0);
    expect(gamma.hasCallRecording).toBe(false);
  });

  it('includes both end days', async () => {
    const response = await billing(`accountId=${billingAccount.id}&startDate=2026-11-30&endDate=2026-12-02`);
    const [alpha, beta] = response.body.customers;
    expect(alpha.billableCount).toBe(3);
    expect(alpha.callCost).toBe(new Decimal('0.0100').plus('0.0233').plus('1.0001').toNumber());
    expect(beta.billableCount).toBe(1);
    expect(beta.totalCost).toBe(0.3333);
  });

  it('uses only the date part', async () => {
    const response = await billing(`accountId=${billingAccount.id}&startDate=2026-11-30T23:59:59Z&endDate=2026-11-30T00:00:00`);
    expect(response.status).toBe(200);
    expect(response.body.customers[0].billableCount).toBe(1);
  });

  it('filters to one customer', async () => {
    const response = await billing(`accountId=${billingAccount.id}&startDate=2026-11-01&endDate=2026-12-31&customerId=${billingAccount.customerIds[1]}`);
    expect(response.body.customers).toHaveLength(1);
    expect(response.body.customers[0].customerId).toBe(billingAccount.customerIds[1]);
  });

  it('moves calls when the time zone changes', async () => {
    const other = await service.createAccount({ timeZone: 'UTC' });
    const sid = makeCallSid();
    service.twilio.addCall({ sid, accountSid: other.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime: new Date('2026-12-01T03:00:00Z'), durationSeconds: 10, price: '-0.5000' });
    const reported = await service.call('POST', '/billables', { accountId: other.id, customerId: other.customerIds[0], callSid: sid });
    await service.waitForStatus(reported.body.id, ['Rated']);
    const before = await billing(`accountId=${other.id}&startDate=2026-12-01&endDate=2026-12-01`);
    expect(before.body.customers[0].billableCount).toBe(1);
    const patched = await service.call('PATCH', `/accounts/${other.id}`, { timeZone: 'America/Los_Angeles' });
    expect(patched.status).toBe(200);
    const after = await billing(`accountId=${other.id}&startDate=2026-12-01&endDate=2026-12-01`);
    expect(after.body.customers[0].billableCount).toBe(0);
    const previousDay = await billing(`accountId=${other.id}&startDate=2026-11-30&endDate=2026-11-30`);
    expect(previousDay.body.customers[0].totalCost).toBe(0.5);
  });

  it('counts billables not yet rated', async () => {
    const other = await service.createAccount({ timeZone: 'UTC' });
    const sid = makeCallSid();
    service.twilio.addCall({ sid, accountSid: other.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'in-progress', startTime: new Date(), durationSeconds: null, price: null });
    await service.call('POST', '/billables', { accountId: other.id, customerId: other.customerIds[0], callSid: sid });
    const today = new Date().toISOString().slice(0, 10);
    const response = await billing(`accountId=${other.id}&startDate=${today}&endDate=${today}`);
    expect(response.body.customers[0].pendingCount + response.body.customers[0].failedCount).toBe(1);
  });

  it('rejects bad ranges and missing fields', async () => {
    const cases: Array<{ query: string; status: number; field: string }> = [
      { query: 'startDate=2026-12-01&endDate=2026-12-01', status: 400, field: 'accountId' },
      { query: `accountId=${billingAccount.id}&endDate=2026-12-01`, status: 400, field: 'startDate' },
      { query: `accountId=${billingAccount.id}&startDate=2026-12-01`, status: 400, field: 'endDate' },
      { query: `accountId=${billingAccount.id}&startDate=2026-12-02&endDate=2026-12-01`, status: 400, field: 'endDate' },
      { query: `accountId=${billingAccount.id}&startDate=2025-01-01&endDate=2026-01-02`, status: 400, field: 'endDate' },
      { query: `accountId=${billingAccount.id}&startDate=2026-02-30&endDate=2026-03-01`, status: 400, field: 'startDate' },
      { query: `accountId=${billingAccount.id}&startDate=yesterday&endDate=2026-03-01`, status: 400, field: 'startDate' },
      { query: `accountId=nowhere&startDate=2026-12-01&endDate=2026-12-01`, status: 404, field: 'accountId' },
      { query: `accountId=${billingAccount.id}&startDate=2026-12-01&endDate=2026-12-01&customerId=nobody`, status: 404, field: 'customerId' },
    ];
    for (const { query, status, field } of cases) {
      const response = await billing(query);
      expect(response.status, query).toBe(status);
      expect(response.body.responseStatus.errors[0]?.fieldName, query).toBe(field);
    }
  });

  it('accepts a range of exactly 366 days', async () => {
    const response = await billing(`accountId=${billingAccount.id}&startDate=2024-01-01&endDate=2024-12-31`);
    expect(response.status).toBe(200);
  });
});

describe('ListBillables', () => {
  it('pages through billables of a customer', async () => {
    const other = await service.createAccount({ customers: ['Paged'] });
    for (let index = 0; index < 5; index++) {
      await service.call('POST', '/billables', { accountId: other.id, customerId: other.customerIds[0], callSid: makeCallSid() });
    }
    const first = await service.call('GET', `/billables?accountId=${other.id}&countPerPage=2&page=0`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.totalCount).toBe(5);
    expect(first.body.totalPages).toBe(3);
    expect(first.body.hasMorePages).toBe(true);
    const last = await service.call('GET', `/billables?accountId=${other.id}&countPerPage=2&page=2`);
    expect(last.body.items).toHaveLength(1);
    expect(last.body.hasMorePages).toBe(false);
    const bad = await service.call('GET', `/billables?accountId=${other.id}&countPerPage=5000`);
    expect(bad.status).toBe(400);
    expect(bad.body.responseStatus.errors[0].fieldName).toBe('countPerPage');
    const badStatus = await service.call('GET', `/billables?accountId=${other.id}&status=Done`);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.responseStatus.errors[0].fieldName).toBe('status');
  });
});

describe('accounts', () => {
  it('rejects a Twilio account used twice', async () => {
    const response = await service.call('POST', '/accounts', { name: 'Copy', twilioAccountSid: account.twilioAccountSid, twilioAuthToken: 'token' });
    expect(response.status).toBe(409);
    expect(response.body.responseStatus.errors[0].fieldName).toBe('twilioAccountSid');
  });

  it('rejects time zone abbreviations', async () => {
    for (const timeZone of ['EST', 'PST', 'Mars/Olympus']) {
      const response = await service.call('PATCH', `/accounts/${account.id}`, { timeZone });
      expect(response.status, timeZone).toBe(400);
      expect(response.body.responseStatus.errors[0].fieldName).toBe('timeZone');
    }
  });
});

it('never returns or logs the Twilio auth token', async () => {
  const created = await service.createAccount();
  const response = await service.call('GET', `/accounts/${created.id}`, undefined, ADMIN_KEY);
  expect(JSON.stringify(response.body)).not.toContain(created.twilioAuthToken);
  expect(service.logs.join('\n')).not.toContain(created.twilioAuthToken);
  expect(service.logs.join('\n')).not.toContain(ADMIN_KEY);
});

describe('NewAccount bad input', () => {
  it('reports every bad field at once', async () => {
    const response = await service.call('POST', '/accounts', { name: 'Many mistakes', twilioAccountSid: 'AC1', twilioAuthToken: 'token', countryCode: 'XX', timeZone: 'EST', currency: 'DOLLARS' });
    expect(response.status).toBe(400);
    const fields = response.body.responseStatus.errors.map((error: any) => error.fieldName);
    expect(fields).toEqual(['twilioAccountSid', 'countryCode', 'timeZone', 'currency']);
  });
});

describe('dates from .NET clients', () => {
  it('accepts the WCF JSON date form', async () => {
    const start = encodeURIComponent('/Date(1764547200000)/');
    const response = await service.call('GET', `/billing?accountId=${account.id}&startDate=${start}&endDate=2025-12-31`);
    expect(response.status).toBe(200);
    const invalid = await service.call('GET', `/billing?accountId=${account.id}&startDate=${encodeURIComponent('/Date(abc)/')}&endDate=2026-12-31`);
    expect(invalid.status).toBe(400);
    expect(invalid.body.responseStatus.errors[0].fieldName).toBe('startDate');
  });
});
