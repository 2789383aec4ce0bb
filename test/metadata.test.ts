import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING_NAMESPACE, defineType, type FieldSpec } from '../src/protocol/dto.js';
import { defineOperation, type Operation } from '../src/protocol/operation.js';
import { newBillable } from '../src/protocol/operations/billing.js';
import { OPERATIONS } from '../src/protocol/operations/index.js';
import { BillableInfo } from '../src/protocol/types.js';
import { buildMetadataApp, codeBlock, pageText, preBlocks, SERVICE_NAME, TEST_FORMATS } from './fixtures/metadata-app.js';

// The original Evo Voice page for NewBillable, as text: F# DTOs, then the HTTP + JSV sample.
const REFERENCE = readFileSync(new URL('./fixtures/newbillable-fsharp.txt', import.meta.url), 'utf8');

/** The reference's F# source, from `namespace` to the last NewBillable property, ending in one newline. */
const REFERENCE_FSHARP = REFERENCE.slice(REFERENCE.indexOf('namespace Voice.Api.Billing'), REFERENCE.indexOf('\nF# NewBillable DTOs'));
const REFERENCE_REQUEST = REFERENCE.slice(REFERENCE.indexOf('POST /billables HTTP/1.1')).trimEnd();
const REFERENCE_JSV_BODY = REFERENCE.slice(REFERENCE.indexOf('{\n\taccountId')).trimEnd();

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildMetadataApp();
});

afterAll(async () => {
  await app?.close();
});

async function get(url: string, host = 'evovoice.io') {
  return app.inject({ method: 'GET', url, headers: { host } });
}

/** Returns the text between `start` and the first `end` after it, to check one class of generated code. */
function section(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  if (from === -1) throw new Error(`'${start}' not found`);
  const to = text.indexOf(end, from + start.length);
  return text.slice(from, to === -1 ? undefined : to);
}

describe('reference fixture', () => {
  it('holds the F# block and the JSV sample', () => {
    expect(REFERENCE_FSHARP.startsWith('namespace Voice.Api.Billing\n\nopen System\n')).toBe(true);
    expect(REFERENCE_FSHARP.endsWith('member val CallSid:String = null with get,set\n')).toBe(true);
    expect(REFERENCE_FSHARP).toContain('    type NewBillable() = \n');
    expect(REFERENCE_REQUEST.startsWith('POST /billables HTTP/1.1 \nHost: evovoice.io \n')).toBe(true);
    expect(REFERENCE_JSV_BODY).toBe('{\n\taccountId: String,\n\tcustomerId: String,\n\tsessionId: String,\n\tcallSid: String\n}');
  });
});

describe('GET /metadata', () => {
  it('lists operations with routes and roles', async () => {
    const response = await get('/metadata');

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const operation of OPERATIONS) {
      const name = operation.request.name;
      expect(response.body).toContain(`<a href="/json/metadata?op=${name}">${name}</a>`);
      expect(response.body).toContain(`<code>${operation.method} ${operation.path}</code>`);
      expect(response.body).toContain(`<td>${operation.roles.join(', ')}</td>`);
      expect(pageText(response.body)).toContain(operation.description);
    }
  });

  it('links to the format pages of each operation', async () => {
    const response = await get('/metadata');

    for (const format of ['xml', 'json', 'jsv', 'csv', 'jsonl']) {
      expect(response.body).toContain(`<a href="/${format}/metadata?op=NewBillable">${format.toUpperCase()}</a>`);
    }
  });

  it('omits formats the service lacks', async () => {
    const withoutXml = await buildMetadataApp(OPERATIONS, new Map([...TEST_FORMATS].filter(([name]) => name !== 'xml')));
    try {
      const index = await withoutXml.inject({ method: 'GET', url: '/metadata' });
      const page = await withoutXml.inject({ method: 'GET', url: '/xml/metadata?op=NewBillable' });

      expect(index.body).not.toContain('/xml/metadata');
      expect(page.statusCode).toBe(404);
      expect(pageText(page.body)).toContain('The XML format is not available on this service; use one of: json, jsv, csv, jsonl.');
    } finally {
      await withoutXml.close();
    }
  });

  it('links to every DTO export', async () => {
    const response = await get('/metadata');

    for (const language of ['typescript', 'typescript.d', 'csharp', 'fsharp', 'python']) {
      expect(response.body).toContain(`<a href="/types/${language}">`);
    }
  });

  it('needs no scripts or external assets', async () => {
    const response = await get('/metadata');

    expect(response.body).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(response.body).toContain(`<title>${SERVICE_NAME} metadata</title>`);
  });
});

