/**
 * Hostile and malformed input against the HTTP API and the rating worker: each test records a
 * defense that must hold.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINE } from './support/database.js';
import { ADMIN_KEY, startTestService, type TestAccount, type TestService } from './support/harness.js';
import { makeAccountSid, makeCallSid } from './support/twilio-standin.js';

/** Service without a rating worker for the API tests, so reported calls stay Pending. */
let api: TestService;
/** Service with a rating worker, for the tests of what Twilio returns. */
let rating: TestService;

beforeAll(async () => {
  api = await startTestService({ worker: false });
  rating = await startTestService();
});

afterAll(async () => {
  await api?.close();
  await rating?.close();
});

interface RawResponse {
  status: number;
  text: string;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

interface SendOptions {
  body?: string;
  headers?: Record<string, string>;
  /** API key sent as a Bearer token. Null sends none. */
  key?: string | null;
}

/** Sends a request with a raw body and returns the raw response text, so exact digits stay visible. */
async function send(service: TestService, method: string, path: string, options: SendOptions = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.authorization ??= `Bearer ${key}`;
  const response = await fetch(service.url + path, { method, headers, body: options.body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, headers: response.headers, json };
}

function sendJson(service: TestService, method: string, path: string, body: unknown, key?: string | null): Promise<RawResponse> {
  return send(service, method, path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, key });
}

/** Returns the field names of a ServiceStack error response. */
function fieldNames(response: RawResponse): string[] {
  return (response.json?.responseStatus?.errors ?? []).map((error: { fieldName: string }) => error.fieldName);
}

async function countRows(service: TestService, sql: string, params: unknown[]): Promise<number> {
  const rows = await service.app.db.query<{ count: number }>(sql, params);
  return rows[0]?.count ?? -1;
}

/** Polls a billable until it leaves Pending or the deadline passes, and returns it as last seen. */
async function settle(service: TestService, billableId: string, timeoutMs = 8_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await service.call('GET', `/billables/${billableId}`);
    if (response.body?.status !== 'Pending' || Date.now() > deadline) return response.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const STACK_FRAME = /\n\s+at \S/;
const SQL_TEXT = /\b(SELECT|INSERT|UPDATE|DELETE FROM|database error|SQLSTATE)\b/;

describe('wrong types and numbers', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha'] });
  });

  it('rejects wrong types in every operation', async () => {
    const operations = (await send(api, 'GET', '/api')).json.operations.map((operation: { name: string }) => operation.name);
    expect(operations.length).toBeGreaterThanOrEqual(17);
    const hostile = {
      accountId: { $ne: null },
      customerId: ['a', 'b'],
      sessionId: { nested: [1, { deeper: true }] },
      billableId: { id: 1 },
      apiKeyId: [],
      callSid: { sid: 'CA' },
      name: { first: 'x' },
      twilioAccountSid: [1],
      startDate: 'yesterday',
      endDate: 12,
      page: 'first',
      countPerPage: 1.5,
      status: 'Everything',
      role: 'Root',
      channel: 'Pigeon',
    };
    for (const operation of operations) {
      const response = await sendJson(api, 'POST', `/api/${operation}`, hostile);
      expect(response.status, operation).toBe(400);
      expect(response.json?.responseStatus?.errors?.length, operation).toBeGreaterThan(0);
    }
  });

  it('names every mistyped field at once', async () => {
    const response = await sendJson(api, 'POST', '/billables', { accountId: {}, customerId: [], callSid: { a: 1 } });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toContain('accountId');
    expect(fieldNames(response)).toContain('customerId');
    expect(fieldNames(response)).toContain('callSid');
  });

  it('rejects page numbers beyond int32', async () => {
    const response = await send(api, 'GET', `/billables?accountId=${account.id}&page=2147483648`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['page']);
  });

  it('rejects countPerPage beyond int32', async () => {
    const response = await send(api, 'GET', `/customers?countPerPage=99999999999999999999`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['countPerPage']);
  });

  it('rejects negative pages', async () => {
    const response = await send(api, 'GET', `/accounts?page=-1`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['page']);
  });

  it('rejects countPerPage over 1000', async () => {
    const response = await send(api, 'GET', `/accounts?countPerPage=1001`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['countPerPage']);
  });

  it('serves the last int32 page', async () => {
    const response = await send(api, 'GET', `/billables?accountId=${account.id}&page=2147483647&countPerPage=1000`);
    expect(response.status).toBe(200);
    expect(response.json.items).toEqual([]);
  });

  it('rejects a repeated query parameter', async () => {
    const response = await send(api, 'GET', `/billables?accountId=${account.id}&AccountId=${account.id}`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['accountId']);
  });
});

