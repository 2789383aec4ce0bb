import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLABLE_STATUSES } from '../src/billing/billable-info.js';
import { BILLING_NAMESPACE, defineType, type FieldSpec, type TypeSpec } from '../src/protocol/dto.js';
import { FORMATS } from '../src/protocol/formats/index.js';
import type { Operation } from '../src/protocol/operation.js';
import { OPERATIONS } from '../src/protocol/operations/index.js';
import { findSwaggerUiDirectory, resolveAsset } from '../src/protocol/openapi/docs-page.js';
import { buildOpenApiDocument, componentKey, registerOpenApiRoutes, type OpenApiDocument } from '../src/protocol/openapi/index.js';
import type { OperationObject, ParameterObject } from '../src/protocol/openapi/document.js';
import type { SchemaObject } from '../src/protocol/openapi/schemas.js';
import { TypeRegistry } from '../src/protocol/type-registry.js';
import { BillableInfo, NESTED_TYPES } from '../src/protocol/types.js';
import { ADMIN_KEY, startTestService, type TestService } from './support/harness.js';
import { makeCallSid } from './support/twilio-standin.js';

const SERVICE_NAME = 'voice-billing';
const VERSION = '1.2.3';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const ERROR_STATUSES = ['400', '401', '403', '404', '409'];

function buildDocument(operations: readonly Operation[] = OPERATIONS, extraTypes: readonly TypeSpec[] = NESTED_TYPES): OpenApiDocument {
  return buildOpenApiDocument({ operations, types: new TypeRegistry(operations, extraTypes), serviceName: SERVICE_NAME, version: VERSION });
}

/** Lists every operation of the document with its route, in document order. */
function operationsOf(document: OpenApiDocument): { path: string; method: string; operation: OperationObject }[] {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path: route, method: method.toUpperCase(), operation: operation as OperationObject })),
  );
}

function operationNamed(document: OpenApiDocument, operationId: string): OperationObject {
  const found = operationsOf(document).find((entry) => entry.operation.operationId === operationId);
  if (!found) throw new Error(`operation ${operationId} is not in the document`);
  return found.operation;
}

/** Resolves a local JSON pointer such as `#/components/schemas/AccountInfo`. */
function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const token of ref.slice(2).split('/')) {
    const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Collects every `$ref` value in the document, with the JSON path where it occurs. */
function collectRefs(node: unknown, at = '#', found: { at: string; ref: string }[] = []): { at: string; ref: string }[] {
  if (Array.isArray(node)) {
    node.forEach((item, index) => collectRefs(item, `${at}/${index}`, found));
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push({ at, ref: value });
      else collectRefs(value, `${at}/${key}`, found);
    }
  }
  return found;
}

function componentSchema(document: OpenApiDocument, ref: string | undefined): SchemaObject {
  const schema = ref === undefined ? undefined : resolvePointer(document, ref);
  if (!schema) throw new Error(`${ref} does not resolve`);
  return schema as SchemaObject;
}

function bodySchemaOf(document: OpenApiDocument, operation: OperationObject): SchemaObject {
  return componentSchema(document, operation.requestBody?.content['application/json']?.schema?.$ref);
}

/** Copies an operation with extra request fields, to see how the document follows the DTO. */
function withExtraFields(base: Operation, fields: readonly FieldSpec[], overrides: Partial<Operation> = {}): Operation {
  const request = defineType({ ...base.request, fields: [...base.request.fields, ...fields] });
  return { ...base, ...overrides, request } as Operation;
}

function baseOperation(name: string): Operation {
  const operation = OPERATIONS.find((candidate) => candidate.request.name === name);
  if (!operation) throw new Error(`no operation ${name}`);
  return operation;
}