describe('GET /{format}/metadata?op=', () => {
  it('shows routes, authentication and roles', async () => {
    const response = await get('/jsv/metadata?op=NewBillable');
    const text = pageText(response.body);

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(text).toContain('<back to all web services');
    expect(text).toContain('Report/create a new billable');
    expect(text).toContain('Requires Authentication');
    expect(text).toContain('Requires any of the roles:SystemAdministrator, Manager');
    expect(text).toContain('The following routes are available for this service:');
    expect(text).toContain('POST/billables');
  });

  it('words a single role as Required role', async () => {
    const response = await get('/json/metadata?op=NewAccount');

    expect(pageText(response.body)).toContain('Required role:SystemAdministrator');
  });

  it('tables the request parameters', async () => {
    const response = await get('/json/metadata?op=NewBillable');

    expect(response.body).toContain('<caption><b>NewBillable</b> Parameters:</caption>');
    expect(response.body).toContain('<th>Name</th><th>Parameter</th><th>Data Type</th><th>Required</th><th>Description</th>');
    expect(response.body).toContain('<tr><td>callSid</td><td>body</td><td>string</td><td>No</td><td>The call SID to report</td></tr>');
  });

  it('marks path, query and form parameters', async () => {
    const getBillable = await get('/json/metadata?op=GetBillable');
    const listBillables = await get('/json/metadata?op=ListBillables');

    expect(getBillable.body).toContain('<tr><td>billableId</td><td>path</td><td>string</td><td>Yes</td><td>The billable to return</td></tr>');
    expect(getBillable.body).toContain('<caption><b>BillableInfo</b> Parameters:</caption>');
    expect(getBillable.body).toContain('<tr><td>totalCost</td><td>form</td><td>decimal?</td><td>No</td><td></td></tr>');
    expect(listBillables.body).toContain('<tr><td>page</td><td>query</td><td>int?</td><td>No</td>');
    expect(listBillables.body).toContain('<td>status</td><td>query</td><td>BillableStatus?</td><td>No</td>');
    expect(listBillables.body).toContain('<h4>Allowable Values</h4><ul><li>Pending</li><li>Rated</li><li>Failed</li></ul>');
    expect(listBillables.body).toContain('<caption><b>ListResponse&lt;T&gt;</b> Parameters:</caption>');
  });

  it('matches the reference JSV request', async () => {
    const response = await get('/jsv/metadata?op=NewBillable');
    const [request] = preBlocks(response.body);

    expect(request).toBe(REFERENCE_REQUEST);
  });

  it('shows the Host header in the sample request', async () => {
    const response = await get('/jsv/metadata?op=NewBillable', 'billing.example.test:8443');
    const [request] = preBlocks(response.body);

    expect(request).toContain('Host: billing.example.test:8443 \n');
  });

  it('writes the JSV sample response as BillableInfo', async () => {
    const response = await get('/jsv/metadata?op=NewBillable');
    const [, sample] = preBlocks(response.body);

    expect(sample?.startsWith('HTTP/1.1 200 OK\nContent-Type: text/jsv\nContent-Length: length\n\n{\n\tid: String,\n')).toBe(true);
    expect(sample).toContain('\tstatus: Pending,\n');
    expect(sample).toContain('\tdateCreated: 0001-01-01,\n');
    expect(sample).toContain('\tisInternational: false,\n');
    expect(sample?.endsWith('\tdateRated: 0001-01-01\n}')).toBe(true);
  });

  it('writes JSON samples with the JSON serializer', async () => {
    const response = await get('/json/metadata?op=NewBillable');
    const [request, sample] = preBlocks(response.body);

    expect(request).toBe(
      'POST /billables HTTP/1.1 \nHost: evovoice.io \nAccept: application/json\nContent-Type: application/json\nContent-Length: length\n\n' +
        '{"accountId":"String","customerId":"String","sessionId":"String","callSid":"String"}',
    );
    const body = JSON.parse((sample as string).split('\n\n')[1] as string) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(BillableInfo.fields.map((field) => field.name));
    expect(body.dateCreated).toBe('0001-01-01T00:00:00.000Z');
    expect(pageText(response.body)).toContain('append the .json suffix or ?format=json');
    expect(pageText(response.body)).toContain('To embed the response in a jsonp callback, append ?callback=myCallback');
  });

  it('fills nested lists with one item', async () => {
    const billing = await get('/json/metadata?op=GetBilling');
    const accounts = await get('/json/metadata?op=ListAccounts');
    const [, billingSample] = preBlocks(billing.body);
    const [, accountsSample] = preBlocks(accounts.body);

    const billingBody = JSON.parse((billingSample as string).split('\n\n')[1] as string) as { customers: unknown[] };
    const accountsBody = JSON.parse((accountsSample as string).split('\n\n')[1] as string) as { items: Array<{ name: string }>; totalCount: number };
    expect(billingBody.customers).toHaveLength(1);
    expect(accountsBody.items).toEqual([expect.objectContaining({ name: 'String', twilioAccountSid: 'String' })]);
    expect(accountsBody.totalCount).toBe(0);
  });

  it('shows requests without a body for GET and DELETE', async () => {
    const getBilling = await get('/jsv/metadata?op=GetBilling');
    const deleteApiKey = await get('/jsv/metadata?op=DeleteApiKey');

    expect(preBlocks(getBilling.body)[0]).toBe('GET /billing HTTP/1.1 \nHost: evovoice.io \nAccept: text/jsv');
    expect(preBlocks(deleteApiKey.body)).toEqual(['DELETE /api-keys/{apiKeyId} HTTP/1.1 \nHost: evovoice.io \nAccept: text/jsv', 'HTTP/1.1 204 No Content']);
  });

  it('writes CSV samples with the CSV serializer', async () => {
    const response = await get('/csv/metadata?op=NewBillable');
    const [request, sample] = preBlocks(response.body);

    expect(request).toContain('Content-Type: text/csv\nContent-Length: length\n\naccountId,customerId,sessionId,callSid\r\nString,String,String,String');
    expect(sample).toContain('Content-Type: text/csv\n');
    expect(pageText(response.body)).toContain('HTTP + CSV');
  });

  it('writes XML samples indented', async () => {
    const response = await get('/xml/metadata?op=GetBilling');
    const [request, sample] = preBlocks(response.body);

    expect(request).toBe('GET /billing HTTP/1.1 \nHost: evovoice.io \nAccept: application/xml');
    expect(sample).toContain('Content-Type: application/xml\nContent-Length: length\n\n<?xml version="1.0" encoding="utf-8"?>\n<BillingInfo ');
    expect(sample).toContain('\n  <Customers>\n    <BillingCustomerInfo>\n      <BillableCount>0</BillableCount>\n');
    expect(sample?.endsWith('\n    </BillingCustomerInfo>\n  </Customers>\n</BillingInfo>')).toBe(true);
    expect(pageText(response.body)).toContain('HTTP + XML');
  });

  it('falls back to a JSON request body for JSONL', async () => {
    const response = await get('/jsonl/metadata?op=NewBillable');
    const [request, sample] = preBlocks(response.body);

    expect(request).toContain('Accept: text/jsonl\nContent-Type: application/json\n');
    expect(request).toContain('{"accountId":"String","customerId":"String","sessionId":"String","callSid":"String"}');
    expect(sample).toContain('Content-Type: text/jsonl\n');
  });

  it('shows the operation list without op', async () => {
    const response = await get('/jsv/metadata');

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<a href="/json/metadata?op=GetBilling">GetBilling</a>');
  });

  it('finds operations case-insensitively', async () => {
    const response = await get('/json/metadata?op=newbillable');

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<h2>NewBillable</h2>');
  });

  it('answers 404 for an unknown operation', async () => {
    const response = await get('/json/metadata?op=NoSuchOperation');

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(pageText(response.body)).toContain("No operation is named 'NoSuchOperation'");
  });

  it('answers 404 for an unknown format', async () => {
    const response = await get('/yaml/metadata?op=NewBillable');

    expect(response.statusCode).toBe(404);
  });

  it('answers 404 for an unknown language', async () => {
    const response = await get('/json/metadata?op=NewBillable&lang=cobol');

    expect(response.statusCode).toBe(404);
    expect(pageText(response.body)).toContain("Unknown language 'cobol'; use one of: typescript, csharp, fsharp, python.");
  });
});