describe('hostile ids and URLs', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha'] });
  });

  it('treats SQL in ids as plain text', async () => {
    for (const path of ['/billables/', '/customers/', '/accounts/', '/sessions/']) {
      const response = await send(api, 'GET', path + encodeURIComponent("' OR 1=1 --"));
      expect(response.status, path).toBe(404);
    }
    const filtered = await send(api, 'GET', `/billables?accountId=${encodeURIComponent(`${account.id}' OR '1'='1`)}`);
    expect(filtered.status).toBe(404);
    const stillThere = await send(api, 'GET', `/accounts/${account.id}`);
    expect(stillThere.status).toBe(200);
  });

  it('treats path traversal as an unknown id', async () => {
    const response = await send(api, 'GET', '/billables/..%2F..%2Fetc%2Fpasswd');
    expect(response.status).toBe(404);
    expect(response.text).not.toMatch(/root:/);
  });

  it('rejects NUL in a path id', async () => {
    const response = await send(api, 'GET', '/customers/abc%00def');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['customerId']);
  });

  it('rejects NUL in a body id', async () => {
    const response = await sendJson(api, 'POST', '/customers', { accountId: `${account.id}\u0000`, name: 'x' });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['accountId']);
  });

  it('bad percent-encoding gets ResponseStatus', async () => {
    const response = await send(api, 'GET', '/billables/%E0%A4%A');
    expect(response.status).toBe(400);
    expect(response.json?.responseStatus?.errorCode).toBeTypeOf('string');
  });

  it('rejects an unknown format in the path', async () => {
    const response = await send(api, 'GET', '/evil/reply/GetBilling');
    expect(response.status).toBe(404);
    expect(response.json?.responseStatus?.errorCode).toBe('NotFound');
  });

  it('rejects a non-identifier JSONP callback', async () => {
    const response = await send(api, 'GET', `/accounts?callback=${encodeURIComponent('x;alert(1)//\r\nSet-Cookie: a=b')}`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['callback']);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('unicode edge cases', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha'] });
  });

  it('keeps RTL and emoji exact', async () => {
    const name = '\u202Egnp.exe \u{1F468}\u200D\u{1F469}\u200D\u{1F467} e\u0301 \u05E9\u05DC\u05D5\u05DD';
    const created = await sendJson(api, 'POST', '/customers', { accountId: account.id, name });
    expect(created.status).toBe(200);
    const read = await send(api, 'GET', `/customers/${created.json.id}`);
    expect(read.json.name).toBe(name);
  });

  it('rejects NUL and C0 controls in names', async () => {
    for (const name of ['a\u0000b', 'a\u0007b', 'a\u001Bb', '\uFFFF']) {
      const response = await sendJson(api, 'POST', '/customers', { accountId: account.id, name });
      expect(response.status, JSON.stringify(name)).toBe(400);
      expect(fieldNames(response), JSON.stringify(name)).toEqual(['name']);
    }
  });

  it('rejects names over 200 characters', async () => {
    const response = await sendJson(api, 'POST', '/customers', { accountId: account.id, name: 'x'.repeat(201) });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['name']);
  });

  it('rejects a lone surrogate in a name', async () => {
    const response = await sendJson(api, 'POST', '/customers', { accountId: account.id, name: 'x\uD800y' });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['name']);
  });

  it('writes nothing when XML reply fails', async () => {
    const before = await countRows(api, 'SELECT count(*)::int AS count FROM customers WHERE account_id = $1', [account.id]);
    const response = await send(api, 'POST', '/customers', {
      body: JSON.stringify({ accountId: account.id, name: 'surrogate\uDC00' }),
      headers: { 'content-type': 'application/json', accept: 'application/xml' },
    });
    expect(response.status).toBeLessThan(500);
    const after = await countRows(api, 'SELECT count(*)::int AS count FROM customers WHERE account_id = $1', [account.id]);
    expect(after).toBe(before);
  });

  it('limits the length of referenceId', async () => {
    const response = await sendJson(api, 'POST', '/customers', { accountId: account.id, name: 'Long ref', referenceId: 'r'.repeat(100_000) });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['referenceId']);
  });
});

describe('request bodies', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha', 'Beta'] });
  });

  const XML_NAMESPACE = 'http://schemas.datacontract.org/2004/07/Voice.Api.Billing';

  function post(contentType: string, body: string, path = '/billables'): Promise<RawResponse> {
    return send(api, 'POST', path, { body, headers: { 'content-type': contentType, accept: 'application/json' } });
  }

  it('rejects deeply nested JSON values', async () => {
    const response = await post('application/json', `{"callSid":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['body']);
  });

  it('rejects deeply nested JSON in batches', async () => {
    const response = await post('application/json', `[{"name":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}]`, '/api/NewCustomer[]');
    expect(response.status).toBe(400);
  });

  it('rejects deep nesting in unknown properties', async () => {
    const response = await post('application/json', `{"unknown":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['body']);
  });

  it('rejects duplicate JSON keys', async () => {
    const response = await post('application/json', `{"accountId":"${account.id}","callSid":"a","callSid":"b"}`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['callSid']);
  });

  it('rejects keys that differ in case only', async () => {
    const response = await post('application/json', `{"callSid":"a","CALLSID":"b"}`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toContain('callSid');
  });

  it('ignores a __proto__ member', async () => {
    const response = await post('application/json', '{"__proto__":{"accountId":"x","customerId":"y"}}');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['sessionId']);
  });

  it('rejects repeated form keys', async () => {
    const response = await post('application/x-www-form-urlencoded', `accountId=${account.id}&callSid=CA1&callSid=CA2`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['callSid']);
  });

  it('rejects repeated CSV header names', async () => {
    const first = makeCallSid();
    const second = makeCallSid();
    const response = await post('text/csv', `accountId,customerId,callSid,callSid\r\n${account.id},${account.customerIds[0]},${first},${second}\r\n`);
    expect(response.status).toBe(400);
    const stored = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = ANY($1::text[])', [[first, second]]);
    expect(stored).toBe(0);
  });

  it('rejects malformed JSV quoting', async () => {
    const bodies = ['{callSid:"CA""}', '{callSid:a"b}', '{callSid:"a"b"}', '{"callSid:x}', '{callSid:x', 'callSid:x}', '{callSid:a,callSid:b}', '{:x}'];
    for (const body of bodies) {
      const response = await post('text/jsv', body);
      expect(response.status, body).toBe(400);
      expect(response.json?.responseStatus?.errorCode, body).toBe('SerializationException');
    }
  });

  it('reads JSV doubled quotes exactly', async () => {
    const response = await post('text/jsv', `{accountId:${account.id},name:"say ""hi"", then: {go}"}`, '/customers');
    expect(response.status).toBe(200);
    expect(response.json.name).toBe('say "hi", then: {go}');
  });

  it('rejects deeply nested JSV', async () => {
    const response = await post('text/jsv', `{a:${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    expect(response.status).toBe(400);
    expect(response.json?.responseStatus?.errorCode).toBe('SerializationException');
  });

  it('rejects XML external entities', async () => {
    const body = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NewBillable xmlns="${XML_NAMESPACE}"><CallSid>&e;</CallSid></NewBillable>`;
    const response = await post('application/xml', body);
    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(/root:/);
  });

  it('rejects billion-laughs XML', async () => {
    const entities = Array.from({ length: 9 }, (_, level) => `<!ENTITY l${level + 1} "${`&l${level};`.repeat(10)}">`).join('');
    const body = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "lol">${entities}]><NewBillable xmlns="${XML_NAMESPACE}"><CallSid>&l9;</CallSid></NewBillable>`;
    const response = await post('application/xml', body);
    expect(response.status).toBe(400);
    expect(response.json?.responseStatus?.errorCode).toBe('SerializationException');
  });

  it('rejects deeply nested XML', async () => {
    const body = `<NewBillable xmlns="${XML_NAMESPACE}">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</NewBillable>`;
    const response = await post('application/xml', body);
    expect(response.status).toBe(400);
  });

  it('rejects an XML NUL reference', async () => {
    const response = await post('application/xml', `<NewBillable xmlns="${XML_NAMESPACE}"><CallSid>&#0;</CallSid></NewBillable>`);
    expect(response.status).toBe(400);
  });

  it('rejects repeated XML elements', async () => {
    const response = await post('application/xml', `<NewBillable xmlns="${XML_NAMESPACE}"><CallSid>a</CallSid><CallSid>b</CallSid></NewBillable>`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['callSid']);
  });

  it('rejects non-object JSON bodies', async () => {
    for (const body of ['null', '"text"', '42', '[]', 'true']) {
      const response = await post('application/json', body);
      expect(response.status, body).toBe(400);
    }
  });

  it('rejects bodies over 1 MiB', async () => {
    const response = await post('application/json', `{"name":"${'x'.repeat(1024 * 1024)}"}`);
    expect(response.status).toBe(413);
    expect(response.json?.responseStatus?.errorCode).toBe('PayloadTooLarge');
  });

  it('rejects unknown content types', async () => {
    const response = await post('text/plain', 'callSid=x');
    expect(response.status).toBe(415);
    expect(response.json?.responseStatus?.errorCode).toBe('UnsupportedMediaType');
  });
});

