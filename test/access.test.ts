import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestService, type TestAccount, type TestService } from './support/harness.js';
import { makeAccountSid, makeAuthToken, makeCallSid } from './support/twilio-standin.js';

let service: TestService;
/** The account the scoped keys belong to. Its customers form root → child → grandchild, plus an unrelated sibling. */
let home: TestAccount;
let other: TestAccount;
let root: string;
let child: string;
let grandchild: string;
let sibling: string;
let managerKey: string;
let customerKey: string;

const RANGE = 'startDate=2020-01-01&endDate=2020-12-31';

beforeAll(async () => {
  service = await startTestService({ worker: false });
  home = await service.createAccount({ customers: ['Root', 'Sibling'] });
  other = await service.createAccount({ customers: ['Elsewhere'] });
  [root, sibling] = home.customerIds as [string, string];
  child = await newCustomer(home.id, 'Child', root);
  grandchild = await newCustomer(home.id, 'Grandchild', child);

  managerKey = (await newKey({ name: 'manager', role: 'Manager', accountId: home.id })).key;
  customerKey = (await newKey({ name: 'customer', role: 'Customer', accountId: home.id, customerId: child })).key;
});

afterAll(async () => {
  await service?.close();
});

async function newCustomer(accountId: string, name: string, parentCustomerId?: string): Promise<string> {
  const response = await service.call('POST', '/customers', { accountId, name, parentCustomerId });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.id;
}