describe('GET /{format}/metadata?op=&lang=', () => {
  it('matches the reference F# block for NewBillable', async () => {
    const response = await get('/jsv/metadata?op=NewBillable&lang=fsharp');
    const code = codeBlock(response.body);

    expect(response.statusCode).toBe(200);
    expect(code.slice(0, REFERENCE_FSHARP.length)).toBe(REFERENCE_FSHARP);
    // A blank line separates the NewBillable block from the next type.
    expect(code.slice(REFERENCE_FSHARP.length, REFERENCE_FSHARP.length + 1)).toBe('\n');
  });

  it('contains the reference page text', async () => {
    const response = await get('/jsv/metadata?op=NewBillable&lang=fsharp');
    const text = pageText(response.body);
    const markers = [
      '<back to all web services',
      'NewBillable',
      'Report/create a new billable',
      'Requires Authentication',
      'The following routes are available for this service:',
      'POST/billables',
      'namespace Voice.Api.Billing',
      'F# NewBillable DTOs',
      'To override the Content-type in your clients, use the HTTP Accept Header, append the .jsv suffix or ?format=jsv',
      'HTTP + JSV',
      'The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.',
      REFERENCE_REQUEST,
    ];

    let position = 0;
    for (const marker of markers) {
      const found = text.indexOf(marker, position);
      expect(found, marker).toBeGreaterThanOrEqual(position);
      position = found + marker.length;
    }
    expect(preBlocks(response.body)[0]?.endsWith(`\n\n${REFERENCE_JSV_BODY}`)).toBe(true);
  });

  it('includes the response DTO and its enums', async () => {
    const response = await get('/jsv/metadata?op=NewBillable&lang=fsharp');
    const code = codeBlock(response.body);

    expect(code).toContain('    type BillableStatus =\n        | Pending = 0\n        | Rated = 1\n        | Failed = 2\n');
    expect(code).toContain('    type BillableInfo() = \n');
    expect(code.indexOf('type BillableStatus')).toBeLessThan(code.indexOf('type BillableInfo'));
    expect(code).not.toContain('[<Route(');
    expect(code).not.toContain('IReturn');
  });

  it('links to the DTO export of the operation', async () => {
    const response = await get('/jsv/metadata?op=NewBillable&lang=fsharp');

    expect(response.body).toContain('<a href="/types/fsharp?IncludeTypes=NewBillable.*">F# NewBillable DTOs</a>');
    expect(response.body).toContain('<a class="active" href="/jsv/metadata?op=NewBillable&amp;lang=fsharp">F#</a>');
  });

  it.each([
    ['typescript', 'TypeScript', 'export class NewBillable\n', 'export class BillableInfo\n'],
    ['csharp', 'C#', 'public partial class NewBillable\n        : IPost\n', 'public partial class BillableInfo\n'],
    ['python', 'Python', 'class NewBillable(IPost):\n', 'class BillableInfo:\n'],
  ])('shows %s DTOs', async (language, label, requestClass, responseClass) => {
    const response = await get(`/json/metadata?op=NewBillable&lang=${language}`);
    const code = codeBlock(response.body);

    expect(response.statusCode).toBe(200);
    expect(code).toContain(requestClass);
    expect(code).toContain(responseClass);
    expect(pageText(response.body)).toContain(`${label} NewBillable DTOs`);
    expect(response.body).not.toContain('<caption><b>NewBillable</b> Parameters:</caption>');
  });
});