describe('authentication headers', () => {
  it('rejects a very long Bearer key', async () => {
    const response = await send(api, 'GET', '/accounts', { headers: { authorization: `Bearer ${'k'.repeat(8_000)}` }, key: null });
    expect(response.status).toBe(401);
    expect(response.json?.responseStatus?.errorCode).toBe('Unauthorized');
  });

  it('oversized headers get ResponseStatus', async () => {
    const response = await send(api, 'GET', '/accounts', { headers: { authorization: `Bearer ${'k'.repeat(20_000)}` }, key: null });
    expect(response.status).toBe(431);
    expect(response.json?.responseStatus?.errorCode).toBeTypeOf('string');
  });

  it('rejects garbage Basic credentials', async () => {
    const headers = ['Basic ====', 'Basic %%%', 'Basic ', `Basic ${Buffer.from([0xff, 0xfe, 0x00, 0x3a]).toString('base64')}`, 'Basic a b c', 'Bearer', 'Bearer a b'];
    for (const authorization of headers) {
      const response = await send(api, 'GET', '/accounts', { headers: { authorization }, key: null });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate'), authorization).toMatch(/Bearer/);
    }
  });

  it('accepts the key as Basic user name', async () => {
    const response = await send(api, 'GET', '/accounts', { headers: { authorization: `Basic ${Buffer.from(`${ADMIN_KEY}:ignored`).toString('base64')}` }, key: null });
    expect(response.status).toBe(200);
  });

  it('never echoes a rejected key', async () => {
    const key = 'vb_not-a-real-key-but-long-enough-to-spot';
    const response = await send(api, 'GET', '/accounts', { key });
    expect(response.status).toBe(401);
    expect(response.text).not.toContain(key);
    expect(api.logs.join('')).not.toContain(key);
  });
});

