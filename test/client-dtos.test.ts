import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JsonServiceClient } from '@servicestack/client';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/protocol/operations/index.js';
import { ADMIN_KEY, startTestService, type TestService } from './support/harness.js';
import { makeAccountSid, makeAuthToken, makeCallSid } from './support/twilio-standin.js';

let service: TestService;
let dtos: Record<string, new (init?: Record<string, unknown>) => any>;
let directory: string;
const exercised = new Set<string>();

/** Loads the DTO module the running service serves at /types/typescript, as a client project would. */
async function loadServedDtos(url: string): Promise<typeof dtos> {
  const source = await (await fetch(`${url}/types/typescript`)).text();
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
  directory = mkdtempSync(join(tmpdir(), 'voice-billing-client-'));
  const file = join(directory, 'dtos.mjs');
  writeFileSync(file, outputText);
  return (await import(pathToFileURL(file).href)) as typeof dtos;
}

function request(name: string, init: Record<string, unknown>) {
  exercised.add(name);
  const Dto = dtos[name];
  if (!Dto) throw new Error(`/types/typescript has no class ${name}`);
  return new Dto(init);
}

beforeAll(async () => {
  service = await startTestService();
  dtos = await loadServedDtos(service.url);
});

afterAll(async () => {
  await service?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('served TypeScript DTOs with JsonServiceClient', () => {
  it('drive every operation', async () => {
    const client = new JsonServiceClient(service.url);
    client.bearerToken = ADMIN_KEY;
    const twilioAccountSid = makeAccountSid();
    const twilioAuthToken = makeAuthToken();
    service.twilio.addAccount(twilioAccountSid, twilioAuthToken);

    const account = await client.send<any>(request('NewAccount', { name: 'Typed', twilioAccountSid, twilioAuthToken, timeZone: 'Europe/Paris', countryCode: 'FR', currency: 'EUR' }));
    expect(account.id).toBeTruthy();
    expect((await client.send<any>(request('GetAccount', { accountId: account.id }))).name).toBe('Typed');
    expect((await client.send<any>(request('ListAccounts', { countPerPage: 1000 }))).items.some((item: any) => item.id === account.id)).toBe(true);
    expect((await client.send<any>(request('PatchAccount', { accountId: account.id, name: 'Typed and patched' }))).name).toBe('Typed and patched');

    const customer = await client.send<any>(request('NewCustomer', { accountId: account.id, name: 'Parent', referenceId: 'crm-1' }));
    expect((await client.send<any>(request('GetCustomer', { customerId: customer.id }))).referenceId).toBe('crm-1');
    expect((await client.send<any>(request('ListCustomers', { accountId: account.id }))).totalCount).toBe(1);
    expect((await client.send<any>(request('PatchCustomer', { customerId: customer.id, name: 'Renamed' }))).name).toBe('Renamed');

    const callSid = makeCallSid();
    service.twilio.addCall({ sid: callSid, accountSid: twilioAccountSid, from: '+33142685300', to: '+33142685301', direction: 'outbound-api', status: 'completed', startTime: new Date('2026-11-20T10:00:00Z'), durationSeconds: 42, price: '-0.0150', priceUnit: 'EUR' });
    const session = await client.send<any>(request('NewSession', { accountId: account.id, customerId: customer.id, callSid, channel: 'Voice' }));
    expect((await client.send<any>(request('GetSession', { sessionId: session.id }))).callSid).toBe(callSid);

    const billable = await client.send<any>(request('NewBillable', { sessionId: session.id }));
    expect(billable.status).toBe('Pending');
    await service.waitForStatus(billable.id, ['Rated']);
    const rated = await client.send<any>(request('GetBillable', { billableId: billable.id }));
    expect(rated.totalCost).toBe(0.015);
    expect(rated.currency).toBe('EUR');
    expect((await client.send<any>(request('ListBillables', { accountId: account.id, status: 'Rated' }))).totalCount).toBe(1);
    const billing = await client.send<any>(request('GetBilling', { accountId: account.id, startDate: '2026-11-20', endDate: '2026-11-20' }));
    expect(billing.customers).toHaveLength(1);
    expect(billing.customers[0].totalCost).toBe(0.015);

    const key = await client.send<any>(request('NewApiKey', { name: 'typed manager', role: 'Manager', accountId: account.id }));
    expect(key.key).toMatch(/^vb_/);
    expect((await client.send<any>(request('ListApiKeys', { accountId: account.id }))).items.map((item: any) => item.id)).toContain(key.id);
    await client.sendVoid(request('DeleteApiKey', { apiKeyId: key.id }));
    expect((await client.send<any>(request('ListApiKeys', { accountId: account.id }))).items).toHaveLength(0);

    expect([...exercised].sort()).toEqual(OPERATIONS.map((operation) => operation.request.name).sort());
  });

  it('surface a validation error', async () => {
    const client = new JsonServiceClient(service.url);
    client.bearerToken = ADMIN_KEY;
    const failure = await client.send<any>(request('NewBillable', { accountId: 'a', customerId: 'c', callSid: 'not-a-sid' })).catch((error: unknown) => error);
    expect((failure as any).responseStatus.errorCode).toBe('InvalidCallSid');
    expect((failure as any).responseStatus.errors[0].fieldName).toBe('callSid');
  });
});
