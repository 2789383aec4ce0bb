import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING_NAMESPACE, defineType, type TypeSpec } from '../src/protocol/dto.js';
import { defineOperation, type Operation } from '../src/protocol/operation.js';
import { OPERATIONS } from '../src/protocol/operations/index.js';
import { referencedTypeName, TypeRegistry } from '../src/protocol/type-registry.js';
import { NESTED_TYPES, SERVICESTACK_NAMESPACE } from '../src/protocol/types.js';
import { buildMetadataApp } from './fixtures/metadata-app.js';

const require = createRequire(import.meta.url);
const CLIENT_TYPES = join(require.resolve('@servicestack/client'), '..', 'index.d.ts');
const PYTHON_AVAILABLE = spawnSync('python3', ['--version']).status === 0;
const REGISTRY = new TypeRegistry(OPERATIONS, NESTED_TYPES);

let app: FastifyInstance;
let workDirectory: string;

beforeAll(async () => {
  app = await buildMetadataApp();
  workDirectory = mkdtempSync(join(tmpdir(), 'voice-billing-dtos-'));
});

afterAll(async () => {
  await app?.close();
  if (workDirectory) rmSync(workDirectory, { recursive: true, force: true });
});

async function fetchTypes(language: string, server: FastifyInstance = app): Promise<string> {
  const response = await server.inject({ method: 'GET', url: `/types/${language}`, headers: { host: 'evovoice.io' } });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
  return response.body;
}

/** Creates a directory under the test's temporary directory. */
function directory(name: string): string {
  const path = join(workDirectory, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** Type-checks files with strict settings and returns the diagnostics as readable lines. */
function typeCheck(directoryPath: string, files: Readonly<Record<string, string>>): string[] {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directoryPath, name), text);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    paths: { '@servicestack/client': [CLIENT_TYPES] },
  };
  const program = ts.createProgram(
    Object.keys(files).map((name) => join(directoryPath, name)),
    options,
  );
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName}:${line + 1}: ${message}`;
  });
}

/** Transpiles the DTO source to JavaScript and imports it. */
async function importTranspiled(source: string, name: string): Promise<Record<string, any>> {
  const output = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } });
  const path = join(directory(name), 'dtos.mjs');
  writeFileSync(path, output.outputText);
  return (await import(pathToFileURL(path).href)) as Record<string, any>;
}

/** Strips type arguments, `ListResponse<AccountInfo>` → `ListResponse`, to get the name generated code declares. */
function declaredName(typeName: string): string {
  return typeName.split('<')[0] as string;
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function snakeCase(name: string): string {
  return name.replace(/([a-z\d])([A-Z])/g, '$1_$2').toLowerCase();
}

function verb(operation: Operation): string {
  return `I${operation.method.charAt(0)}${operation.method.slice(1).toLowerCase()}`;
}

/** The DTO specs a .NET or Python client declares itself (ServiceStack's own types come from its library). */
const OWN_TYPES: TypeSpec[] = REGISTRY.all().filter((spec) => spec.namespace !== SERVICESTACK_NAMESPACE);

/** Returns the generated text from `start` up to the first `end` after it. */
function section(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  expect(from, `'${start}' is declared`).toBeGreaterThanOrEqual(0);
  const to = text.indexOf(end, from + start.length);
  return text.slice(from, to === -1 ? undefined : to);
}

const USAGE_PROGRAM = `
import { JsonServiceClient } from '@servicestack/client';
import { BillableInfo, BillableStatus, DeleteApiKey, GetBilling, ListBillables, ListResponse, NewBillable } from './dtos.js';

const request = new NewBillable({ callSid: 'CA0123456789abcdef0123456789abcdef' });
const empty: BillableInfo = request.createResponse();
const typeName: string = request.getTypeName();
const method: string = request.getMethod();

export async function callService(client: JsonServiceClient): Promise<number | undefined> {
  const billable: BillableInfo = await client.post(request);
  const page: ListResponse<BillableInfo> = await client.get(new ListBillables({ status: BillableStatus.Rated, countPerPage: 10 }));
  const first: BillableInfo | undefined = page.items?.[0];
  const billing = await client.get(new GetBilling({ accountId: 'account', startDate: '2024-03-01', endDate: '2024-03-31' }));
  await client.delete(new DeleteApiKey({ apiKeyId: 'key' }));
  return billable.totalCost ?? first?.totalCost ?? billing.customers?.[0]?.totalCost;
}