async function newKey(request: Record<string, unknown>, key: string = ADMIN_KEY): Promise<{ id: string; key: string }> {
  const response = await service.call('POST', '/api-keys', request, key);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Sends a request with exactly the given headers, so each way of passing a key can be checked. */
async function send(path: string, headers: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(service.url + path, { headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** Returns the log lines that contain `text`, so a failure shows only those lines. */
function logLinesContaining(text: string): string[] {
  return service.logs.filter((line) => line.includes(text));
}

function customerIdsOf(billing: { customers: Array<{ customerId: string }> }): string[] {
  return billing.customers.map((customer) => customer.customerId).sort();
}

describe('authentication', () => {
  it('rejects a request without a key', async () => {
    const response = await send('/accounts', {});

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(response.body.responseStatus.errorCode).toBe('Unauthorized');
    expect(response.body.responseStatus.message).toMatch(/API key is required/);
  });

  it('rejects an unknown key', async () => {
    const response = await send('/accounts', { authorization: 'Bearer vb_not-a-real-key' });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).not.toBeNull();
    expect(response.body.responseStatus.errorCode).toBe('Unauthorized');
    expect(response.body.responseStatus.message).toBe('Invalid API Key');
  });

  it('rejects an unknown key in HTTP Basic', async () => {
    const response = await send('/accounts', { authorization: basic('vb_not-a-real-key', '') });

    expect(response.status).toBe(401);
    expect(response.body.responseStatus.message).toBe('Invalid API Key');
  });

  it.each([
    ['Bearer', { authorization: `Bearer ${ADMIN_KEY}` }],
    ['lower-case bearer', { authorization: `bearer ${ADMIN_KEY}` }],
    ['HTTP Basic with empty password', { authorization: basic(ADMIN_KEY, '') }],
    ['HTTP Basic without a colon', { authorization: `Basic ${Buffer.from(ADMIN_KEY).toString('base64')}` }],
    ['X-Api-Key', { 'x-api-key': ADMIN_KEY }],
  ])('accepts the key as %s', async (_name, headers) => {
    const response = await send('/accounts', headers);

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.totalCount).toBeGreaterThanOrEqual(2);
  });
});

describe('Manager key', () => {
  it('reaches its own account', async () => {
    const account = await service.call('GET', `/accounts/${home.id}`, undefined, managerKey);
    expect(account.status).toBe(200);
    expect(account.body.id).toBe(home.id);

    const customer = await service.call('POST', '/customers', { accountId: home.id, name: 'Made by manager' }, managerKey);
    expect(customer.status, JSON.stringify(customer.body)).toBe(200);

    const billable = await service.call('POST', '/billables', { accountId: home.id, customerId: root, callSid: makeCallSid() }, managerKey);
    expect(billable.status, JSON.stringify(billable.body)).toBe(200);
    expect(billable.body.status).toBe('Pending');

    const billing = await service.call('GET', `/billing?accountId=${home.id}&${RANGE}`, undefined, managerKey);
    expect(billing.status).toBe(200);
    expect(customerIdsOf(billing.body)).toContain(root);
  });

  it('lists only its own account', async () => {
    const response = await service.call('GET', '/accounts', undefined, managerKey);

    expect(response.status).toBe(200);
    expect(response.body.items.map((account: { id: string }) => account.id)).toEqual([home.id]);
  });

  it.each([
    ['GetAccount', 'GET', () => `/accounts/${other.id}`, undefined],
    ['NewCustomer', 'POST', () => '/customers', () => ({ accountId: other.id, name: 'Intruder' })],
    ['NewBillable', 'POST', () => '/billables', () => ({ accountId: other.id, customerId: other.customerIds[0], callSid: makeCallSid() })],
    ['GetBilling', 'GET', () => `/billing?accountId=${other.id}&${RANGE}`, undefined],
    ['GetCustomer', 'GET', () => `/customers/${other.customerIds[0]}`, undefined],
    ['PatchAccount', 'PATCH', () => `/accounts/${other.id}`, () => ({ name: 'Taken over' })],
    ['NewApiKey', 'POST', () => '/api-keys', () => ({ name: 'foreign', role: 'Manager', accountId: other.id })],
    ['ListApiKeys', 'GET', () => `/api-keys?accountId=${other.id}`, undefined],
  ])('gets 403 on %s of another account', async (_name, method, path, body) => {
    const response = await service.call(method, path(), body?.(), managerKey);

    expect(response.status, JSON.stringify(response.body)).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
  });

  it('leaves the other account unchanged', async () => {
    const account = await service.call('GET', `/accounts/${other.id}`);
    expect(account.body.name).toBe('Test account');

    const customers = await service.call('GET', `/customers?accountId=${other.id}`);
    expect(customers.body.items.map((customer: { name: string }) => customer.name)).toEqual(['Elsewhere']);

    const billables = await service.call('GET', `/billables?accountId=${other.id}`);
    expect(billables.body.totalCount).toBe(0);
  });

  it('cannot create a SystemAdministrator key', async () => {
    const response = await service.call('POST', '/api-keys', { name: 'escalation', role: 'SystemAdministrator' }, managerKey);

    expect(response.status).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
    const keys = await service.call('GET', '/api-keys');
    expect(keys.body.items.map((key: { name: string }) => key.name)).not.toContain('escalation');
  });

  it('cannot create an account', async () => {
    const response = await service.call(
      'POST',
      '/accounts',
      { name: 'Own tenant', twilioAccountSid: makeAccountSid(), twilioAuthToken: makeAuthToken() },
      managerKey,
    );

    expect(response.status).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
  });

  it('cannot delete a SystemAdministrator key', async () => {
    const keys = await service.call('GET', '/api-keys');
    const adminKey = keys.body.items.find((key: { role: string }) => key.role === 'SystemAdministrator');
    expect(adminKey).toBeDefined();

    const response = await service.call('DELETE', `/api-keys/${adminKey.id}`, undefined, managerKey);

    expect(response.status).toBe(403);
    expect((await service.call('GET', '/accounts')).status).toBe(200);
  });

  it('cannot probe customers of other accounts', async () => {
    const foreign = await service.call('POST', '/billables', { accountId: home.id, customerId: other.customerIds[0], callSid: makeCallSid() }, managerKey);
    const unknown = await service.call('POST', '/billables', { accountId: home.id, customerId: 'no-such-customer', callSid: makeCallSid() }, managerKey);

    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.responseStatus.errors[0].fieldName).toBe('customerId');
  });

  it('lists only the keys of its account', async () => {
    const response = await service.call('GET', '/api-keys', undefined, managerKey);

    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeGreaterThanOrEqual(2);
    for (const key of response.body.items) expect(key.accountId).toBe(home.id);
  });
});

describe('Customer key', () => {
  it('reads billing of its subtree', async () => {
    for (const customerId of [child, grandchild]) {
      const response = await service.call('GET', `/billing?accountId=${home.id}&${RANGE}&customerId=${customerId}`, undefined, customerKey);

      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(customerIdsOf(response.body)).toEqual([customerId]);
    }
  });

  it('lists only its subtree without a filter', async () => {
    const response = await service.call('GET', `/billing?accountId=${home.id}&${RANGE}`, undefined, customerKey);

    expect(response.status).toBe(200);
    expect(customerIdsOf(response.body)).toEqual([child, grandchild].sort());
  });

  it.each([
    ['its parent', () => root],
    ['an unrelated customer', () => sibling],
  ])('gets 403 on billing of %s', async (_name, customerId) => {
    const response = await service.call('GET', `/billing?accountId=${home.id}&${RANGE}&customerId=${customerId()}`, undefined, customerKey);

    expect(response.status).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
  });

  it('gets 403 on another account', async () => {
    const response = await service.call('GET', `/billing?accountId=${other.id}&${RANGE}`, undefined, customerKey);

    expect(response.status).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
  });

  it('cannot report a billable', async () => {
    const callSid = makeCallSid();
    const response = await service.call('POST', '/billables', { accountId: home.id, customerId: child, callSid }, customerKey);

    expect(response.status).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
    const billables = await service.call('GET', `/billables?accountId=${home.id}&customerId=${child}`);
    expect(billables.body.items.map((billable: { callSid: string }) => billable.callSid)).not.toContain(callSid);
  });

  it('cannot manage keys', async () => {
    const created = await service.call('POST', '/api-keys', { name: 'more', role: 'Customer', accountId: home.id, customerId: child }, customerKey);
    expect(created.status).toBe(403);

    const listed = await service.call('GET', '/api-keys', undefined, customerKey);
    expect(listed.status).toBe(403);
  });

  it('cannot read accounts', async () => {
    const response = await service.call('GET', `/accounts/${home.id}`, undefined, customerKey);

    expect(response.status).toBe(403);
    expect(response.body.responseStatus.errorCode).toBe('Forbidden');
  });
});

describe('API key management', () => {
  it('returns a new key once only', async () => {
    const created = await newKey({ name: 'shown once', role: 'Manager', accountId: home.id });
    expect(created.key).toMatch(/^vb_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith((created as unknown as { keyPrefix: string }).keyPrefix)).toBe(true);

    const listed = await fetch(`${service.url}/api-keys?countPerPage=1000`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const text = await listed.text();
    const body = JSON.parse(text);
    const item = body.items.find((key: { id: string }) => key.id === created.id);

    expect(item).toBeDefined();
    expect(item.name).toBe('shown once');
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(createHash('sha256').update(created.key).digest('hex'));
    expect(text).not.toContain(createHash('sha256').update(ADMIN_KEY).digest('hex'));
    expect(text).not.toContain(ADMIN_KEY);
    for (const key of body.items) {
      expect(Object.keys(key)).not.toContain('key');
      expect(Object.keys(key)).not.toContain('keyHash');
    }
  });

  it('makes a deleted key stop working', async () => {
    const created = await newKey({ name: 'short-lived', role: 'Manager', accountId: home.id });
    // Used once before deletion, so the key also sits in the authenticator's cache.
    expect((await service.call('GET', `/accounts/${home.id}`, undefined, created.key)).status).toBe(200);

    const deleted = await service.call('DELETE', `/api-keys/${created.id}`);
    expect(deleted.status).toBe(204);

    const after = await service.call('GET', `/accounts/${home.id}`, undefined, created.key);
    expect(after.status).toBe(401);
    expect(after.body.responseStatus.message).toBe('Invalid API Key');
  });

  it('lets a Manager delete its account key', async () => {
    const created = await newKey({ name: 'deleted by manager', role: 'Customer', accountId: home.id, customerId: root }, managerKey);

    const deleted = await service.call('DELETE', `/api-keys/${created.id}`, undefined, managerKey);
    expect(deleted.status).toBe(204);

    expect((await service.call('GET', `/billing?accountId=${home.id}&${RANGE}`, undefined, created.key)).status).toBe(401);
  });

  it('keeps a Manager off keys of another account', async () => {
    const foreign = await newKey({ name: 'foreign manager', role: 'Manager', accountId: other.id });

    const deleted = await service.call('DELETE', `/api-keys/${foreign.id}`, undefined, managerKey);

    expect(deleted.status).toBe(403);
    expect((await service.call('GET', `/accounts/${other.id}`, undefined, foreign.key)).status).toBe(200);
  });
});

describe('Twilio auth token', () => {
  it('never appears in responses or logs', async () => {
    const firstToken = makeAuthToken();
    const secondToken = makeAuthToken();
    const texts: string[] = [];
    const sendText = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(service.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      texts.push(text);
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };

    const created = await sendText('POST', '/accounts', { name: 'Secretive', twilioAccountSid: makeAccountSid(), twilioAuthToken: firstToken });
    expect(created.status).toBe(200);
    expect(created.body).not.toHaveProperty('twilioAuthToken');

    const patched = await sendText('PATCH', `/accounts/${created.body.id}`, { twilioAuthToken: secondToken });
    expect(patched.status).toBe(200);
    expect(patched.body).not.toHaveProperty('twilioAuthToken');

    // Rejected requests that carry a token must not echo it either.
    const invalidSid = await sendText('POST', '/accounts', { name: 'Bad SID', twilioAccountSid: 'AC123', twilioAuthToken: firstToken });
    expect(invalidSid.status).toBe(400);
    const missingAccount = await sendText('PATCH', '/accounts/no-such-account', { twilioAuthToken: secondToken });
    expect(missingAccount.status).toBe(404);
    const oneWay = await sendText('POST', `/json/oneway/PatchAccount`, { accountId: created.body.id, twilioAuthToken: secondToken });
    expect(oneWay.status).toBe(200);

    expect((await sendText('GET', `/accounts/${created.body.id}`)).status).toBe(200);
    expect((await sendText('GET', '/accounts?countPerPage=1000')).status).toBe(200);

    for (const text of texts) {
      expect(text).not.toContain(firstToken);
      expect(text).not.toContain(secondToken);
    }
    expect(logLinesContaining(firstToken)).toEqual([]);
    expect(logLinesContaining(secondToken)).toEqual([]);
  });

  it('is not echoed when it has the wrong type', async () => {
    const token = makeAuthToken();

    const response = await fetch(`${service.url}/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Typo', twilioAccountSid: makeAccountSid(), twilioAuthToken: [token] }),
    });
    const text = await response.text();

    expect(response.status).toBe(400);
    expect(JSON.parse(text).responseStatus.errors[0].fieldName).toBe('twilioAuthToken');
    expect(text).not.toContain(token);
    expect(logLinesContaining(token)).toEqual([]);
  });

  it('is not logged when sent in the query string', async () => {
    const token = makeAuthToken();
    const created = await service.call('POST', '/accounts', { name: 'Query token', twilioAccountSid: makeAccountSid(), twilioAuthToken: makeAuthToken() });
    expect(created.status).toBe(200);

    const response = await service.call('PATCH', `/accounts/${created.body.id}?twilioAuthToken=${token}`, {});

    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toContain(token);
    expect(logLinesContaining(token)).toEqual([]);
  });
});