describe('HTML escaping', () => {
  const hostile = defineOperation({
    request: defineType({
      name: 'HostileOperation',
      namespace: BILLING_NAMESPACE,
      description: '<script>alert("type")</script>',
      fields: [{ name: 'note', type: 'string', description: '</code></pre><script>alert("field")</script>' }],
    }),
    response: null,
    method: 'POST',
    path: '/hostile',
    roles: ['Manager'],
    description: '<script>alert("operation")</script> & "more"',
    handle: async () => null,
  });
  let hostileApp: FastifyInstance;

  beforeAll(async () => {
    hostileApp = await buildMetadataApp([...OPERATIONS, hostile as unknown as Operation]);
  });

  afterAll(async () => {
    await hostileApp?.close();
  });

  it.each([
    '/metadata',
    '/json/metadata?op=HostileOperation',
    '/jsv/metadata?op=HostileOperation&lang=fsharp',
    '/json/metadata?op=HostileOperation&lang=typescript',
    '/json/metadata?op=HostileOperation&lang=csharp',
    '/json/metadata?op=HostileOperation&lang=python',
    '/json/metadata?op=%3Cscript%3Ealert(1)%3C/script%3E',
  ])('escapes descriptions on %s', async (url) => {
    const response = await hostileApp.inject({ method: 'GET', url });

    expect(response.body).not.toMatch(/<script/i);
    expect(response.body).toContain('&lt;script&gt;alert(');
  });

  it('keeps the escaped text readable', async () => {
    const response = await hostileApp.inject({ method: 'GET', url: '/json/metadata?op=HostileOperation' });

    expect(response.body).toContain('&lt;script&gt;alert(&quot;operation&quot;)&lt;/script&gt; &amp; &quot;more&quot;');
    expect(pageText(response.body)).toContain('<script>alert("operation")</script> & "more"');
  });
});

