import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireFormat } from '../src/protocol/formats/format.js';
import { FORMATS } from '../src/protocol/formats/index.js';
import { OPERATIONS } from '../src/protocol/operations/index.js';
import { TypeRegistry } from '../src/protocol/type-registry.js';
import { NESTED_TYPES } from '../src/protocol/types.js';
import { ADMIN_KEY, startTestService, type TestAccount, type TestService } from './support/harness.js';
import { makeCallSid } from './support/twilio-standin.js';

const types = new TypeRegistry(OPERATIONS, NESTED_TYPES);
const lookup = (name: string) => types.get(name);

let service: TestService;
let account: TestAccount;

beforeAll(async () => {
  service = await startTestService({ worker: false });
  account = await service.createAccount({ customers: ['Alpha', 'Beta'] });
});

afterAll(async () => {
  await service?.close();
});

/** Reduces a DTO to strings at the leaves, nulls dropped, so that every format compares alike. */
function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const normalized = normalize(member);
      if (normalized !== undefined && normalized !== '') result[key.charAt(0).toLowerCase() + key.slice(1)] = normalized;
    }
    return result;
  }
  return String(value);
}

async function send(path: string, init: { method: string; body?: string; contentType?: string; accept?: string }) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` };
  if (init.contentType) headers['content-type'] = init.contentType;
  if (init.accept) headers.accept = init.accept;
  const response = await fetch(service.url + path, { method: init.method, headers, body: init.body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** Reads a response body in a format that can carry DTOs back. */
function read(format: WireFormat, text: string, typeName: string): unknown {
  if (format.parse) return format.parse(text, { type: types.get(typeName)!, types: lookup });
  if (format.name === 'jsonl') return text.trim().split('\n').map((line) => JSON.parse(line));
  return parseCsv(text, { columns: true });
}

const bodyFormats = [...FORMATS.values()].filter((format) => format.parse !== null && format.name !== 'csv');

describe.each(bodyFormats.map((format) => [format.name, format] as const))('%s request and response', (_name, format) => {
  it('reports a billable', async () => {
    const request = { accountId: account.id, customerId: account.customerIds[0], callSid: makeCallSid() };
    const body = format.serialize(request, { type: types.get('NewBillable')!, types: lookup, operationName: 'NewBillable' });
    const response = await send('/billables', { method: 'POST', body, contentType: format.mediaTypes[0], accept: format.mediaTypes[0] });

    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toContain(format.mediaTypes[0]!.split('/')[1]!);
    const billable = normalize(read(format, response.text, 'BillableInfo')) as Record<string, string>;
    const expected = await service.call('GET', `/billables/${billable.id}`);
    expect(billable).toEqual(normalize(expected.body));
    expect(billable.callSid).toBe(request.callSid);
    expect(billable.status).toBe('Pending');
  });

  it('returns a field error', async () => {
    const request = { accountId: account.id, customerId: account.customerIds[0], callSid: 'CA-not-a-sid' };
    const body = format.serialize(request, { type: types.get('NewBillable')!, types: lookup, operationName: 'NewBillable' });
    const response = await send('/billables', { method: 'POST', body, contentType: format.mediaTypes[0], accept: format.mediaTypes[0] });

    expect(response.status).toBe(400);
    const error = normalize(read(format, response.text, 'ErrorResponse')) as any;
    expect(error.responseStatus.errorCode).toBe('InvalidCallSid');
    const fieldErrors = Array.isArray(error.responseStatus.errors) ? error.responseStatus.errors : Object.values(error.responseStatus.errors);
    expect(fieldErrors.flat()[0].fieldName).toBe('callSid');
  });

  it('rejects a value of the wrong type', async () => {
    const request = { accountId: account.id, customerId: account.customerIds[0], channel: 'Telegraph' };
    const body = format.serialize(request, { type: types.get('NewSession')!, types: lookup, operationName: 'NewSession' });
    const response = await send('/sessions', { method: 'POST', body, contentType: format.mediaTypes[0], accept: format.mediaTypes[0] });

    expect(response.status).toBe(400);
    const error = normalize(read(format, response.text, 'ErrorResponse')) as any;
    const fieldErrors = Array.isArray(error.responseStatus.errors) ? error.responseStatus.errors : Object.values(error.responseStatus.errors);
    expect(fieldErrors.flat()[0].fieldName).toBe('channel');
    expect(error.responseStatus.message).toMatch(/Voice, Chat, Fax/);
  });

  it('rejects a malformed body', async () => {
    const response = await send('/billables', { method: 'POST', body: '{<[', contentType: format.mediaTypes[0], accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errorCode).toBe('SerializationException');
  });
});

describe.each([...FORMATS.keys()])('GetBilling as %s', (name) => {
  it('returns the same totals as JSON', async () => {
    const query = `accountId=${account.id}&startDate=2026-12-01&endDate=2026-12-31`;
    const expected = await service.call('GET', `/billing?${query}`);
    const response = await send(`/billing.${name}?${query}`, { method: 'GET' });

    expect(response.status).toBe(200);
    const format = FORMATS.get(name)!;
    const parsed = normalize(read(format, response.text, 'BillingInfo')) as any;
    const customers = Array.isArray(parsed) ? parsed : Array.isArray(parsed.customers) ? parsed.customers : Object.values(parsed.customers).flat();
    expect(normalize(customers)).toEqual(normalize(expected.body.customers));
  });
});

describe('format negotiation', () => {
  const query = () => `accountId=${account.id}&startDate=2026-12-01&endDate=2026-12-01`;

  it('prefers ?format= over Accept', async () => {
    const response = await send(`/billing?${query()}&format=jsv`, { method: 'GET', accept: 'application/xml' });
    expect(response.headers.get('content-type')).toContain('application/jsv');
  });

  it('reads the format from the path prefix', async () => {
    const response = await send(`/jsv/reply/GetBilling?${query()}`, { method: 'GET', accept: 'application/json' });
    expect(response.headers.get('content-type')).toContain('text/jsv');
  });

  it('reads the format from a suffix', async () => {
    const response = await send(`/billing.csv?${query()}`, { method: 'GET' });
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toBe('attachment;filename=GetBilling.csv');
    expect(response.text.split('\r\n')[0]).toMatch(/^customerId,customerName,internationalCosts,hasCallRecording/);
  });

  it('honours Accept quality values', async () => {
    const response = await send(`/billing?${query()}`, { method: 'GET', accept: 'application/json;q=0.5, application/jsv' });
    expect(response.headers.get('content-type')).toContain('application/jsv');
  });

  it('wraps JSON in a JSONP callback', async () => {
    const response = await send(`/billing?${query()}&callback=showBilling&format=xml`, { method: 'GET' });
    expect(response.headers.get('content-type')).toContain('application/javascript');
    expect(response.text).toMatch(/^showBilling\(\{"customers":/);
  });

  it('rejects an unsafe JSONP callback', async () => {
    const response = await send(`/billing?${query()}&callback=alert(1)`, { method: 'GET' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errors[0].fieldName).toBe('callback');
  });

  it('rejects an unknown format', async () => {
    const response = await send(`/billing?${query()}&format=yaml`, { method: 'GET' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errorCode).toBe('UnknownFormat');
  });

  it('answers 415 for an unsupported media type', async () => {
    const response = await send('/billables', { method: 'POST', body: 'hello', contentType: 'text/plain' });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.text).responseStatus.errorCode).toBe('UnsupportedMediaType');
  });

  it('rejects duplicate JSON keys', async () => {
    const body = `{"accountId":"${account.id}","customerId":"${account.customerIds[0]}","callSid":"${makeCallSid()}","callSid":"${makeCallSid()}"}`;
    const response = await send('/billables', { method: 'POST', body, contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errors[0].fieldName).toBe('callSid');
  });

  it('rejects keys that differ only in case', async () => {
    const body = JSON.stringify({ accountId: account.id, customerId: account.customerIds[0], callSid: makeCallSid(), CallSid: makeCallSid() });
    const response = await send('/billables', { method: 'POST', body, contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errors[0].errorCode).toBe('DuplicateProperty');
  });

  it('answers errors in the requested format', async () => {
    const response = await send('/billing.jsv?accountId=nowhere&startDate=2026-12-01&endDate=2026-12-01', { method: 'GET' });
    expect(response.status).toBe(404);
    expect(response.text).toMatch(/^\{responseStatus:\{errorCode:NotFound,/);
  });

  it('binds a form post', async () => {
    const form = new URLSearchParams({ AccountId: account.id, CUSTOMERID: account.customerIds[1]!, callsid: makeCallSid() });
    const response = await send('/billables', { method: 'POST', body: form.toString(), contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).customerId).toBe(account.customerIds[1]);
  });

  it('rejects a malformed CSV body', async () => {
    const body = `accountId,customerId,callSid\r\n"${account.id},${account.customerIds[0]}\r\n`;
    const response = await send('/billables', { method: 'POST', body, contentType: 'text/csv', accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errorCode).toBe('SerializationException');
  });

  it('rejects a form that repeats a field', async () => {
    const body = `accountId=${account.id}&customerId=${account.customerIds[0]}&callSid=${makeCallSid()}&callSid=${makeCallSid()}`;
    const response = await send('/billables', { method: 'POST', body, contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errors[0].fieldName).toBe('callSid');
  });

  it('switches format with a suffix on a predefined route', async () => {
    const response = await send(`/api/GetBilling.xml?${query()}`, { method: 'GET' });
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><BillingInfo /);
  });

  it('binds a CSV request body', async () => {
    const sid = makeCallSid();
    const body = `accountId,customerId,callSid\r\n${account.id},${account.customerIds[0]},${sid}\r\n`;
    const response = await send('/billables', { method: 'POST', body, contentType: 'text/csv', accept: 'application/json' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).callSid).toBe(sid);
  });
});