export const checks = [empty, typeName, method];
`;

describe('GET /types/typescript', () => {
  it('starts with the Options header', async () => {
    const source = await fetchTypes('typescript');

    expect(source).toMatch(/^\/\* Options:\nDate: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\nVersion: 0\.1\.0\n/);
    expect(source).toContain('\nBaseUrl: http://evovoice.io\n');
    expect(source).toContain('\n//IncludeTypes: \n');
    expect(source).toContain('export interface IReturn<T>\n{\n    createResponse(): T;\n}');
    expect(source).toContain('export interface IReturnVoid\n{\n    createResponse(): void;\n}');
  });

  it('type-checks strictly with @servicestack/client', async () => {
    const source = await fetchTypes('typescript');

    const diagnostics = typeCheck(directory('typescript'), { 'dtos.ts': source, 'main.ts': USAGE_PROGRAM });

    expect(diagnostics).toEqual([]);
  });

  it('declares every operation as ServiceStack does', async () => {
    const source = await fetchTypes('typescript');

    for (const operation of OPERATIONS) {
      const name = operation.request.name;
      const marker = operation.response ? `IReturn<${operation.response.name}>` : 'IReturnVoid';
      const body = section(source, `export class ${name} implements ${marker}\n{`, '\n}');
      expect(source).toContain(`// @Route("${operation.path}", "${operation.method}")\n// @Api(Description=`);
      for (const field of operation.request.fields) {
        expect(body).toContain(`public ${field.name}${field.required ? '!' : '?'}: `);
      }
      expect(body).toContain(`public constructor(init?: Partial<${name}>) { (Object as any).assign(this, init); }`);
    }
  });

  it('runs getTypeName, getMethod and createResponse', async () => {
    const dtos = await importTranspiled(await fetchTypes('typescript'), 'typescript-runtime');

    for (const operation of OPERATIONS) {
      const request = new dtos[operation.request.name]({});
      expect(request.getTypeName()).toBe(operation.request.name);
      expect(request.getMethod()).toBe(operation.method);
      const response = request.createResponse();
      if (operation.response) expect(response).toBeInstanceOf(dtos[declaredName(operation.response.name)]);
      else expect(response).toBeUndefined();
    }
  });

  it('sends only the fields that were set', async () => {
    const dtos = await importTranspiled(await fetchTypes('typescript'), 'typescript-fields');

    const request = new dtos.NewBillable({ callSid: 'CA0123' });

    expect(request.callSid).toBe('CA0123');
    expect(JSON.stringify(request)).toBe('{"callSid":"CA0123"}');
    expect(dtos.BillableStatus.Rated).toBe('Rated');
  });

  it('narrows to one operation with IncludeTypes', async () => {
    const response = await app.inject({ method: 'GET', url: '/types/typescript?IncludeTypes=NewBillable.*' });
    const source = response.body;

    expect(source).toContain('\nIncludeTypes: NewBillable.*\n');
    expect(source).toContain('export class NewBillable implements IReturn<BillableInfo>');
    expect(source).toContain('export class BillableInfo');
    expect(source).toContain('export enum BillableStatus');
    expect(source).not.toContain('export class GetBilling');
    expect(typeCheck(directory('typescript-include'), { 'dtos.ts': source })).toEqual([]);
  });

  it('drops types named in ExcludeTypes', async () => {
    const response = await app.inject({ method: 'GET', url: '/types/typescript?ExcludeTypes=ErrorResponse' });

    expect(response.body).toContain('\nExcludeTypes: ErrorResponse\n');
    expect(response.body).not.toContain('export class ErrorResponse');
    expect(response.body).toContain('export class ResponseStatus');
  });

  it('keeps comment text from closing comments', async () => {
    const hostile = defineOperation({
      request: defineType({
        name: 'CommentBreaker',
        namespace: BILLING_NAMESPACE,
        description: 'Ends early */ throw new Error("injected"); /*',
        fields: [{ name: 'note', type: 'string', description: 'Line one\nline two */ export const injected = 1; /*' }],
      }),
      response: null,
      method: 'PUT',
      path: '/comment-breaker',
      roles: ['Manager'],
      description: 'Ends early */',
      handle: async () => null,
    });
    const hostileApp = await buildMetadataApp([...OPERATIONS, hostile as unknown as Operation]);
    try {
      const source = await fetchTypes('typescript', hostileApp);

      expect(typeCheck(directory('typescript-comments'), { 'dtos.ts': source })).toEqual([]);
      const dtos = await importTranspiled(source, 'typescript-comments-runtime');
      expect(dtos.injected).toBeUndefined();
      expect(new dtos.CommentBreaker({}).getMethod()).toBe('PUT');
    } finally {
      await hostileApp.close();
    }
  });
});