describe('keys of other roles', () => {
  let a: TestAccount;
  let b: TestAccount;
  let grandchildId: string;
  let manager: string;
  let customer: string;
  let otherManagerKeyId: string;
  let administratorKeyId: string;
  let sessionOfB: string;
  let sessionOfSibling: string;
  let billableOfB: string;
  let billableOfSibling: string;

  beforeAll(async () => {
    a = await api.createAccount({ customers: ['A child', 'A sibling'] });
    b = await api.createAccount({ customers: ['B only'] });
    grandchildId = (await api.call('POST', '/customers', { accountId: a.id, name: 'A grandchild', parentCustomerId: a.customerIds[0] })).body.id;
    manager = (await api.call('POST', '/api-keys', { name: 'manager of A', role: 'Manager', accountId: a.id })).body.key;
    customer = (await api.call('POST', '/api-keys', { name: 'customer of A', role: 'Customer', accountId: a.id, customerId: a.customerIds[0] })).body.key;
    otherManagerKeyId = (await api.call('POST', '/api-keys', { name: 'manager of B', role: 'Manager', accountId: b.id })).body.id;
    administratorKeyId = (await api.call('GET', '/api-keys?countPerPage=1000')).body.items.find((key: { role: string }) => key.role === 'SystemAdministrator').id;
    sessionOfB = (await api.call('POST', '/sessions', { accountId: b.id, customerId: b.customerIds[0] })).body.id;
    sessionOfSibling = (await api.call('POST', '/sessions', { accountId: a.id, customerId: a.customerIds[1] })).body.id;
    billableOfB = (await api.call('POST', '/billables', { accountId: b.id, customerId: b.customerIds[0], callSid: makeCallSid() })).body.id;
    billableOfSibling = (await api.call('POST', '/billables', { accountId: a.id, customerId: a.customerIds[1], callSid: makeCallSid() })).body.id;
  });

  it('keeps a Manager inside its account', async () => {
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/accounts/${b.id}`],
      ['PATCH', `/accounts/${b.id}`, { name: 'taken over' }],
      ['POST', '/customers', { accountId: b.id, name: 'planted' }],
      ['GET', `/customers/${b.customerIds[0]}`],
      ['GET', `/customers?accountId=${b.id}`],
      ['PATCH', `/customers/${b.customerIds[0]}`, { name: 'renamed' }],
      ['POST', '/billables', { accountId: b.id, customerId: b.customerIds[0], callSid: makeCallSid() }],
      ['POST', '/billables', { sessionId: sessionOfB, callSid: makeCallSid() }],
      ['GET', `/billing?accountId=${b.id}&startDate=2026-01-01&endDate=2026-01-31`],
      ['GET', `/billables?accountId=${b.id}`],
      ['GET', `/billables/${billableOfB}`],
      ['GET', `/sessions/${sessionOfB}`],
      ['POST', '/sessions', { accountId: b.id, customerId: b.customerIds[0] }],
      ['GET', `/api-keys?accountId=${b.id}`],
      ['DELETE', `/api-keys/${otherManagerKeyId}`],
      ['DELETE', `/api-keys/${administratorKeyId}`],
      ['POST', '/api-keys', { name: 'escalate', role: 'SystemAdministrator' }],
      ['POST', '/api-keys', { name: 'escalate', role: 'Manager', accountId: b.id }],
      ['POST', '/api/GetAccount[]', [{ accountId: a.id }, { accountId: b.id }]],
    ];
    for (const [method, path, body] of probes) {
      const response = await sendJson(api, method, path, body, manager);
      expect(response.status, `${method} ${path}`).toBe(403);
    }
  });

  it('hides other accounts from a Manager', async () => {
    const probes: Array<[string, string, unknown]> = [
      ['POST', '/billables', { accountId: a.id, customerId: b.customerIds[0], callSid: makeCallSid() }],
      ['POST', '/sessions', { accountId: a.id, customerId: b.customerIds[0] }],
      ['PATCH', `/customers/${a.customerIds[0]}`, { parentCustomerId: b.customerIds[0] }],
      ['POST', '/api-keys', { name: 'cross', role: 'Customer', accountId: a.id, customerId: b.customerIds[0] }],
    ];
    for (const [method, path, body] of probes) {
      const response = await sendJson(api, method, path, body, manager);
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
    }
    const listed = await send(api, 'GET', '/accounts', { key: manager });
    expect(listed.json.items.map((item: { id: string }) => item.id)).toEqual([a.id]);
    const customersOfB = await countRows(api, 'SELECT count(*)::int AS count FROM customers WHERE account_id = $1', [b.id]);
    expect(customersOfB).toBe(1);
    const billablesOfB = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE account_id = $1', [b.id]);
    expect(billablesOfB).toBe(1);
  });

  it('keeps a Customer key read-only', async () => {
    const probes: Array<[string, string, unknown?]> = [
      ['POST', '/billables', { accountId: a.id, customerId: a.customerIds[0], callSid: makeCallSid() }],
      ['POST', '/api/NewBillable[]', [{ accountId: a.id, customerId: a.customerIds[0], callSid: makeCallSid() }]],
      ['POST', '/sessions', { accountId: a.id, customerId: a.customerIds[0] }],
      ['POST', '/customers', { accountId: a.id, name: 'child', parentCustomerId: a.customerIds[0] }],
      ['PATCH', `/customers/${a.customerIds[0]}`, { name: 'renamed' }],
      ['PATCH', `/accounts/${a.id}`, { name: 'renamed' }],
      ['GET', `/accounts/${a.id}`],
      ['GET', '/accounts'],
      ['GET', '/api-keys'],
      ['POST', '/api-keys', { name: 'more', role: 'Customer', accountId: a.id, customerId: a.customerIds[0] }],
    ];
    for (const [method, path, body] of probes) {
      const response = await sendJson(api, method, path, body, customer);
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    const billables = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE account_id = $1', [a.id]);
    expect(billables).toBe(1);
  });

  it('keeps a Customer key in its subtree', async () => {
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/billing?accountId=${a.id}&startDate=2026-01-01&endDate=2026-01-31&customerId=${a.customerIds[1]}`],
      ['GET', `/billing?accountId=${b.id}&startDate=2026-01-01&endDate=2026-01-31`],
      ['GET', `/customers/${a.customerIds[1]}`],
      ['GET', `/customers?accountId=${b.id}`],
      ['GET', `/billables?customerId=${a.customerIds[1]}`],
      ['GET', `/billables/${billableOfSibling}`],
      ['GET', `/billables/${billableOfB}`],
      ['GET', `/sessions/${sessionOfSibling}`],
      ['GET', `/api/GetCustomer?customerId=${a.customerIds[1]}`],
      ['POST', '/api/GetBilling[]', [{ accountId: a.id, startDate: '2026-01-01', endDate: '2026-01-02', customerId: a.customerIds[1] }]],
    ];
    for (const [method, path, body] of probes) {
      const response = await sendJson(api, method, path, body, customer);
      expect(response.status, `${method} ${path}`).toBe(403);
    }
  });

  it('shows a Customer key its subtree only', async () => {
    const billing = await send(api, 'GET', `/billing?accountId=${a.id}&startDate=2026-01-01&endDate=2026-01-31`, { key: customer });
    expect(billing.status).toBe(200);
    expect(billing.json.customers.map((row: { customerId: string }) => row.customerId).sort()).toEqual([a.customerIds[0], grandchildId].sort());
    const customers = await send(api, 'GET', '/customers?countPerPage=1000', { key: customer });
    expect(customers.json.items.map((row: { id: string }) => row.id).sort()).toEqual([a.customerIds[0], grandchildId].sort());
    const billables = await send(api, 'GET', '/billables', { key: customer });
    expect(billables.json.items).toEqual([]);
  });
});

describe('GetBilling dates', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha'], timeZone: 'America/New_York' });
  });

  function billing(startDate: string, endDate: string): Promise<RawResponse> {
    return send(api, 'GET', `/billing?accountId=${account.id}&startDate=${encodeURIComponent(startDate)}&endDate=${encodeURIComponent(endDate)}`);
  }

  // Year 0000 passes the binder, but PostgreSQL has no year 0, so the query fails with a 500.
  it('rejects year 0000 in GetBilling', async () => {
    const response = await billing('0000-01-01', '0000-01-31');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['startDate', 'endDate']);
  });

  it('rejects year 0000 in ListBillables', async () => {
    const response = await send(api, 'GET', `/billables?accountId=${account.id}&startDate=0000-12-31`);
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['startDate']);
  });

  it('hides stack and SQL in internal errors', async () => {
    const response = await billing('0000-01-01', '0000-01-31');
    expect(response.text).not.toMatch(STACK_FRAME);
    expect(response.text).not.toMatch(SQL_TEXT);
    expect(response.text).not.toMatch(/out of range/);
  });

  it('accepts years 0001 and 9999', async () => {
    const first = await billing('0001-01-01', '0001-12-31');
    expect(first.status).toBe(200);
    const last = await billing('9999-01-01', '9999-12-31');
    expect(last.status).toBe(200);
  });

  it('rejects 29 February of common years', async () => {
    const response = await billing('2027-02-29', '2027-03-01');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['startDate']);
  });

  it('allows 366 days across a leap day', async () => {
    const response = await billing('2028-02-29', '2029-02-28');
    expect(response.status).toBe(200);
  });

  it('rejects 367 days across a leap day', async () => {
    const response = await billing('2028-02-28', '2029-02-28');
    expect(response.status).toBe(400);
    expect(response.json.responseStatus.errorCode).toBe('RangeTooLong');
    expect(fieldNames(response)).toEqual(['endDate']);
  });

  it('rejects an end before the start', async () => {
    const response = await billing('2026-03-09', '2026-03-08');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['endDate']);
  });

  it('rejects dates wrapped in RTL marks', async () => {
    const response = await billing('\u202E2026-01-01', '2026-01-02');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['startDate']);
  });

  it('rejects an impossible time part', async () => {
    const response = await billing('2026-01-01T25:99', '2026-01-02');
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['startDate']);
  });
});