describe('auto-batching', () => {
  const item = (callSid = makeCallSid(), customerId = account.customerIds[0]) => ({ accountId: account.id, customerId, callSid });

  it('stores a batch in order', async () => {
    const items = [item(), item(), item()];
    const response = await send('/api/NewBillable[]', { method: 'POST', body: JSON.stringify(items), contentType: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-autobatch-completed')).toBe('3');
    const billables = JSON.parse(response.text);
    expect(billables.map((billable: any) => billable.callSid)).toEqual(items.map((entry) => entry.callSid));
  });

  it('returns the existing billable for a repeated call', async () => {
    const sid = makeCallSid();
    const first = await service.call('POST', '/billables', item(sid));
    const response = await send('/json/reply/NewBillable[]', { method: 'POST', body: JSON.stringify([item(sid), item(sid)]), contentType: 'application/json' });
    const billables = JSON.parse(response.text);
    expect(billables[0].id).toBe(first.body.id);
    expect(billables[1].id).toBe(first.body.id);
  });

  it('stops at the first failure', async () => {
    const items = [item(), item(), item('bad'), item()];
    const response = await send('/api/NewBillable[]', { method: 'POST', body: JSON.stringify(items), contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-autobatch-completed')).toBe('2');
    const error = JSON.parse(response.text);
    expect(error.responseStatus.meta.AutoBatchIndex).toBe('2');
    expect(error.responseStatus.errors[0].fieldName).toBe('callSid');
    const stored = await service.app.db.query('SELECT call_sid FROM billables WHERE call_sid = ANY($1::text[])', [items.map((entry) => entry.callSid)]);
    expect(stored.map((row: any) => row.call_sid).sort()).toEqual([items[0]!.callSid, items[1]!.callSid].sort());
  });

  it('stops at a conflicting call and keeps what came before', async () => {
    const billedElsewhere = makeCallSid();
    await service.call('POST', '/billables', item(billedElsewhere, account.customerIds[1]));
    const items = [item(), item(billedElsewhere), item()];
    const response = await send('/api/NewBillable[]', { method: 'POST', body: JSON.stringify(items), contentType: 'application/json' });
    expect(response.status).toBe(409);
    expect(response.headers.get('x-autobatch-completed')).toBe('1');
    expect(JSON.parse(response.text).responseStatus.meta.AutoBatchIndex).toBe('1');
    const stored = await service.app.db.query('SELECT call_sid FROM billables WHERE call_sid = ANY($1::text[])', [[items[0]!.callSid, items[2]!.callSid]]);
    expect(stored.map((row: any) => row.call_sid)).toEqual([items[0]!.callSid]);
  });

  it('runs other operations one by one', async () => {
    const requests = [{ accountId: account.id, name: 'Batch one' }, { accountId: account.id, name: 'Batch two' }];
    const response = await send('/api/NewCustomer[]', { method: 'POST', body: JSON.stringify(requests), contentType: 'application/json' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).map((customer: any) => customer.name)).toEqual(['Batch one', 'Batch two']);
  });

  it('rejects a batch over the limit', async () => {
    const items = Array.from({ length: 1001 }, () => item());
    const response = await send('/api/NewBillable[]', { method: 'POST', body: JSON.stringify(items), contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.errorCode).toBe('BatchTooLarge');
  });

  it('rejects an XML batch clearly', async () => {
    const body = `<ArrayOfNewBillable><NewBillable><CallSid>${makeCallSid()}</CallSid></NewBillable></ArrayOfNewBillable>`;
    const response = await send('/api/NewBillable[]', { method: 'POST', body, contentType: 'application/xml', accept: 'application/json' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).responseStatus.message).toMatch(/XML batches are not supported/);
  });

  it('rejects a batch that is not a list', async () => {
    const response = await send('/api/NewBillable[]', { method: 'POST', body: JSON.stringify(item()), contentType: 'application/json' });
    expect(response.status).toBe(400);
  });
});