describe('OpenAPI document', () => {
  const document = buildDocument();

  it('declares OpenAPI 3.1 and the service', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toEqual({ title: SERVICE_NAME, version: VERSION });
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(document);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter(({ ref }) => resolvePointer(document, ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it('uses valid component keys', () => {
    for (const group of Object.values(document.components)) {
      for (const key of Object.keys(group)) expect(key).toMatch(/^[a-zA-Z0-9._-]+$/);
    }
  });

  it('has one operation per OPERATIONS entry', () => {
    const documented = operationsOf(document);
    const ids = documented.map((entry) => entry.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(OPERATIONS.map((operation) => operation.request.name).sort());

    for (const operation of OPERATIONS) {
      const entry = documented.find((candidate) => candidate.operation.operationId === operation.request.name);
      expect(entry?.path, operation.request.name).toBe(operation.path);
      expect(entry?.method, operation.request.name).toBe(operation.method);
    }
  });

  it('declares every path parameter', () => {
    for (const { path: route, operation } of operationsOf(document)) {
      const variables = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
      expect(pathParameters.map((parameter) => parameter.name).sort(), route).toEqual([...variables].sort());
      for (const parameter of pathParameters) expect(parameter.required, `${route} ${parameter.name}`).toBe(true);
    }
  });

  it('declares no parameter twice', () => {
    for (const { operation } of operationsOf(document)) {
      const keys = (operation.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
      expect(new Set(keys).size, operation.operationId).toBe(keys.length);
    }
  });

  it('covers every request field', () => {
    for (const operation of OPERATIONS) {
      const documented = operationNamed(document, operation.request.name);
      const parameterNames = new Set((documented.parameters ?? []).map((parameter) => parameter.name));
      const bodyFields = documented.requestBody ? Object.keys(bodySchemaOf(document, documented).properties ?? {}) : [];
      for (const field of operation.request.fields) {
        const covered = parameterNames.has(field.name) || bodyFields.includes(field.name);
        expect(covered, `${operation.request.name}.${field.name}`).toBe(true);
      }
    }
  });

  it('marks required fields as required', () => {
    for (const operation of OPERATIONS) {
      const documented = operationNamed(document, operation.request.name);
      const pathVariables = new Set([...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]));
      const bodyRequired = documented.requestBody ? (bodySchemaOf(document, documented).required ?? []) : [];
      for (const field of operation.request.fields) {
        const parameter = documented.parameters?.find((candidate) => candidate.name === field.name);
        const where = `${operation.request.name}.${field.name}`;
        if (parameter) {
          expect(parameter.required, where).toBe(field.required === true || parameter.in === 'path');
        } else if (field.required && !pathVariables.has(field.name)) {
          expect(bodyRequired, where).toContain(field.name);
        } else {
          expect(bodyRequired, where).not.toContain(field.name);
        }
      }
    }
  });

  it('puts fields in the query or the body by method', () => {
    for (const { method, operation } of operationsOf(document)) {
      const queryParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
      if (BODY_METHODS.has(method)) {
        expect(queryParameters, operation.operationId).toEqual([]);
        expect(Object.keys(operation.requestBody?.content ?? {}), operation.operationId).toEqual(
          expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded']),
        );
      } else {
        expect(operation.requestBody, operation.operationId).toBeUndefined();
      }
    }
  });

  it('documents the success response', () => {
    for (const operation of OPERATIONS) {
      const responses = operationNamed(document, operation.request.name).responses;
      if (operation.response) {
        const success = responses['200'] as { content: Record<string, { schema: SchemaObject }> };
        expect(success.content['application/json']?.schema.$ref, operation.request.name).toBe(
          `#/components/schemas/${componentKey(operation.response.name)}`,
        );
        expect(responses['204'], operation.request.name).toBeUndefined();
      } else {
        expect(responses['204'], operation.request.name).toBeDefined();
        expect(responses['200'], operation.request.name).toBeUndefined();
      }
    }
  });

  it('documents errors as ErrorResponse', () => {
    for (const { operation } of operationsOf(document)) {
      for (const status of ERROR_STATUSES) {
        const reference = operation.responses[status] as { $ref: string } | undefined;
        expect(reference, `${operation.operationId} ${status}`).toBeDefined();
        const response = resolvePointer(document, reference?.$ref ?? '') as { content: Record<string, { schema: SchemaObject }> };
        expect(response.content['application/json']?.schema.$ref, `${operation.operationId} ${status}`).toBe('#/components/schemas/ErrorResponse');
      }
    }
  });

  it('lists roles in description and x-roles', () => {
    for (const operation of OPERATIONS) {
      const documented = operationNamed(document, operation.request.name);
      expect(documented['x-roles']).toEqual([...operation.roles]);
      expect(documented.description).toContain(`Roles: ${operation.roles.join(', ')}`);
      expect(documented.description).toContain(operation.description);
    }
  });

  it('groups operations by domain tag', () => {
    const expected: Record<string, string> = {
      NewBillable: 'Billing',
      GetBilling: 'Billing',
      ListAccounts: 'Accounts',
      PatchCustomer: 'Customers',
      GetSession: 'Sessions',
      DeleteApiKey: 'API keys',
    };
    for (const [operationId, tag] of Object.entries(expected)) {
      expect(operationNamed(document, operationId).tags).toEqual([tag]);
    }
    expect(document.tags.map((tag) => tag.name)).toEqual(['Billing', 'Accounts', 'Customers', 'Sessions', 'API keys']);
  });

  it('offers the three ways to send a key', () => {
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      basic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }),
    });
    expect(document.security).toEqual([{ bearer: [] }, { basic: [] }, { apiKey: [] }]);
  });

  it('maps field types to schemas', () => {
    const billable = componentSchema(document, '#/components/schemas/BillableInfo').properties ?? {};
    expect(billable.attempts).toMatchObject({ type: 'integer', format: 'int32' });
    expect(billable.callCost).toMatchObject({ type: 'number' });
    expect(billable.callCost?.description).toMatch(/exact decimal/i);
    expect(billable.isInternational).toMatchObject({ type: 'boolean' });
    expect(billable.startTime).toMatchObject({ type: 'string', format: 'date-time' });
    expect(billable.billingDay).toMatchObject({ type: 'string', format: 'date' });
    expect(billable.status).toMatchObject({ $ref: '#/components/schemas/BillableStatus' });
    expect(componentSchema(document, '#/components/schemas/BillableStatus')).toMatchObject({ type: 'string', enum: [...BILLABLE_STATUSES] });

    const billing = componentSchema(document, '#/components/schemas/BillingInfo').properties ?? {};
    expect(billing.customers).toEqual({ type: 'array', items: { $ref: '#/components/schemas/BillingCustomerInfo' } });
  });

  it('names generic DTOs with valid keys', () => {
    const list = componentSchema(document, '#/components/schemas/ListResponse_AccountInfo_');
    expect(list.title).toBe('ListResponse<AccountInfo>');
    expect(list.properties?.items).toEqual({ type: 'array', items: { $ref: '#/components/schemas/AccountInfo' } });
  });

  it('maps Dictionary<String,String> to a string map', () => {
    const status = componentSchema(document, '#/components/schemas/ResponseStatus');
    expect(status.properties?.meta).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  it('lists the media types of every format', () => {
    const readers = [...FORMATS.values()].filter((format) => format.parse).map((format) => format.mediaTypes[0]);
    const writers = [...FORMATS.values()].map((format) => format.mediaTypes[0]);
    const newAccount = operationNamed(document, 'NewAccount');
    expect(Object.keys(newAccount.requestBody?.content ?? {})).toEqual(
      expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded', ...readers]),
    );

    const success = operationNamed(document, 'GetAccount').responses['200'] as { content: Record<string, { schema?: SchemaObject }> };
    expect(Object.keys(success.content)).toEqual(expect.arrayContaining(writers));
    expect(success.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/AccountInfo' });
  });

  it('marks secret fields write-only', () => {
    const token = componentSchema(document, '#/components/schemas/NewAccount').properties?.twilioAuthToken;
    expect(token).toMatchObject({ type: 'string', format: 'password', writeOnly: true });
    expect(componentSchema(document, '#/components/schemas/AccountInfo').properties?.twilioAuthToken).toBeUndefined();
  });

  it('does not require path fields in the body', () => {
    const patch = bodySchemaOf(document, operationNamed(document, 'PatchAccount'));
    expect(patch.properties?.accountId).toBeDefined();
    expect(patch.required ?? []).not.toContain('accountId');
  });

  it('has valid JSON Schema 2020-12 components', () => {
    const ajv = new Ajv2020({ strict: false });
    for (const [key, schema] of Object.entries(document.components.schemas)) {
      const valid = ajv.validateSchema(schema);
      expect(valid, `${key}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
    }
  });
});

describe('OpenAPI document from changed DTOs', () => {
  it('adds a new query field', () => {
    const before = buildDocument();
    const changed = withExtraFields(baseOperation('ListBillables'), [{ name: 'callSid', type: 'string', description: 'Only this call' }]);
    const after = buildDocument(OPERATIONS.map((operation) => (operation.request.name === 'ListBillables' ? changed : operation)));

    expect(JSON.stringify(after)).not.toBe(JSON.stringify(before));
    const parameter = operationNamed(after, 'ListBillables').parameters?.find((candidate) => candidate.name === 'callSid');
    expect(parameter).toEqual({ name: 'callSid', in: 'query', required: false, description: 'Only this call', schema: { type: 'string' } });
    expect(componentSchema(after, '#/components/schemas/ListBillables').properties?.callSid).toBeDefined();
  });

  it('adds a new body field', () => {
    const changed = withExtraFields(baseOperation('NewBillable'), [{ name: 'priority', type: 'int', required: true }]);
    const after = buildDocument(OPERATIONS.map((operation) => (operation.request.name === 'NewBillable' ? changed : operation)));

    const body = bodySchemaOf(after, operationNamed(after, 'NewBillable'));
    expect(body.properties?.priority).toEqual({ type: 'integer', format: 'int32' });
    expect(body.required).toContain('priority');
    expect(operationNamed(after, 'NewBillable').requestBody?.required).toBe(true);
  });

  it('adds a new response field', () => {
    const base = baseOperation('GetSession');
    const response = base.response as TypeSpec;
    const changedResponse = defineType({ ...response, fields: [...response.fields, { name: 'durationSeconds', type: 'int' }] });
    const changed = { ...base, response: changedResponse } as Operation;

    const before = buildDocument([base]);
    const after = buildDocument([changed]);
    expect(before.components.schemas.SessionInfo?.properties?.durationSeconds).toBeUndefined();
    expect(after.components.schemas.SessionInfo?.properties?.durationSeconds).toEqual({ type: 'integer', format: 'int32' });
  });

  it('writes list query fields as form, not exploded', () => {
    const changed = withExtraFields(baseOperation('ListBillables'), [
      { name: 'statuses', type: { list: { enum: 'BillableStatus', values: BILLABLE_STATUSES } }, description: 'Any of these statuses' },
    ]);
    const document = buildDocument([changed], [...NESTED_TYPES, BillableInfo]);
    const parameter = operationNamed(document, 'ListBillables').parameters?.find((candidate) => candidate.name === 'statuses');
    expect(parameter).toMatchObject<Partial<ParameterObject>>({
      in: 'query',
      style: 'form',
      explode: false,
      schema: { type: 'array', items: { $ref: '#/components/schemas/BillableStatus' } },
    });
  });

  it('answers 204 for an operation without response', () => {
    const changed = { ...baseOperation('GetSession'), response: null } as Operation;
    const responses = operationNamed(buildDocument([changed]), 'GetSession').responses;
    expect(responses['204']).toBeDefined();
    expect(responses['200']).toBeUndefined();
  });

  it('rejects a reference to an unknown type', () => {
    const changed = withExtraFields(baseOperation('NewBillable'), [{ name: 'extra', type: { ref: 'Missing' } }]);
    expect(() => buildDocument([changed])).toThrow(/NewBillable\.extra refers to the type 'Missing'/);
  });

  it('rejects two types with one component key', () => {
    const first = defineType({ name: 'Thing<A>', namespace: BILLING_NAMESPACE, fields: [{ name: 'a', type: 'string' }] });
    const second = defineType({ name: 'Thing_A_', namespace: BILLING_NAMESPACE, fields: [{ name: 'b', type: 'string' }] });
    expect(() => buildDocument(OPERATIONS, [first, second])).toThrow(/component key 'Thing_A_'/);
  });

  it('rejects two operations on one route', () => {
    const duplicate = withExtraFields(baseOperation('GetSession'), []);
    const renamed = { ...duplicate, request: defineType({ ...duplicate.request, name: 'GetSessionAgain' }) } as Operation;
    expect(() => buildDocument([baseOperation('GetSession'), renamed])).toThrow(/GET \/sessions\/\{sessionId\} is declared by two operations/);
  });
});

describe('OpenAPI routes', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    registerOpenApiRoutes(app, { operations: OPERATIONS, types: new TypeRegistry(OPERATIONS, NESTED_TYPES), serviceName: SERVICE_NAME, version: VERSION });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves /openapi.json', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual(JSON.parse(JSON.stringify(buildDocument())));
  });

  it('serves /docs as HTML', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('data-url="/openapi.json"');
    expect(response.headers['content-security-policy']).toContain("connect-src 'self'");
  });

  it('references only local assets', async () => {
    const html = (await app.inject({ method: 'GET', url: '/docs' })).body;
    const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      expect(url, url).toMatch(/^\/[^/]/);
      expect(url, url).not.toMatch(/^(https?:)?\/\//i);
    }
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it('serves each asset with its content type', async () => {
    const html = (await app.inject({ method: 'GET', url: '/docs' })).body;
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1] ?? '');
    const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    expect(styles.length).toBeGreaterThanOrEqual(1);

    for (const url of scripts) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toMatch(/^text\/javascript/);
      expect(response.body.length, url).toBeGreaterThan(0);
    }
    for (const url of styles) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toMatch(/^text\/css/);
    }
  });

  it('turns off the online validator', async () => {
    const script = (await app.inject({ method: 'GET', url: '/docs/swagger-initializer.js' })).body;
    expect(script).toContain('validatorUrl: null');
  });

  it.each([
    '/docs/assets/../../package.json',
    '/docs/assets/../fastify/fastify.js',
    '/docs/assets/..%2F..%2Fpackage.json',
    '/docs/assets/..%2Ffastify%2Ffastify.js',
    '/docs/assets/%2e%2e/%2e%2e/package.json',
    '/docs/assets/..%5Cfastify%5Cfastify.js',
    '/docs/assets/%2Fetc%2Fpasswd',
    '/docs/assets/package.json',
    '/docs/assets/missing.js',
    '/docs/assets/',
  ])('answers 404 for %s', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(404);
  });
});

describe('resolveAsset', () => {
  let root: string;
  let outside: string;

  beforeAll(async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'openapi-assets-'));
    root = path.join(base, 'package');
    outside = path.join(base, 'secret.js');
    await mkdir(path.join(root, 'nested'), { recursive: true });
    await writeFile(path.join(root, 'app.js'), 'console.log(1);');
    await writeFile(path.join(root, 'nested', 'style.css'), 'body {}');
    await writeFile(outside, 'secret');
    await symlink(outside, path.join(root, 'link.js'));
  });

  afterAll(async () => {
    if (root) await rm(path.dirname(root), { recursive: true, force: true });
  });

  it('finds files inside the root', async () => {
    expect(await resolveAsset(root, 'app.js')).toMatchObject({ contentType: 'text/javascript; charset=utf-8', size: 15 });
    expect(await resolveAsset(root, 'nested/style.css')).toMatchObject({ contentType: 'text/css; charset=utf-8' });
  });

  it.each(['../secret.js', 'nested/../../secret.js', '/etc/passwd.js', 'link.js', 'nested', 'missing.js', 'app.js\0.css', ''])(
    'rejects %j',
    async (requested) => {
      expect(await resolveAsset(root, requested)).toBeUndefined();
    },
  );

  it('finds the installed Swagger UI bundle', async () => {
    const directory = findSwaggerUiDirectory();
    expect(await resolveAsset(directory, 'swagger-ui-bundle.js')).toBeDefined();
  });
});

/**
 * Compiles the document's schema for one component, with `additionalProperties: false` on every
 * object, so a response field the DTO does not declare fails validation.
 */
function closedValidator(document: OpenApiDocument, ajv: Ajv2020, key: string): ValidateFunction {
  const close = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(close);
    if (typeof node !== 'object' || node === null) return node;
    const copy = Object.fromEntries(Object.entries(node).map(([name, value]) => [name, close(value)]));
    if (copy.type === 'object' && copy.properties) copy.additionalProperties = false;
    return copy;
  };
  if (!ajv.getSchema('openapi')) {
    ajv.addSchema({ $id: 'openapi', components: close(document.components) });
  }
  return ajv.compile({ $ref: `openapi#/components/schemas/${key}` });
}

describe('OpenAPI document against the service', () => {
  const document = buildDocument();
  const ajv = new Ajv2020({
    strict: false,
    formats: {
      'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
      date: /^\d{4}-\d{2}-\d{2}$/,
      int32: { type: 'number', validate: (value: number) => Number.isInteger(value) && Math.abs(value) <= 2 ** 31 },
    },
  });
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });

  afterAll(async () => {
    await service?.close();
  });

  /** Calls the service and validates the body against the schema the document gives for that status. */
  async function callAndValidate(operationId: string, status: number, method: string, url: string, body?: unknown): Promise<any> {
    const response = await service.call(method, url, body, ADMIN_KEY);
    expect(response.status, `${operationId}: ${JSON.stringify(response.body)}`).toBe(status);
    const documented = operationNamed(document, operationId).responses[String(response.status)];
    expect(documented, `${operationId} answered ${response.status}, which is not documented`).toBeDefined();

    const target = '$ref' in (documented as object) ? resolvePointer(document, (documented as { $ref: string }).$ref) : documented;
    const schemaRef = (target as { content?: Record<string, { schema?: SchemaObject }> }).content?.['application/json']?.schema?.$ref;
    if (schemaRef === undefined) {
      expect(response.body, operationId).toBeNull();
      return response.body;
    }
    const validate = closedValidator(document, ajv, schemaRef.split('/').pop() ?? '');
    expect(validate(response.body), `${operationId}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(response.body)}`).toBe(true);
    return response.body;
  }

  it('matches successful responses', async () => {
    const account = await service.createAccount({ customers: ['Documented'] });
    const customerId = account.customerIds[0];

    const fetched = await callAndValidate('GetAccount', 200, 'GET', `/accounts/${account.id}`);
    const validateAccount = closedValidator(document, ajv, 'AccountInfo');
    expect(validateAccount({ ...fetched, undeclared: 1 })).toBe(false);
    await callAndValidate('ListAccounts', 200, 'GET', '/accounts');
    await callAndValidate('PatchAccount', 200, 'PATCH', `/accounts/${account.id}`, { name: 'Renamed' });
    await callAndValidate('GetCustomer', 200, 'GET', `/customers/${customerId}`);
    await callAndValidate('ListCustomers', 200, 'GET', `/customers?accountId=${account.id}`);
    const session = await callAndValidate('NewSession', 200, 'POST', '/sessions', { accountId: account.id, customerId, fromAddress: '+15005550006' });
    await callAndValidate('GetSession', 200, 'GET', `/sessions/${session.id}`);

    const callSid = makeCallSid();
    service.twilio.addCall({
      sid: callSid,
      accountSid: account.twilioAccountSid,
      from: '+12125550100',
      to: '+442071838750',
      direction: 'outbound-api',
      status: 'completed',
      startTime: new Date('2026-11-10T15:00:00Z'),
      durationSeconds: 61,
      price: '-0.0140',
      priceUnit: 'USD',
    });
    const billable = await callAndValidate('NewBillable', 200, 'POST', '/billables', { accountId: account.id, customerId, callSid });
    const rated = await service.waitForStatus(billable.id, ['Rated', 'Failed']);
    expect(rated.status).toBe('Rated');
    await callAndValidate('GetBillable', 200, 'GET', `/billables/${billable.id}`);
    const listed = await callAndValidate('ListBillables', 200, 'GET', `/billables?accountId=${account.id}&status=Rated`);
    expect(listed.items).toHaveLength(1);
    const billing = await callAndValidate('GetBilling', 200, 'GET', `/billing?accountId=${account.id}&startDate=2026-11-01&endDate=2026-11-30`);
    expect(billing.customers).toHaveLength(1);
    const key = await callAndValidate('NewApiKey', 200, 'POST', '/api-keys', { name: 'documented', role: 'Manager', accountId: account.id });
    await callAndValidate('ListApiKeys', 200, 'GET', `/api-keys?accountId=${account.id}`);
    await callAndValidate('DeleteApiKey', 204, 'DELETE', `/api-keys/${key.id}`);
  });

  it('matches error responses', async () => {
    await callAndValidate('GetAccount', 404, 'GET', '/accounts/does-not-exist');
    await callAndValidate('GetBilling', 400, 'GET', '/billing?startDate=not-a-date');
    await callAndValidate('NewApiKey', 400, 'POST', '/api-keys', { name: 'bad', role: 'NoSuchRole' });
  });
});