describe('concurrent reports', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha', 'Beta'] });
  });

  it('bills a contested call exactly once', async () => {
    const callSid = makeCallSid();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) => sendJson(api, 'POST', '/billables', { accountId: account.id, customerId: account.customerIds[index % 2], callSid })),
    );
    const statuses = new Set(responses.map((response) => response.status));
    expect([...statuses].sort()).toEqual([200, 409]);
    const winners = responses.filter((response) => response.status === 200);
    expect(new Set(winners.map((response) => response.json.id)).size).toBe(1);
    expect(new Set(winners.map((response) => response.json.customerId)).size).toBe(1);
    const stored = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [callSid]);
    expect(stored).toBe(1);
  });

  it('bills a call once across batch and single', async () => {
    const callSid = makeCallSid();
    const responses = await Promise.all([
      sendJson(api, 'POST', '/api/NewBillable[]', [{ accountId: account.id, customerId: account.customerIds[0], callSid }]),
      sendJson(api, 'POST', '/billables', { accountId: account.id, customerId: account.customerIds[1], callSid }),
      sendJson(api, 'POST', '/api/NewBillable[]', [{ accountId: account.id, customerId: account.customerIds[1], callSid }]),
      sendJson(api, 'POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid }),
    ]);
    for (const response of responses) expect([200, 409]).toContain(response.status);
    const stored = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [callSid]);
    expect(stored).toBe(1);
  });

  (TEST_ENGINE === 'postgres' ? it : it.skip)('survives overlapping batches in any order', async () => {
    for (let round = 0; round < 8; round++) {
      const items = Array.from({ length: 1_000 }, () => ({ accountId: account.id, customerId: account.customerIds[0], callSid: makeCallSid() }));
      const orders = [items, [...items].reverse(), [...items.slice(500), ...items.slice(0, 500)], [...items.slice(250), ...items.slice(0, 250)]];
      const responses = await Promise.all(orders.map((order) => sendJson(api, 'POST', '/api/NewBillable[]', order)));
      const statuses = responses.map((response) => response.status);
      expect(statuses).toEqual([200, 200, 200, 200]);
    }
  }, 120_000);
});

describe('batches', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await api.createAccount({ customers: ['Alpha', 'Beta'] });
  });

  function item(callSid: string, customerIndex = 0) {
    return { accountId: account.id, customerId: account.customerIds[customerIndex], callSid };
  }

  it('rejects 1001 requests and stores none', async () => {
    const calls = Array.from({ length: 1_001 }, () => makeCallSid());
    const response = await sendJson(api, 'POST', '/api/NewBillable[]', calls.map((callSid) => item(callSid)));
    expect(response.status).toBe(400);
    expect(response.json.responseStatus.errorCode).toBe('BatchTooLarge');
    const stored = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = ANY($1::text[])', [calls]);
    expect(stored).toBe(0);
  });

  it('stores 1000 requests in one batch', async () => {
    const calls = Array.from({ length: 1_000 }, () => makeCallSid());
    const response = await sendJson(api, 'POST', '/api/NewBillable[]', calls.map((callSid) => item(callSid)));
    expect(response.status).toBe(200);
    expect(response.json).toHaveLength(1_000);
    expect(response.headers.get('x-autobatch-completed')).toBe('1000');
    const stored = await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = ANY($1::text[])', [calls]);
    expect(stored).toBe(1_000);
  });

  it('stops a mixed batch at the first error', async () => {
    const [first, third] = [makeCallSid(), makeCallSid()];
    const response = await sendJson(api, 'POST', '/api/NewBillable[]', [item(first), item('CA-not-a-sid'), item(third)]);
    expect(response.status).toBe(400);
    expect(response.json.responseStatus.meta.AutoBatchIndex).toBe('1');
    expect(fieldNames(response)).toEqual(['callSid']);
    expect(response.headers.get('x-autobatch-completed')).toBe('1');
    expect(await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [first])).toBe(1);
    expect(await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [third])).toBe(0);
  });

  it('stops at an unbindable batch item', async () => {
    const [first, third] = [makeCallSid(), makeCallSid()];
    const response = await sendJson(api, 'POST', '/api/NewBillable[]', [item(first), { accountId: { nested: true } }, item(third)]);
    expect(response.status).toBe(400);
    expect(response.json.responseStatus.meta.AutoBatchIndex).toBe('1');
    expect(await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [first])).toBe(1);
    expect(await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [third])).toBe(0);
  });

  it('rejects one call for two customers', async () => {
    const [callSid, after] = [makeCallSid(), makeCallSid()];
    const response = await sendJson(api, 'POST', '/api/NewBillable[]', [item(callSid, 0), item(callSid, 1), item(after, 0)]);
    expect(response.status).toBe(409);
    expect(response.json.responseStatus.meta.AutoBatchIndex).toBe('1');
    expect(fieldNames(response)).toEqual(['callSid']);
    const rows = await api.app.db.query<{ customerId: string }>('SELECT customer_id AS "customerId" FROM billables WHERE call_sid = $1', [callSid]);
    expect(rows.map((row) => row.customerId)).toEqual([account.customerIds[0]]);
    expect(await countRows(api, 'SELECT count(*)::int AS count FROM billables WHERE call_sid = $1', [after])).toBe(0);
  });

  it('returns one billable for a repeated call', async () => {
    const callSid = makeCallSid();
    const response = await sendJson(api, 'POST', '/api/NewBillable[]', [item(callSid), item(callSid)]);
    expect(response.status).toBe(200);
    expect(response.json[0].id).toBe(response.json[1].id);
  });

  it('stops a NewCustomer batch at its error', async () => {
    const marker = `batch-${makeCallSid()}`;
    const response = await sendJson(api, 'POST', '/api/NewCustomer[]', [
      { accountId: account.id, name: `${marker}-1` },
      { accountId: account.id, name: '   ' },
      { accountId: account.id, name: `${marker}-3` },
    ]);
    expect(response.status).toBe(400);
    expect(response.json.responseStatus.meta.AutoBatchIndex).toBe('1');
    expect(fieldNames(response)).toEqual(['name']);
    const created = await api.app.db.query<{ name: string }>('SELECT name FROM customers WHERE name LIKE $1', [`${marker}%`]);
    expect(created.map((row) => row.name)).toEqual([`${marker}-1`]);
  });

  it('reports a GetBilling batch error index', async () => {
    const response = await sendJson(api, 'POST', '/api/GetBilling[]', [
      { accountId: account.id, startDate: '2026-01-01', endDate: '2026-01-31' },
      { accountId: account.id, startDate: '2026-02-30', endDate: '2026-03-01' },
    ]);
    expect(response.status).toBe(400);
    expect(response.json.responseStatus.meta.AutoBatchIndex).toBe('1');
    expect(fieldNames(response)).toEqual(['startDate']);
  });

  it('rejects non-object batch items', async () => {
    for (const body of ['[1]', '[null]', '["x"]', '[[]]', '{}']) {
      const response = await send(api, 'POST', '/api/NewBillable[]', { body, headers: { 'content-type': 'application/json' } });
      expect(response.status, body).toBe(400);
    }
  });
});

