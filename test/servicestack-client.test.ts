import { JsonServiceClient, type IReturn } from '@servicestack/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestService, type TestAccount, type TestService } from './support/harness.js';
import { makeCallSid } from './support/twilio-standin.js';

// Request and response DTOs written by hand, the way an Evo Voice client declares them.

class BillableInfo {
  id?: string;
  accountId?: string;
  customerId?: string;
  callSid?: string;
  status?: string;
  totalCost?: number;
}

class BillingCustomerInfo {
  customerId?: string;
  customerName?: string;
  billableCount?: number;
  pendingCount?: number;
  callCost?: number;
  totalCost?: number;
  currency?: string;
}

class BillingInfo {
  customers?: BillingCustomerInfo[];
}

class NewBillable implements IReturn<BillableInfo> {
  accountId?: string;
  customerId?: string;
  sessionId?: string;
  callSid?: string;

  constructor(init?: Partial<NewBillable>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'NewBillable';
  }
  getMethod() {
    return 'POST';
  }
  createResponse() {
    return new BillableInfo();
  }
}

class GetBilling implements IReturn<BillingInfo> {
  accountId?: string;
  startDate?: string;
  endDate?: string;
  customerId?: string;

  constructor(init?: Partial<GetBilling>) {
    Object.assign(this, init);
  }
  getTypeName() {
    return 'GetBilling';
  }
  getMethod() {
    return 'GET';
  }
  createResponse() {
    return new BillingInfo();
  }
}

/** The shape in which JsonServiceClient throws a ServiceStack error response. */
interface ThrownError {
  responseStatus: { errorCode: string; message: string; errors?: Array<{ errorCode: string; fieldName: string; message: string }> };
}

let service: TestService;
let account: TestAccount;
let customerId: string;

const CALL_START = new Date(Date.UTC(2024, 2, 5, 14, 30, 0));

beforeAll(async () => {
  service = await startTestService();
  account = await service.createAccount({ customers: ['Client customer'] });
  customerId = account.customerIds[0] as string;
});

afterAll(async () => {
  await service?.close();
});

/** Creates a client as an existing integration does, and records the URL of every request it sends. */
function createClient(): { client: JsonServiceClient; urls: string[] } {
  const client = new JsonServiceClient(service.url);
  client.bearerToken = ADMIN_KEY;
  const urls: string[] = [];
  client.urlFilter = (url) => urls.push(url);
  return { client, urls };
}

function addCompletedCall(price: string): string {
  const sid = makeCallSid();
  service.twilio.addCall({
    sid,
    accountSid: account.twilioAccountSid,
    from: '+13051416799',
    to: '+13052223333',
    direction: 'outbound-api',
    status: 'completed',
    startTime: CALL_START,
    durationSeconds: 61,
    price,
  });
  return sid;
}