describe('GET /types/typescript.d', () => {
  it('type-checks as ambient declarations', async () => {
    const source = await fetchTypes('typescript.d');
    const usage = [
      '/// <reference path="./dtos.d.ts" />',
      "const request: dtos.NewBillable = { callSid: 'CA0123' };",
      "const billable: dtos.BillableInfo = { id: 'billable', status: 'Rated', totalCost: 0.013 };",
      "const page: dtos.ListResponse<dtos.AccountInfo> = { items: [{ name: 'Acme' }], totalCount: 1 };",
      "const byId: dtos.GetBillable = { billableId: 'billable' };",
      '// @ts-expect-error billableId is required',
      'const missing: dtos.GetBillable = {};',
      'export const values = [request, billable, page, byId, missing];',
      '',
    ].join('\n');

    expect(source).toContain('declare namespace dtos\n{');
    expect(typeCheck(directory('typescript-declarations'), { 'dtos.d.ts': source, 'usage.ts': usage })).toEqual([]);
  });
});

describe('GET /types/csharp', () => {
  it('declares every operation with its route and markers', async () => {
    const source = await fetchTypes('csharp');

    for (const operation of OPERATIONS) {
      const name = operation.request.name;
      const marker = operation.response ? `IReturn<${operation.response.name}>` : 'IReturnVoid';
      const header = `public partial class ${name}\n        : ${marker}, ${verb(operation)}\n    {`;
      const body = section(source, header, '\n    }');
      const attributes = source.slice(source.lastIndexOf('\n\n', source.indexOf(header)), source.indexOf(header));
      expect(attributes).toContain(`[Route("${operation.path}", "${operation.method}")]`);
      for (const field of operation.request.fields) {
        expect(body).toMatch(new RegExp(`public virtual [\\w<>?, ]+ ${pascalCase(field.name)} \\{ get; set; \\}`));
      }
    }
  });

  it('declares every DTO and field', async () => {
    const source = await fetchTypes('csharp');

    for (const spec of OWN_TYPES) {
      const body = section(source, `public partial class ${declaredName(spec.name)}`, '\n    }');
      for (const field of spec.fields) expect(body).toContain(` ${pascalCase(field.name)} { get; set; }`);
    }
    expect(source).not.toContain('class ResponseStatus');
    expect(source).toContain('using ServiceStack;');
    expect(source).toContain('namespace Voice.Api.Billing\n{');
    expect(source.split('{').length).toBe(source.split('}').length);
  });

  it('makes optional value types nullable', async () => {
    const source = await fetchTypes('csharp');

    expect(source).toContain('public virtual int? CountPerPage { get; set; }');
    expect(source).toContain('public virtual DateTime StartDate { get; set; }');
    expect(source).toContain('public virtual decimal? TotalCost { get; set; }');
    expect(source).toContain('public virtual List<BillingCustomerInfo> Customers { get; set; }');
    expect(source).toContain('public enum BillableStatus\n    {\n        Pending,\n        Rated,\n        Failed,\n    }');
  });
});