describe('DTO changes', () => {
  const extraFields: FieldSpec[] = [
    { name: 'externalReference', type: 'string', description: "The caller's own reference" },
    { name: 'tags', type: { list: 'string' } },
  ];
  const extendedResponse = defineType({ ...BillableInfo, fields: [...BillableInfo.fields, { name: 'carrier', type: 'string' }] });
  const extended = {
    ...newBillable,
    request: { ...newBillable.request, fields: [...newBillable.request.fields, ...extraFields] },
    response: extendedResponse,
  } as unknown as Operation;
  const operations = OPERATIONS.map((operation) => (operation.request.name === 'NewBillable' ? extended : operation));
  let extendedApp: FastifyInstance;

  beforeAll(async () => {
    extendedApp = await buildMetadataApp(operations);
  });

  afterAll(async () => {
    await extendedApp?.close();
  });

  async function body(url: string): Promise<string> {
    const response = await extendedApp.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    return response.body;
  }

  it('appear in every DTO export', async () => {
    const typescript = section(await body('/types/typescript'), 'export class NewBillable', '\n}');
    const declarations = section(await body('/types/typescript.d'), 'interface NewBillable', '\n    }');
    const csharp = section(await body('/types/csharp'), 'public partial class NewBillable', '\n    }');
    const fsharp = section(await body('/types/fsharp'), 'type NewBillable() = ', '\n\n    [<');
    const python = section(await body('/types/python'), 'class NewBillable(', '\n\n\n');

    expect(typescript).toContain('public externalReference?: string;');
    expect(typescript).toContain('public tags?: string[];');
    expect(declarations).toContain('externalReference?: string;');
    expect(csharp).toContain('public virtual string ExternalReference { get; set; }');
    expect(csharp).toContain('public virtual List<string> Tags { get; set; }');
    expect(fsharp).toContain('member val ExternalReference:String = null with get,set');
    expect(fsharp).toContain('member val Tags:ResizeArray<String> = null with get,set');
    expect(python).toContain('external_reference: Optional[str] = None');
    expect(python).toContain('tags: Optional[List[str]] = None');
  });

  it('appear in response DTO exports', async () => {
    expect(section(await body('/types/typescript'), 'export class BillableInfo', '\n}')).toContain('public carrier?: string;');
    expect(section(await body('/types/csharp'), 'public partial class BillableInfo', '\n    }')).toContain('public virtual string Carrier { get; set; }');
  });

  it('appear on the metadata pages', async () => {
    const jsonPage = await body('/json/metadata?op=NewBillable');
    const jsvPage = await body('/jsv/metadata?op=NewBillable');
    const fsharpPage = codeBlock(await body('/jsv/metadata?op=NewBillable&lang=fsharp'));

    expect(jsonPage).toContain("<tr><td>externalReference</td><td>body</td><td>string</td><td>No</td><td>The caller&#39;s own reference</td></tr>");
    expect(preBlocks(jsonPage)[0]).toContain('"externalReference":"String","tags":["String"]}');
    expect(preBlocks(jsonPage)[1]).toContain('"carrier":"String"');
    expect(preBlocks(jsvPage)[0]).toContain('\tcallSid: String,\n\texternalReference: String,\n\ttags: \n\t[\n\t\tString\n\t]\n}');
    expect(fsharpPage).toContain('member val ExternalReference:String = null with get,set');
  });
});