/** Awaits a promise that must reject, and returns what it rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<ThrownError> {
  try {
    await promise;
  } catch (error) {
    return error as ThrownError;
  }
  throw new Error('the request was expected to fail but succeeded');
}

async function post(path: string, body: string, contentType: string): Promise<{ status: number; body: any }> {
  const response = await fetch(service.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': contentType },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('JsonServiceClient', () => {
  it('posts NewBillable to /api/NewBillable', async () => {
    const { client, urls } = createClient();
    const callSid = addCompletedCall('-0.0130');

    const billable = await client.post(new NewBillable({ accountId: account.id, customerId, callSid }));

    expect(urls).toEqual([`${service.url}/api/NewBillable`]);
    expect(billable.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(billable.callSid).toBe(callSid);
    expect(billable.customerId).toBe(customerId);
    expect(billable.status).toBe('Pending');

    const rated = await service.waitForStatus(billable.id as string, ['Rated', 'Failed']);
    expect(rated.status).toBe('Rated');
    expect(rated.totalCost).toBe(0.013);
  });

  it('gets GetBilling with query parameters', async () => {
    const { client, urls } = createClient();
    const callSid = addCompletedCall('-0.0070');
    const billable = await client.post(new NewBillable({ accountId: account.id, customerId, callSid }));
    await service.waitForStatus(billable.id as string, ['Rated']);

    const billing = await client.get(new GetBilling({ accountId: account.id, startDate: '2024-03-01', endDate: '2024-03-31' }));

    expect(urls[1]).toBe(`${service.url}/api/GetBilling?accountId=${account.id}&startDate=2024-03-01&endDate=2024-03-31`);
    const customer = billing.customers?.find((item) => item.customerId === customerId);
    expect(customer).toBeDefined();
    expect(customer?.customerName).toBe('Client customer');
    expect(customer?.billableCount).toBeGreaterThanOrEqual(1);
    expect(customer?.currency).toBe('USD');
  });

  it('sends GetBilling with send()', async () => {
    const { client, urls } = createClient();

    const billing = await client.send(new GetBilling({ accountId: account.id, startDate: '2020-01-01', endDate: '2020-01-31', customerId }));

    expect(urls[0]).toMatch(new RegExp(`^${service.url}/api/GetBilling\\?`));
    expect(billing.customers).toHaveLength(1);
    expect(billing.customers?.[0]?.billableCount).toBe(0);
    expect(billing.customers?.[0]?.totalCost).toBe(0);
  });

  it('uses /json/reply/ after useBasePath()', async () => {
    const { client, urls } = createClient();
    client.useBasePath();
    const callSid = makeCallSid();

    const billable = await client.post(new NewBillable({ accountId: account.id, customerId, callSid }));
    const billing = await client.get(new GetBilling({ accountId: account.id, startDate: '2024-03-01', endDate: '2024-03-31', customerId }));

    expect(urls[0]).toBe(`${service.url}/json/reply/NewBillable`);
    expect(urls[1]).toMatch(new RegExp(`^${service.url}/json/reply/GetBilling\\?`));
    expect(billable.callSid).toBe(callSid);
    expect(billing.customers?.map((customer) => customer.customerId)).toEqual([customerId]);
  });

  it('sends a batch with sendAll()', async () => {
    const { client, urls } = createClient();
    const callSids = [makeCallSid(), makeCallSid()];

    const billables = await client.sendAll(callSids.map((callSid) => new NewBillable({ accountId: account.id, customerId, callSid })));

    expect(urls).toEqual([`${service.url}/api/NewBillable[]`]);
    expect(billables.map((billable) => billable.callSid)).toEqual(callSids);
    expect(new Set(billables.map((billable) => billable.id)).size).toBe(2);
  });

  it('authenticates with HTTP Basic credentials', async () => {
    const client = new JsonServiceClient(service.url);
    client.setCredentials(ADMIN_KEY, '');

    const billing = await client.get(new GetBilling({ accountId: account.id, startDate: '2024-03-01', endDate: '2024-03-01' }));

    expect(billing.customers?.map((customer) => customer.customerId)).toEqual([customerId]);
  });

  it('throws a missing field as ResponseStatus', async () => {
    const { client } = createClient();

    const error = await rejectionOf(client.post(new NewBillable({ accountId: account.id, customerId })));

    expect(error.responseStatus.errorCode).toBe('NotEmpty');
    expect(error.responseStatus.message).toMatch(/callSid/);
    expect(error.responseStatus.errors?.[0]?.fieldName).toBe('callSid');
    expect(error.responseStatus.errors?.[0]?.errorCode).toBe('NotEmpty');
  });

  it('throws an invalid call SID as ResponseStatus', async () => {
    const { client } = createClient();

    const error = await rejectionOf(client.post(new NewBillable({ accountId: account.id, customerId, callSid: 'CA123' })));

    expect(error.responseStatus.errorCode).toBe('InvalidCallSid');
    expect(error.responseStatus.errors?.[0]?.fieldName).toBe('callSid');
  });

  it('reports a validation error through api()', async () => {
    const { client } = createClient();

    const result = await client.api(new NewBillable({}));

    expect(result.succeeded).toBe(false);
    expect(result.errorCode).toBe('NotEmpty');
    expect(result.fieldError('sessionId')?.errorCode).toBe('NotEmpty');
  });

  it('throws 401 for an unknown key', async () => {
    const { client } = createClient();
    client.bearerToken = 'vb_unknown-key';

    const error = await rejectionOf(client.get(new GetBilling({ accountId: account.id, startDate: '2024-03-01', endDate: '2024-03-31' })));

    expect(error.responseStatus.errorCode).toBe('Unauthorized');
    expect(error.responseStatus.message).toBe('Invalid API Key');
  });

  it('throws 401 without a key', async () => {
    const client = new JsonServiceClient(service.url);
    let status: number | undefined;
    client.responseFilter = (response) => {
      status = response.status;
    };

    const error = await rejectionOf(client.post(new NewBillable({ accountId: account.id, customerId, callSid: makeCallSid() })));

    expect(status).toBe(401);
    expect(error.responseStatus.errorCode).toBe('Unauthorized');
  });
});

describe('predefined routes', () => {
  it('match operation names case-insensitively', async () => {
    const callSid = makeCallSid();

    const response = await post('/api/newbillable', JSON.stringify({ accountId: account.id, customerId, callSid }), 'application/json');

    expect(response.status).toBe(200);
    expect(response.body.callSid).toBe(callSid);
    expect(response.body.status).toBe('Pending');
  });

  it('accept one-way NewBillable', async () => {
    const callSid = makeCallSid();

    const response = await fetch(`${service.url}/json/oneway/NewBillable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: account.id, customerId, callSid }),
    });
    await response.arrayBuffer();

    expect(response.ok).toBe(true);
    const listed = await service.call('GET', `/billables?accountId=${account.id}&customerId=${customerId}&countPerPage=1000`);
    expect(listed.body.items.map((billable: { callSid: string }) => billable.callSid)).toContain(callSid);
  });

  it('return 404 for an unknown operation', async () => {
    const response = await service.call('POST', '/api/Nope', {});

    expect(response.status).toBe(404);
    expect(response.body.responseStatus.errorCode).toBe('NotFound');
    expect(response.body.responseStatus.message).toMatch(/Nope/);
  });

  it('return 404 for an unknown path', async () => {
    const response = await service.call('GET', '/no/such/route');

    expect(response.status).toBe(404);
    expect(response.body.responseStatus.errorCode).toBe('NotFound');
  });
});

describe('request binding', () => {
  it('binds query keys case-insensitively', async () => {
    const response = await service.call('GET', `/billing?AccountId=${account.id}&STARTDATE=2024-03-01&enddate=2024-03-31&CustomerID=${customerId}`);

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.customers.map((customer: { customerId: string }) => customer.customerId)).toEqual([customerId]);
  });

  it('reports a missing query field', async () => {
    const response = await service.call('GET', `/billing?accountId=${account.id}&startDate=2024-03-01`);

    expect(response.status).toBe(400);
    expect(response.body.responseStatus.errorCode).toBe('NotEmpty');
    expect(response.body.responseStatus.errors.map((error: { fieldName: string }) => error.fieldName)).toEqual(['endDate']);
  });

  it('binds a form-urlencoded body', async () => {
    const callSid = makeCallSid();
    const form = new URLSearchParams({ AccountId: account.id, customerId, CALLSID: callSid }).toString();

    const response = await post('/billables', form, 'application/x-www-form-urlencoded');

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.callSid).toBe(callSid);
    expect(response.body.accountId).toBe(account.id);
  });

  it('rejects a JSON array', async () => {
    const body = JSON.stringify([{ accountId: account.id, customerId, callSid: makeCallSid() }]);

    const response = await post('/billables', body, 'application/json');

    expect(response.status).toBe(400);
    expect(response.body.responseStatus.errorCode).toBe('SerializationException');
    expect(response.body.responseStatus.errors[0].fieldName).toBe('body');
  });

  it('rejects malformed JSON', async () => {
    const response = await post('/billables', '{"accountId": "x",', 'application/json');

    expect(response.status).toBe(400);
    expect(response.body.responseStatus.errorCode).toBe('SerializationException');
    expect(response.body.responseStatus.message).toMatch(/not valid JSON/);
  });

  it('rejects an unsupported Content-Type', async () => {
    const response = await post('/billables', 'accountId=x', 'text/plain');

    expect(response.status).toBe(415);
    expect(response.body.responseStatus.errorCode).toBe('UnsupportedMediaType');
    expect(response.body.responseStatus.message).toMatch(/application\/json/);
  });

  it('rejects a body over 1 MiB', async () => {
    const padding = 'x'.repeat(1024 * 1024);
    const body = JSON.stringify({ accountId: account.id, customerId, callSid: makeCallSid(), padding });

    const response = await post('/billables', body, 'application/json');

    expect(response.status).toBe(413);
    expect(response.body.responseStatus.errorCode).toBe('PayloadTooLarge');
  });

  it('accepts a body just under 1 MiB', async () => {
    const callSid = makeCallSid();
    const envelope = JSON.stringify({ accountId: account.id, customerId, callSid, padding: '' });
    const body = JSON.stringify({ accountId: account.id, customerId, callSid, padding: 'x'.repeat(1024 * 1024 - envelope.length) });
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);

    const response = await post('/billables', body, 'application/json');

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.callSid).toBe(callSid);
  });
});