describe('secrets in responses and logs', () => {
  const token = 'f00dfeedcafebabe0123456789abcdef';
  let accountId: string;

  beforeAll(async () => {
    const created = await sendJson(api, 'POST', '/accounts', { name: 'Secret holder', twilioAccountSid: makeAccountSid(), twilioAuthToken: token });
    accountId = created.json.id;
  });

  it('never returns the auth token', async () => {
    for (const format of ['json', 'xml', 'jsv', 'csv', 'jsonl']) {
      const one = await send(api, 'GET', `/accounts/${accountId}?format=${format}`);
      expect(one.status, format).toBe(200);
      expect(one.text, format).not.toContain(token);
      const list = await send(api, 'GET', `/accounts?format=${format}&countPerPage=1000`);
      expect(list.text, format).not.toContain(token);
    }
    const patched = await sendJson(api, 'PATCH', `/accounts/${accountId}`, { name: 'Renamed holder' });
    expect(patched.text).not.toContain(token);
  });

  it('hides a mistyped auth token', async () => {
    const response = await sendJson(api, 'PATCH', `/accounts/${accountId}`, { twilioAuthToken: { value: token } });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['twilioAuthToken']);
    expect(response.text).not.toContain('f00dfeed');
  });

  it('never lists API keys in clear', async () => {
    const created = await sendJson(api, 'POST', '/api-keys', { name: 'listed', role: 'Manager', accountId });
    expect(created.json.key).toMatch(/^vb_/);
    const listed = await send(api, 'GET', '/api-keys?countPerPage=1000');
    expect(listed.text).not.toContain(created.json.key);
    expect(api.logs.join('')).not.toContain(created.json.key);
  });

  it('hides body text in JSON errors', async () => {
    const leaked = 'deadbeef0123456789abcdef01234567';
    const body = `{"name":"x","twilioAccountSid":"${makeAccountSid()}","twilioAuthToken":${leaked}}`;
    const response = await send(api, 'POST', '/accounts', { body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.text).not.toContain('deadbeef');
    expect(api.logs.join('')).not.toContain('deadbeef');
  });

  it('neutralizes formulas in CSV cells', async () => {
    const account = await api.createAccount({ customers: ['=HYPERLINK("http://127.0.0.1/x","Refund")'] });
    const response = await send(api, 'GET', `/billing.csv?accountId=${account.id}&startDate=2026-01-01&endDate=2026-01-31`);
    expect(response.status).toBe(200);
    const rows = parseCsv(response.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows[0]?.customerName?.startsWith('=')).toBe(false);
  });
});

describe('partial writes', () => {
  it('leaves an account unchanged on error', async () => {
    const account = await api.createAccount({ customers: ['Alpha'] });
    const response = await sendJson(api, 'PATCH', `/accounts/${account.id}`, { name: 'Half applied', timeZone: 'Mars/Olympus_Mons' });
    expect(response.status).toBe(400);
    expect(fieldNames(response)).toEqual(['timeZone']);
    const read = await send(api, 'GET', `/accounts/${account.id}`);
    expect(read.json.name).toBe('Test account');
  });
});