describe('GET /types/fsharp', () => {
  it('declares every operation with its route and markers', async () => {
    const source = await fetchTypes('fsharp');

    for (const operation of OPERATIONS) {
      const name = operation.request.name;
      const marker = operation.response ? `IReturn<${operation.response.name}>` : 'IReturnVoid';
      const body = section(source, `    type ${name}() = \n        interface ${marker}\n        interface ${verb(operation)}\n`, '\n\n    [<');
      expect(source).toContain(`[<Route("${operation.path}", "${operation.method}")>]`);
      for (const field of operation.request.fields) expect(body).toContain(`member val ${pascalCase(field.name)}:`);
    }
  });

  it('declares every DTO before its first use', async () => {
    const source = await fetchTypes('fsharp');
    const position = (name: string): number => source.search(new RegExp(`\\n    type ${name}(\\(|<| =)`));

    for (const spec of OWN_TYPES) {
      const declared = position(declaredName(spec.name));
      expect(declared, spec.name).toBeGreaterThan(0);
      // A generic instance such as ListResponse<AccountInfo> is declared once as ListResponse<'T>.
      if (spec.name.includes('<')) continue;
      for (const field of spec.fields) {
        const referenced = referencedTypeName(field.type);
        if (referenced && REGISTRY.get(referenced)?.namespace === BILLING_NAMESPACE) {
          expect(position(declaredName(referenced)), `${referenced} before ${spec.name}`).toBeLessThan(declared);
        }
        if (typeof field.type === 'object' && 'enum' in field.type) {
          expect(position(field.type.enum), `${field.type.enum} before ${spec.name}`).toBeLessThan(declared);
        }
      }
    }
    for (const operation of OPERATIONS) {
      if (!operation.response) continue;
      const responseNames = operation.response.name.split(/[<>,]/).filter(Boolean);
      for (const name of responseNames) {
        expect(position(name), `${name} before ${operation.request.name}`).toBeLessThan(position(operation.request.name));
      }
    }
  });

  it('starts with the Options header and namespace', async () => {
    const source = await fetchTypes('fsharp');

    expect(source).toMatch(/^\(\* Options:\nDate: /);
    expect(source).toContain('\n*)\n\nnamespace Voice.Api.Billing\n\nopen System\n');
    expect(source).toContain("    type ListResponse<'T>() = \n        member val Items:ResizeArray<'T> = null with get,set\n");
  });
});

describe('GET /types/python', () => {
  it('declares every operation with its route and markers', async () => {
    const source = await fetchTypes('python');

    for (const operation of OPERATIONS) {
      const name = operation.request.name;
      const response = operation.response ? `IReturn[${operation.response.name.replace('<', '[').replace('>', ']')}]` : 'IReturnVoid';
      const body = section(source, `class ${name}(${response}, ${verb(operation)}):\n`, '\n\n\n');
      expect(source).toContain(`# @Route("${operation.path}", "${operation.method}")\n`);
      for (const field of operation.request.fields) expect(body).toContain(`\n    ${snakeCase(field.name)}: Optional[`);
    }
    expect(source).toContain('@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)\n@dataclass\nclass NewBillable(IReturn[BillableInfo], IPost):');
    expect(source).toContain('    account_id: Optional[str] = None\n');
    expect(source).not.toContain('class ResponseStatus');
  });

  it.skipIf(!PYTHON_AVAILABLE)('runs with stand-ins for its imports', async () => {
    const source = await fetchTypes('python');
    const path = directory('python');
    mkdirSync(join(path, 'marshmallow'), { recursive: true });
    writeFileSync(join(path, 'dtos.py'), source);
    // Stand-ins with the names the generated module imports, so Python resolves every annotation and base class.
    writeFileSync(
      join(path, 'servicestack.py'),
      [
        'from typing import Generic, TypeVar',
        "_T = TypeVar('_T')",
        'class IReturn(Generic[_T]): pass',
        'class IReturnVoid: pass',
        ...['IGet', 'IPost', 'IPut', 'IPatch', 'IDelete', 'ResponseStatus', 'ResponseError'].map((name) => `class ${name}: pass`),
        "__all__ = ['IReturn', 'IReturnVoid', 'IGet', 'IPost', 'IPut', 'IPatch', 'IDelete', 'ResponseStatus', 'ResponseError']",
        '',
      ].join('\n'),
    );
    writeFileSync(join(path, 'marshmallow', '__init__.py'), '');
    writeFileSync(join(path, 'marshmallow', 'fields.py'), "class Decimal: pass\n__all__ = ['Decimal']\n");
    writeFileSync(
      join(path, 'dataclasses_json.py'),
      [
        'def dataclass_json(**options): return lambda cls: cls',
        "class LetterCase: CAMEL = 'camelCase'",
        "class Undefined: EXCLUDE = 'EXCLUDE'",
        'def config(**options): return options',
        '',
      ].join('\n'),
    );
    const inspect = [
      'import dataclasses, json, sys, typing',
      'import dtos',
      'def describe(t):',
      '    origin = typing.get_origin(t)',
      "    return origin.__name__ + '[' + ','.join(describe(a) for a in typing.get_args(t)) + ']' if origin else t.__name__",
      'result = {}',
      'for name, cls in vars(dtos).items():',
      "    if isinstance(cls, type) and cls.__module__ == 'dtos' and dataclasses.is_dataclass(cls):",
      '        typing.get_type_hints(cls, vars(dtos))',
      "        bases = [describe(base) for base in cls.__dict__.get('__orig_bases__', cls.__bases__)]",
      "        result[name] = {'bases': bases, 'fields': [f.name for f in dataclasses.fields(cls)]}",
      "result['callSid'] = dtos.NewBillable(call_sid='CA0123').call_sid",
      'print(json.dumps(result))',
    ].join('\n');

    const run = spawnSync('python3', ['-c', inspect], { cwd: path, encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const classes = JSON.parse(run.stdout) as Record<string, { bases: string[]; fields: string[] }> & { callSid: string };
    expect(classes.callSid).toBe('CA0123');
    for (const operation of OPERATIONS) {
      const declared = classes[operation.request.name];
      const response = operation.response ? `IReturn[${operation.response.name.replace('<', '[').replace('>', ']')}]` : 'IReturnVoid';
      expect(declared?.bases).toEqual([response, verb(operation)]);
      expect(declared?.fields).toEqual(operation.request.fields.map((field) => snakeCase(field.name)));
    }
    for (const spec of OWN_TYPES) expect(classes[declaredName(spec.name)], spec.name).toBeDefined();
  });
});