describe('Twilio responses', () => {
  let account: TestAccount;

  beforeAll(async () => {
    account = await rating.createAccount({ customers: ['Alpha'] });
  });

  function callJson(callSid: string, overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({
      sid: callSid,
      account_sid: account.twilioAccountSid,
      parent_call_sid: null,
      to: '+13105550199',
      from: '+12125550100',
      status: 'completed',
      start_time: 'Tue, 10 Nov 2026 15:00:00 +0000',
      end_time: 'Tue, 10 Nov 2026 15:01:01 +0000',
      duration: '61',
      price: '-0.0140',
      price_unit: 'USD',
      direction: 'outbound-api',
      ...overrides,
    });
  }

  /** Makes the stand-in return `body` for every fetch of a new call, reports the call, and returns the billable id. */
  async function reportWithBody(body: (callSid: string) => string, status = 200): Promise<string> {
    const callSid = makeCallSid();
    rating.twilio.failNext({ path: new RegExp(`/Calls/${callSid}\\.json`) }, { status, body: body(callSid), times: 1_000 });
    const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid });
    expect(reported.status).toBe(200);
    return reported.body.id;
  }

  function addCall(price: string, startTime = new Date('2026-06-15T12:00:00Z')): string {
    const sid = makeCallSid();
    rating.twilio.addCall({ sid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime, durationSeconds: 30, price });
    return sid;
  }

  it('fails a call of another account', async () => {
    const id = await reportWithBody((sid) => callJson(sid, { account_sid: makeAccountSid() }));
    const settled = await settle(rating, id);
    expect(settled.status).toBe('Failed');
    expect(settled.failureReason).toMatch(/belongs to account/);
    expect(settled.totalCost).toBeUndefined();
  });

  it('fails malformed durations and prices', async () => {
    const overrides: Array<Record<string, unknown>> = [{ duration: '-5' }, { duration: 61 }, { price: '-1e400' }, { price: 'abc' }, { price: -0.014 }, { price: '--1' }];
    const ids = await Promise.all(overrides.map((override) => reportWithBody((sid) => callJson(sid, override))));
    const settled = await Promise.all(ids.map((id) => settle(rating, id)));
    for (const [index, billable] of settled.entries()) {
      expect(billable.status, JSON.stringify(overrides[index])).toBe('Failed');
    }
  });

  it('fails bodies that are not calls', async () => {
    const bodies = ['not json', '[]', 'null', '{}', '{"sid":1}'];
    const ids = await Promise.all(bodies.map((body) => reportWithBody(() => body)));
    const settled = await Promise.all(ids.map((id) => settle(rating, id)));
    for (const [index, billable] of settled.entries()) {
      expect(billable.status, bodies[index]).toBe('Failed');
    }
  });

  it('keeps a 1e-20 price exact', async () => {
    const id = await reportWithBody((sid) => callJson(sid, { price: '0.00000000000000000001' }));
    const settled = await settle(rating, id);
    expect(settled.status).toBe('Rated');
    const raw = await send(rating, 'GET', `/billables/${id}`);
    expect(raw.text).toContain('"callCost":0.00000000000000000001');
    expect(raw.text).toContain('"totalCost":0.00000000000000000001');
  });

  // A price with more digits than any charge could have is rejected instead of being rounded.
  it('fails a 43-digit price', async () => {
    const id = await reportWithBody((sid) => callJson(sid, { price: '-12345678901234567890.12345678901234567890123' }));
    const settled = await settle(rating, id);
    expect(settled.status).toBe('Failed');
    expect(settled.failureReason).toMatch(/invalid "price"/);
  });

  it('sums decimal prices without float error', async () => {
    const day = new Date('2026-07-04T12:00:00Z');
    const ids: string[] = [];
    for (const price of ['-0.1', '-0.2', '-0.0000001']) {
      const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid: addCall(price, day) });
      ids.push(reported.body.id);
    }
    for (const id of ids) expect((await settle(rating, id)).status).toBe('Rated');
    const raw = await send(rating, 'GET', `/billing?accountId=${account.id}&startDate=2026-07-04&endDate=2026-07-04`);
    expect(raw.text).toContain('"totalCost":0.3000001');
    expect(raw.text).toContain('"billableCount":3');
  });

  it('rejects a next page of another account', async () => {
    const other = makeAccountSid();
    const sid = addCall('-0.0100');
    const page = JSON.stringify({ calls: [], next_page_uri: `/2010-04-01/Accounts/${other}/Calls.json?Page=1`, uri: null });
    rating.twilio.failNext({ path: new RegExp(`ParentCallSid=${sid}`) }, { status: 200, body: page, times: 1_000 });
    const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid: sid });
    const settled = await settle(rating, reported.body.id);
    expect(settled.status).toBe('Failed');
    expect(settled.failureReason).toMatch(/next_page_uri/);
    expect(rating.twilio.requests.some((request) => request.path.includes(other))).toBe(false);
  });

  it('rejects a next page with userinfo', async () => {
    const sid = addCall('-0.0100');
    const page = JSON.stringify({ calls: [], next_page_uri: '@127.0.0.2:9/2010-04-01/Calls.json', uri: null });
    rating.twilio.failNext({ path: new RegExp(`ParentCallSid=${sid}`) }, { status: 200, body: page, times: 1_000 });
    const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid: sid });
    const settled = await settle(rating, reported.body.id);
    expect(settled.status).toBe('Failed');
    expect(settled.failureReason).toMatch(/next_page_uri/);
  });

  // A start time before 1970 is a broken value, and must not be read as 1950 either.
  it('fails a call started in year 0050', async () => {
    const id = await reportWithBody((sid) => callJson(sid, { start_time: '01 Jan 0050 12:00:00 +0000', end_time: null }));
    const settled = await settle(rating, id);
    expect(settled.status).toBe('Failed');
    expect(settled.startTime).toBeUndefined();
  });

  it('never leaks the auth token in failures', async () => {
    const id = await reportWithBody(() => JSON.stringify({ code: 20003, message: `Authenticate ${account.twilioAuthToken}`, status: 401 }), 401);
    const settled = await settle(rating, id);
    expect(settled.status).toBe('Failed');
    const raw = await send(rating, 'GET', `/billables/${id}`);
    expect(raw.text).not.toContain(account.twilioAuthToken);
  });
});

describe('currency changes', () => {
  it('keeps past totals in their currency', async () => {
    const account = await rating.createAccount({ customers: ['Alpha'] });
    const callSid = makeCallSid();
    rating.twilio.addCall({ sid: callSid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime: new Date('2026-05-05T12:00:00Z'), durationSeconds: 30, price: '-0.50' });
    const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid });
    expect((await settle(rating, reported.body.id)).status).toBe('Rated');

    const patched = await rating.call('PATCH', `/accounts/${account.id}`, { currency: 'JPY' });
    expect(patched.status).toBe(409);
    expect(patched.body.responseStatus.errors[0].fieldName).toBe('currency');
    const billing = await send(rating, 'GET', `/billing?accountId=${account.id}&startDate=2026-05-05&endDate=2026-05-05`);
    expect(billing.json.customers[0].totalCost).toBe(0.5);
    expect(billing.json.customers[0].currency).toBe('USD');
  });
});

describe('Twilio responses the store rejects', () => {
  let account: TestAccount;
  const settled = new Map<string, Promise<any>>();

  /** Reports a call whose Twilio body `body` returns, and starts waiting for it to settle. */
  async function start(name: string, body: (callSid: string) => string, status = 200): Promise<void> {
    const callSid = makeCallSid();
    rating.twilio.failNext({ path: new RegExp(`/Calls/${callSid}\\.json`) }, { status, body: body(callSid), times: 1_000 });
    const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid });
    settled.set(name, settle(rating, reported.body.id, 6_000));
  }

  function callJson(callSid: string, overrides: Record<string, unknown>): string {
    return JSON.stringify({
      sid: callSid,
      account_sid: account.twilioAccountSid,
      parent_call_sid: null,
      to: '+13105550199',
      from: '+12125550100',
      status: 'completed',
      start_time: 'Tue, 10 Nov 2026 15:00:00 +0000',
      end_time: null,
      duration: '61',
      price: '-0.0140',
      price_unit: 'USD',
      direction: 'outbound-api',
      ...overrides,
    });
  }

  // Started together so that the waits overlap. Each test then reads its own outcome.
  beforeAll(async () => {
    account = await rating.createAccount({ customers: ['Alpha'] });
    await start('nul-from', (sid) => callJson(sid, { from: '+1212\u0000555' }));
    await start('nul-status', (sid) => callJson(sid, { status: 'in-progress\u0000' }));
    await start('huge-duration', (sid) => callJson(sid, { duration: '99999999999' }));
    await start('nul-error', () => JSON.stringify({ code: 21220, message: 'bad\u0000request', status: 400 }), 400);
  });

  it('settles a call with NUL in from', async () => {
    expect((await settled.get('nul-from'))?.status).not.toBe('Pending');
  });

  it('settles a call with NUL in status', async () => {
    expect((await settled.get('nul-status'))?.status).not.toBe('Pending');
  });

  it('settles a call lasting 3,000 years', async () => {
    expect((await settled.get('huge-duration'))?.status).not.toBe('Pending');
  });

  it('settles a Twilio error with NUL', async () => {
    expect((await settled.get('nul-error'))?.status).not.toBe('Pending');
  });
});

describe('billing days across DST', () => {
  /** Reports one call per start time and returns the billing day of each once rated. */
  async function billingDays(account: TestAccount, startTimes: string[]): Promise<Array<string | undefined>> {
    const ids: string[] = [];
    for (const startTime of startTimes) {
      const sid = makeCallSid();
      rating.twilio.addCall({ sid, accountSid: account.twilioAccountSid, from: '+12125550100', to: '+13105550199', direction: 'outbound-api', status: 'completed', startTime: new Date(startTime), durationSeconds: 10, price: '-0.0100' });
      const reported = await rating.call('POST', '/billables', { accountId: account.id, customerId: account.customerIds[0], callSid: sid });
      ids.push(reported.body.id);
    }
    const rated = await Promise.all(ids.map((id) => settle(rating, id)));
    return rated.map((billable) => billable.billingDay);
  }

  it('follows America/New_York fall back', async () => {
    const account = await rating.createAccount({ customers: ['Alpha'], timeZone: 'America/New_York' });
    const days = await billingDays(account, ['2026-11-01T03:59:59Z', '2026-11-01T04:00:00Z', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T04:59:59Z', '2026-11-02T05:00:00Z']);
    expect(days).toEqual(['2026-10-31', '2026-11-01', '2026-11-01', '2026-11-01', '2026-11-01', '2026-11-02']);
    const billing = await send(rating, 'GET', `/billing?accountId=${account.id}&startDate=2026-11-01&endDate=2026-11-01`);
    expect(billing.json.customers[0].billableCount).toBe(4);
    expect(billing.text).toContain('"totalCost":0.04');
  });

  it('follows America/New_York spring forward', async () => {
    const account = await rating.createAccount({ customers: ['Alpha'], timeZone: 'America/New_York' });
    const days = await billingDays(account, ['2026-03-08T04:59:59Z', '2026-03-08T05:00:00Z', '2026-03-08T07:00:00Z', '2026-03-09T03:59:59Z', '2026-03-09T04:00:00Z']);
    expect(days).toEqual(['2026-03-07', '2026-03-08', '2026-03-08', '2026-03-08', '2026-03-09']);
    const billing = await send(rating, 'GET', `/billing?accountId=${account.id}&startDate=2026-03-08&endDate=2026-03-08`);
    expect(billing.json.customers[0].billableCount).toBe(3);
  });

  it('follows Australia/Lord_Howe half-hour shifts', async () => {
    const account = await rating.createAccount({ customers: ['Alpha'], timeZone: 'Australia/Lord_Howe' });
    const days = await billingDays(account, [
      '2026-04-04T12:59:59Z',
      '2026-04-04T13:00:00Z',
      '2026-04-05T13:29:59Z',
      '2026-04-05T13:30:00Z',
      '2026-10-03T13:29:59Z',
      '2026-10-03T13:30:00Z',
      '2026-10-04T12:59:59Z',
      '2026-10-04T13:00:00Z',
    ]);
    expect(days).toEqual(['2026-04-04', '2026-04-05', '2026-04-05', '2026-04-06', '2026-10-03', '2026-10-04', '2026-10-04', '2026-10-05']);
    const billing = await send(rating, 'GET', `/billing?accountId=${account.id}&startDate=2026-04-05&endDate=2026-04-05`);
    expect(billing.json.customers[0].billableCount).toBe(2);
  });

  it('bills a leap-day call on 29 February', async () => {
    const account = await rating.createAccount({ customers: ['Alpha'], timeZone: 'Australia/Lord_Howe' });
    const days = await billingDays(account, ['2028-02-28T13:00:00Z']);
    expect(days).toEqual(['2028-02-29']);
    const billing = await send(rating, 'GET', `/billing?accountId=${account.id}&startDate=2028-02-29&endDate=2028-02-29`);
    expect(billing.json.customers[0].billableCount).toBe(1);
  });
});
