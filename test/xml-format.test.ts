import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { Money } from '../src/billing/money.js';
import { bindRequest } from '../src/protocol/binder.js';
import { BILLING_NAMESPACE, defineType, type TypeSpec } from '../src/protocol/dto.js';
import { FormatError, type TypeLookup } from '../src/protocol/formats/format.js';
import { dataContractName, xmlFormat } from '../src/protocol/formats/xml.js';
import { INVALID_XML_CHARACTER, XML_DEFAULT_MAX_DEPTH, XML_DEFAULT_MAX_LENGTH, XmlSyntaxError, readXml } from '../src/protocol/formats/xml-reader.js';
import { newBillable } from '../src/protocol/operations/billing.js';
import { BillableInfo, BillingCustomerInfo, BillingInfo, ErrorResponse, ResponseError, ResponseStatus, listResponseOf } from '../src/protocol/types.js';

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const XSI = 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"';
const BILLING_XMLNS = 'xmlns="http://schemas.datacontract.org/2004/07/Voice.Api.Billing"';
const SERVICESTACK_XMLNS = 'xmlns="http://schemas.servicestack.net/types"';
const ARRAYS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays';

const NewBillable = newBillable.request;
const BillableList = listResponseOf('BillableInfo');

// Test-only DTOs with the field kinds that no request uses yet: lists, nested refs and a dictionary.
const Filter = defineType({
  name: 'Filter',
  namespace: BILLING_NAMESPACE,
  fields: [
    { name: 'status', type: { enum: 'BillableStatus', values: ['Pending', 'Rated', 'Failed'] } },
    { name: 'minimumCost', type: 'decimal' },
  ],
});
const TaggedRequest = defineType({
  name: 'TaggedRequest',
  namespace: BILLING_NAMESPACE,
  fields: [
    { name: 'name', type: 'string' },
    { name: 'tags', type: { list: 'string' } },
    { name: 'counts', type: { list: 'int' } },
    { name: 'filter', type: { ref: 'Filter' } },
    { name: 'filters', type: { list: { ref: 'Filter' } } },
    { name: 'meta', type: { ref: 'Dictionary<String,String>' } },
  ],
});
const StatusReply = defineType({
  name: 'StatusReply',
  namespace: BILLING_NAMESPACE,
  fields: [
    { name: 'responseStatus', type: { ref: 'ResponseStatus' } },
    { name: 'day', type: 'date' },
  ],
});

const ALL_TYPES: TypeSpec[] = [NewBillable, BillableInfo, BillableList, BillingInfo, BillingCustomerInfo, ErrorResponse, ResponseStatus, ResponseError, Filter, TaggedRequest, StatusReply];
const types: TypeLookup = (name) => ALL_TYPES.find((type) => type.name === name);

function serialize(value: unknown, type: TypeSpec | null, operationName = 'Test'): string {
  return xmlFormat.serialize(value, { type, types, operationName });
}

function parse(body: string, type: TypeSpec = NewBillable): unknown {
  if (!xmlFormat.parse) throw new Error('xmlFormat must read request bodies');
  return xmlFormat.parse(body, { type, types });
}

/** Runs parse and returns the FormatError it throws, failing the test if it throws nothing or something else. */
function formatErrorOf(body: string, type: TypeSpec = NewBillable): FormatError {
  let caught: unknown;
  try {
    parse(body, type);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FormatError);
  return caught as FormatError;
}

function millisecondsToRun(action: () => void): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

describe('xmlFormat metadata', () => {
  it('names the format and its media types', () => {
    expect(xmlFormat.name).toBe('xml');
    expect(xmlFormat.contentType).toBe('application/xml');
    expect(xmlFormat.mediaTypes).toEqual(['application/xml', 'text/xml']);
  });

  it('derives data contract names of generics', () => {
    expect(dataContractName('ListResponse<AccountInfo>')).toBe('ListResponseOfAccountInfo');
    expect(dataContractName('Dictionary<String,String>')).toBe('ArrayOfKeyValueOfstringstring');
    expect(dataContractName('List<Int32>')).toBe('ArrayOfint');
    expect(dataContractName('NewBillable')).toBe('NewBillable');
  });
});

describe('xmlFormat.serialize', () => {
  it('writes NewBillable in the ServiceStack shape', () => {
    const xml = serialize({ accountId: 'acc-1', customerId: 'cus-2', sessionId: 'ses-3', callSid: 'CA0123' }, NewBillable, 'NewBillable');

    expect(xml).toBe(
      `${DECLARATION}<NewBillable ${XSI} ${BILLING_XMLNS}>` +
        '<AccountId>acc-1</AccountId><CallSid>CA0123</CallSid><CustomerId>cus-2</CustomerId><SessionId>ses-3</SessionId>' +
        '</NewBillable>',
    );
  });

  it('writes null and missing members as i:nil', () => {
    const xml = serialize({ accountId: 'acc-1', customerId: null }, NewBillable);

    expect(xml).toContain('<AccountId>acc-1</AccountId><CallSid i:nil="true" /><CustomerId i:nil="true" /><SessionId i:nil="true" />');
  });

  it('writes BillingInfo with exact decimals and booleans', () => {
    const customer = (id: string, callCost: string, recorded: boolean) => ({
      customerId: id,
      customerName: `Customer ${id}`,
      internationalCosts: new Money('0.0000'),
      hasCallRecording: recorded,
      billableCount: 3,
      pendingCount: 0,
      failedCount: 1,
      callCost: new Money(callCost),
      recordingCost: new Money('0.0025'),
      totalCost: new Money(callCost).plus('0.0025'),
      inboundMinutes: 7,
      outboundMinutes: 12,
      currency: 'USD',
    });
    const xml = serialize({ customers: [customer('c1', '0.1300000000000000000001', true), customer('c2', '12345678901234567890.5', false)] }, BillingInfo);

    const customerXml = (id: string, callCost: string, totalCost: string, recorded: boolean) =>
      '<BillingCustomerInfo>' +
      `<BillableCount>3</BillableCount><CallCost>${callCost}</CallCost><Currency>USD</Currency><CustomerId>${id}</CustomerId>` +
      `<CustomerName>Customer ${id}</CustomerName><FailedCount>1</FailedCount><HasCallRecording>${recorded}</HasCallRecording>` +
      '<InboundMinutes>7</InboundMinutes><InternationalCosts>0</InternationalCosts><OutboundMinutes>12</OutboundMinutes>' +
      `<PendingCount>0</PendingCount><RecordingCost>0.0025</RecordingCost><TotalCost>${totalCost}</TotalCost>` +
      '</BillingCustomerInfo>';
    expect(xml).toBe(
      `${DECLARATION}<BillingInfo ${XSI} ${BILLING_XMLNS}><Customers>` +
        customerXml('c1', '0.1300000000000000000001', '0.1325000000000000000001', true) +
        customerXml('c2', '12345678901234567890.5', '12345678901234567890.5025', false) +
        '</Customers></BillingInfo>',
    );
  });

  it('writes ListResponse<BillableInfo> with dates, days and enums', () => {
    const billable = {
      id: 'bil-1',
      dateCreated: new Date('2026-01-31T23:59:58.123Z'),
      dateLastModified: new Date('2026-02-01T00:00:00Z'),
      accountId: 'acc-1',
      customerId: 'cus-1',
      sessionId: null,
      callSid: 'CA1',
      status: 'Rated',
      failureReason: null,
      attempts: 1,
      callStatus: 'completed',
      startTime: new Date('2026-01-31T22:00:00Z'),
      billingDay: '2026-01-31',
      direction: 'inbound',
      durationSeconds: 61,
      inboundMinutes: 2,
      outboundMinutes: 0,
      legs: 1,
      callCost: new Decimal('0.0170'),
      recordingCost: new Decimal('0'),
      totalCost: new Decimal('0.017'),
      currency: 'USD',
      internationalCost: new Decimal('-0'),
      isInternational: false,
      hasCallRecording: false,
      dateRated: undefined,
    };
    const xml = serialize({ items: [billable], totalCount: 1, totalPages: 1, hasMorePages: false }, BillableList, 'ListBillables');

    expect(xml).toBe(
      `${DECLARATION}<ListResponseOfBillableInfo ${XSI} ${BILLING_XMLNS}>` +
        '<HasMorePages>false</HasMorePages><Items><BillableInfo>' +
        '<AccountId>acc-1</AccountId><Attempts>1</Attempts><BillingDay>2026-01-31T00:00:00</BillingDay>' +
        '<CallCost>0.017</CallCost><CallSid>CA1</CallSid><CallStatus>completed</CallStatus><Currency>USD</Currency>' +
        '<CustomerId>cus-1</CustomerId><DateCreated>2026-01-31T23:59:58.123Z</DateCreated>' +
        '<DateLastModified>2026-02-01T00:00:00.000Z</DateLastModified><DateRated i:nil="true" />' +
        '<Direction>inbound</Direction><DurationSeconds>61</DurationSeconds><FailureReason i:nil="true" />' +
        '<HasCallRecording>false</HasCallRecording><Id>bil-1</Id><InboundMinutes>2</InboundMinutes>' +
        '<InternationalCost>0</InternationalCost><IsInternational>false</IsInternational><Legs>1</Legs>' +
        '<OutboundMinutes>0</OutboundMinutes><RecordingCost>0</RecordingCost><SessionId i:nil="true" />' +
        '<StartTime>2026-01-31T22:00:00.000Z</StartTime><Status>Rated</Status><TotalCost>0.017</TotalCost>' +
        '</BillableInfo></Items><TotalCount>1</TotalCount><TotalPages>1</TotalPages>' +
        '</ListResponseOfBillableInfo>',
    );
  });

  it('writes an empty list as an empty element', () => {
    const xml = serialize({ items: [], totalCount: 0, totalPages: 0, hasMorePages: false }, BillableList);

    expect(xml).toContain('<Items />');
  });

  it('writes ErrorResponse in DataMember order', () => {
    const error = {
      responseStatus: {
        errorCode: 'NotEmpty',
        message: "'accountId' is required.",
        errors: [
          { errorCode: 'NotEmpty', fieldName: 'accountId', message: "'accountId' is required.", meta: { PropertyName: 'AccountId' } },
          { errorCode: 'InvalidValue', fieldName: 'callSid', message: 'bad <sid>' },
        ],
        meta: { requestId: 'req-1', empty: null },
      },
    };
    const xml = serialize(error, ErrorResponse);

    // ServiceStack declares [DataMember(Order = n)] on these types, so this order is not alphabetical.
    expect(xml).toBe(
      `${DECLARATION}<ErrorResponse ${XSI} ${SERVICESTACK_XMLNS}><ResponseStatus>` +
        "<ErrorCode>NotEmpty</ErrorCode><Message>'accountId' is required.</Message><StackTrace i:nil=\"true\" />" +
        '<Errors>' +
        "<ResponseError><ErrorCode>NotEmpty</ErrorCode><FieldName>accountId</FieldName><Message>'accountId' is required.</Message>" +
        `<Meta xmlns:d5p1="${ARRAYS}"><d5p1:KeyValueOfstringstring><d5p1:Key>PropertyName</d5p1:Key><d5p1:Value>AccountId</d5p1:Value></d5p1:KeyValueOfstringstring></Meta>` +
        '</ResponseError>' +
        '<ResponseError><ErrorCode>InvalidValue</ErrorCode><FieldName>callSid</FieldName><Message>bad &lt;sid&gt;</Message><Meta i:nil="true" /></ResponseError>' +
        '</Errors>' +
        `<Meta xmlns:d3p1="${ARRAYS}">` +
        '<d3p1:KeyValueOfstringstring><d3p1:Key>requestId</d3p1:Key><d3p1:Value>req-1</d3p1:Value></d3p1:KeyValueOfstringstring>' +
        '<d3p1:KeyValueOfstringstring><d3p1:Key>empty</d3p1:Key><d3p1:Value i:nil="true" /></d3p1:KeyValueOfstringstring>' +
        '</Meta></ResponseStatus></ErrorResponse>',
    );
  });

  it('prefixes members of a type in another namespace', () => {
    const xml = serialize({ responseStatus: { errorCode: 'E', message: 'm', errors: [{ errorCode: 'X' }] }, day: '2026-03-01' }, StatusReply);

    expect(xml).toBe(
      `${DECLARATION}<StatusReply ${XSI} ${BILLING_XMLNS}><Day>2026-03-01T00:00:00</Day>` +
        '<ResponseStatus xmlns:d2p1="http://schemas.servicestack.net/types">' +
        '<d2p1:ErrorCode>E</d2p1:ErrorCode><d2p1:Message>m</d2p1:Message><d2p1:StackTrace i:nil="true" />' +
        '<d2p1:Errors><d2p1:ResponseError><d2p1:ErrorCode>X</d2p1:ErrorCode><d2p1:FieldName i:nil="true" />' +
        '<d2p1:Message i:nil="true" /><d2p1:Meta i:nil="true" /></d2p1:ResponseError></d2p1:Errors>' +
        '<d2p1:Meta i:nil="true" /></ResponseStatus></StatusReply>',
    );
  });

  it('writes lists of scalars in the Arrays namespace', () => {
    const xml = serialize({ name: 'n', tags: ['a', 'b&c'], counts: [1, -2], filter: { status: 'Pending' }, filters: [], meta: {} }, TaggedRequest);

    expect(xml).toBe(
      `${DECLARATION}<TaggedRequest ${XSI} ${BILLING_XMLNS}>` +
        `<Counts xmlns:d2p1="${ARRAYS}"><d2p1:int>1</d2p1:int><d2p1:int>-2</d2p1:int></Counts>` +
        '<Filter><MinimumCost i:nil="true" /><Status>Pending</Status></Filter><Filters />' +
        `<Meta xmlns:d2p1="${ARRAYS}" /><Name>n</Name>` +
        `<Tags xmlns:d2p1="${ARRAYS}"><d2p1:string>a</d2p1:string><d2p1:string>b&amp;c</d2p1:string></Tags>` +
        '</TaggedRequest>',
    );
  });

  it('escapes markup and keeps CR', () => {
    const xml = serialize({ accountId: `<a href="x">&'</a>`, callSid: 'line1\r\nline2\ttab]]>' }, NewBillable);

    expect(xml).toContain(`<AccountId>&lt;a href="x"&gt;&amp;'&lt;/a&gt;</AccountId>`);
    expect(xml).toContain('<CallSid>line1&#xD;\nline2\ttab]]&gt;</CallSid>');
  });

  it('rejects characters that XML 1.0 forbids', () => {
    for (const bad of ['\u0000', '\u0001', '\u001f', '\ud800', 'a\udc00b', '\ufffe', '\uffff']) {
      expect(() => serialize({ accountId: `x${bad}y` }, NewBillable), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(() => serialize({ accountId: 'x\u0001' }, NewBillable)).toThrow(/NewBillable\.AccountId.*U\+0001/);
  });

  it('writes supplementary characters as they are', () => {
    const xml = serialize({ accountId: 'emoji \u{1F600} and \u00e9' }, NewBillable);

    expect(xml).toContain('<AccountId>emoji \u{1F600} and \u00e9</AccountId>');
  });

  it('writes undeclared values with inferred types', () => {
    const xml = serialize({ zeta: 1.5, alpha: 'a', when: new Date('2026-01-01T00:00:00Z'), flags: [true, 2], nested: { inner: null } }, null, 'Ping');

    expect(xml).toBe(
      `${DECLARATION}<PingResponse ${XSI} ${BILLING_XMLNS}>` +
        '<Alpha>a</Alpha>' +
        `<Flags xmlns:d2p1="${ARRAYS}"><d2p1:boolean>true</d2p1:boolean><d2p1:int>2</d2p1:int></Flags>` +
        '<Nested><Inner i:nil="true" /></Nested><When>2026-01-01T00:00:00.000Z</When><Zeta>1.5</Zeta>' +
        '</PingResponse>',
    );
  });

  it('writes a null root as i:nil', () => {
    expect(serialize(null, NewBillable)).toBe(`${DECLARATION}<NewBillable ${XSI} ${BILLING_XMLNS} i:nil="true" />`);
  });

  it('writes numbers without exponents', () => {
    const xml = serialize({ a: 1e21, b: 1e-7, c: -0 }, null);

    expect(xml).toContain('<A>1000000000000000000000</A><B>0.0000001</B><C>0</C>');
  });

  it('rejects values it cannot write', () => {
    expect(() => serialize({ a: Number.NaN }, null)).toThrow(RangeError);
    expect(() => serialize({ a: new Date(Number.NaN) }, null)).toThrow(RangeError);
    expect(() => serialize({ customers: 'not a list' }, BillingInfo)).toThrow(TypeError);
    expect(() => serialize({ 'not a name': 1 }, null)).toThrow(TypeError);
    expect(() => serialize({ a: 1, A: 2 }, null)).toThrow(/both be <A>/);

    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => serialize(cycle, null)).toThrow(/nested deeper than 64/);
  });
});

describe('xmlFormat.parse', () => {
  it('reads a NewBillable request', () => {
    const body =
      `<NewBillable ${XSI} ${BILLING_XMLNS}>\n` +
      '  <AccountId>acc-1</AccountId>\n  <CallSid>CA0123</CallSid>\n  <CustomerId i:nil="true" />\n  <SessionId></SessionId>\n' +
      '</NewBillable>';

    expect(parse(body)).toEqual({ AccountId: 'acc-1', CallSid: 'CA0123', CustomerId: null, SessionId: '' });
  });

  it('feeds the binder', () => {
    const body = `${DECLARATION}<NewBillable ${XSI} ${BILLING_XMLNS}><accountid> acc-1 </accountid><CallSid>CA0123</CallSid></NewBillable>`;
    const request = bindRequest(NewBillable, { body: parse(body) as Record<string, unknown> });

    expect(request).toEqual({ accountId: ' acc-1 ', callSid: 'CA0123' });
  });

  it('accepts the root in any namespace and letter case', () => {
    expect(parse('<newbillable><AccountId>a</AccountId></newbillable>')).toEqual({ AccountId: 'a' });
    expect(parse('<x:NewBillable xmlns:x="urn:other"><x:AccountId>a</x:AccountId></x:NewBillable>')).toEqual({ AccountId: 'a' });
    expect(parse('<NewBillable/>')).toEqual({});
    expect(parse(`<NewBillable ${XSI} i:nil="true" />`)).toEqual({});
  });

  it('decodes entities, character references and CDATA', () => {
    const body =
      '<NewBillable><AccountId>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;&#x000000000043;</AccountId>' +
      '<CallSid><![CDATA[<raw> & ]]]]><![CDATA[> text]]></CallSid>' +
      '<SessionId>a<!-- comment -->b</SessionId></NewBillable>';

    expect(parse(body)).toEqual({ AccountId: `<>&"'AB\u{1F600}C`, CallSid: '<raw> & ]]> text', SessionId: 'ab' });
  });

  it('normalizes literal line ends but keeps &#xD;', () => {
    expect(parse('<NewBillable><AccountId>a\r\nb\rc&#xD;&#13;</AccountId></NewBillable>')).toEqual({ AccountId: 'a\nb\nc\r\r' });
  });

  it('skips comments, whitespace and unknown elements', () => {
    const body =
      '\ufeff<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- before -->\n' +
      '<NewBillable><Unknown><Deep>1</Deep></Unknown><AccountId>a</AccountId></NewBillable>\n<!-- after -->\n';

    expect(parse(body)).toEqual({ AccountId: 'a' });
  });

  it('reads lists, nested objects and dictionaries', () => {
    const body =
      `<TaggedRequest ${XSI} xmlns:a="${ARRAYS}">` +
      '<Name>n</Name><Tags><a:string>x</a:string><a:string></a:string><a:string i:nil="true"/></Tags>' +
      '<Counts/><Filter><Status>Rated</Status><MinimumCost>1.50</MinimumCost></Filter>' +
      '<Filters><Filter><Status>Failed</Status></Filter><Filter i:nil="true"/></Filters>' +
      '<Meta><a:KeyValueOfstringstring><a:Key>k</a:Key><a:Value>v</a:Value></a:KeyValueOfstringstring>' +
      '<a:KeyValueOfstringstring><a:Key>none</a:Key><a:Value i:nil="true"/></a:KeyValueOfstringstring></Meta>' +
      '</TaggedRequest>';

    expect(parse(body, TaggedRequest)).toEqual({
      Name: 'n',
      Tags: ['x', '', null],
      Counts: [],
      Filter: { Status: 'Rated', MinimumCost: '1.50' },
      Filters: [{ Status: 'Failed' }, null],
      Meta: { k: 'v', none: null },
    });
  });

  it('reads back what serialize writes', () => {
    const value = {
      name: 'n & <m>',
      tags: ['a', ' b ', ''],
      counts: [1, 2],
      filter: { status: 'Pending', minimumCost: new Decimal('0.010') },
      filters: [{ status: 'Rated', minimumCost: null }],
      meta: { 'key with space': 'v\r\n' },
    };

    expect(parse(serialize(value, TaggedRequest), TaggedRequest)).toEqual({
      Name: 'n & <m>',
      Tags: ['a', ' b ', ''],
      Counts: ['1', '2'],
      Filter: { MinimumCost: '0.01', Status: 'Pending' },
      Filters: [{ MinimumCost: null, Status: 'Rated' }],
      Meta: { 'key with space': 'v\r\n' },
    });
  });

  it('round-trips any string that XML can carry', () => {
    const xmlHeavy = fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", ']', ']]>', '\t', '\n', '\r', ' ', '\u0085', '\u2028', 'a', '&amp;') });
    const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
    const allowedOnly = (text: string) => text.replace(new RegExp(INVALID_XML_CHARACTER.source, 'gu'), '?');
    const text = fc.oneof(xmlHeavy, fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }).map(allowedOnly), anyCodeUnits.map(allowedOnly));

    fc.assert(
      fc.property(text, (value) => {
        const xml = serialize({ accountId: value, callSid: 'CA1' }, NewBillable);
        expect(parse(xml)).toEqual({ AccountId: value, CallSid: 'CA1', CustomerId: null, SessionId: null });
      }),
      { numRuns: 500 },
    );
  });

  it('rejects any string with a forbidden character on write', () => {
    const forbidden = fc.constantFrom('\u0000', '\u0008', '\u000b', '\u000c', '\u001f', '\ud800', '\udfff', '\ufffe', '\uffff');

    fc.assert(
      fc.property(fc.string(), forbidden, fc.string(), (before, bad, after) => {
        expect(() => serialize({ accountId: before + bad + after }, NewBillable)).toThrow(RangeError);
      }),
    );
  });
});

describe('xmlFormat.parse rejects', () => {
  it('a different root element', () => {
    const error = formatErrorOf('<GetBilling><AccountId>a</AccountId></GetBilling>');

    expect(error.message).toMatch(/root element must be <NewBillable>.*not <GetBilling>/);
  });

  it('a duplicate field', () => {
    const error = formatErrorOf('<NewBillable><AccountId>a</AccountId><accountid>b</accountid></NewBillable>');

    expect(error.message).toMatch(/<accountid> more than once/);
    expect(error.fieldName).toBe('accountId');
  });

  it('elements inside a text field', () => {
    const error = formatErrorOf('<NewBillable><AccountId><b>a</b></AccountId></NewBillable>');

    expect(error.message).toMatch(/<AccountId> must contain text, not the element <b>/);
    expect(error.fieldName).toBe('accountId');
  });

  it('text inside a list or object', () => {
    expect(formatErrorOf('<TaggedRequest><Tags>a,b</Tags></TaggedRequest>', TaggedRequest).message).toMatch(/<Tags> must contain only elements.*'a,b'/);
    expect(formatErrorOf('<NewBillable>loose<AccountId>a</AccountId></NewBillable>').message).toMatch(/<NewBillable> must contain only elements/);
  });

  it('a dictionary entry without a key', () => {
    const error = formatErrorOf('<TaggedRequest><Meta><KeyValueOfstringstring><Value>v</Value></KeyValueOfstringstring></Meta></TaggedRequest>', TaggedRequest);

    expect(error.message).toMatch(/needs a <Key>/);
  });

  const malformed: [string, string, RegExp][] = [
    ['an empty body', '', /contains no root element/],
    ['whitespace only', '  \n', /contains no root element/],
    ['plain text', 'AccountId=a', /text is not allowed before the root element/],
    ['an unclosed root', '<NewBillable><AccountId>a</AccountId>', /<NewBillable> is not closed/],
    ['an unclosed start tag', '<NewBillable', /start tag <NewBillable> is not closed/],
    ['a mismatched end tag', '<NewBillable><AccountId>a</CallSid></NewBillable>', /end tag <\/CallSid> does not match the start tag <AccountId> at line 1, column 14/],
    ['text after the root', '<NewBillable/>trailing', /text after the end of the root element/],
    ['a second root', '<NewBillable/><NewBillable/>', /a second element after the end of the root element/],
    ['an unquoted attribute', '<NewBillable a=b/>', /expected a quoted value for attribute a/],
    ['a duplicate attribute', '<NewBillable a="1" a="2"/>', /attribute a appears more than once/],
    ['a duplicate expanded attribute', '<NewBillable xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2"/>', /repeats an attribute of the same namespace and name/],
    ['"<" in an attribute', '<NewBillable a="<"/>', /"<" is not allowed in the value of attribute a/],
    ['a missing space between attributes', '<NewBillable a="1"b="2"/>', /expected whitespace/],
    ['an undeclared prefix', '<p:NewBillable/>', /namespace prefix "p" of p:NewBillable is not declared/],
    ['an undeclared attribute prefix', '<NewBillable i:nil="true"/>', /namespace prefix "i" of i:nil is not declared/],
    ['an empty prefix declaration', '<NewBillable xmlns:p=""/>', /empty URI/],
    ['a bad qualified name', '<a:b:NewBillable xmlns:a="urn:x"/>', /not a valid qualified name/],
    ['a bare ampersand', '<NewBillable><AccountId>a & b</AccountId></NewBillable>', /"&" must start a reference/],
    ['an ampersand before a far semicolon', '<NewBillable><AccountId>a &b c;</AccountId></NewBillable>', /"&" must start a reference/],
    ['an undefined entity', '<NewBillable><AccountId>&nbsp;</AccountId></NewBillable>', /undefined entity &nbsp;/],
    ['a reference to U+0000', '<NewBillable><AccountId>&#0;</AccountId></NewBillable>', /refers to U\+0000/],
    ['a reference to a control character', '<NewBillable><AccountId>&#x1;</AccountId></NewBillable>', /refers to U\+0001/],
    ['a reference to a surrogate', '<NewBillable><AccountId>&#xD800;</AccountId></NewBillable>', /refers to U\+D800/],
    ['a reference beyond Unicode', '<NewBillable><AccountId>&#x110000;</AccountId></NewBillable>', /refers to U\+110000/],
    ['a literal control character', '<NewBillable><AccountId>a\u0001</AccountId></NewBillable>', /character U\+0001 is not allowed/],
    ['a lone surrogate', '<NewBillable><AccountId>\ud800</AccountId></NewBillable>', /character U\+D800 is not allowed/],
    ['"]]>" in text', '<NewBillable><AccountId>]]></AccountId></NewBillable>', /"]]>" is not allowed in text/],
    ['an unclosed CDATA section', '<NewBillable><AccountId><![CDATA[x</AccountId></NewBillable>', /CDATA section is not closed/],
    ['CDATA outside the root', '<![CDATA[x]]><NewBillable/>', /only allowed inside the root element/],
    ['"--" in a comment', '<NewBillable><!-- a -- b --></NewBillable>', /"--" is not allowed inside a comment/],
    ['an unclosed comment', '<NewBillable><!-- a </NewBillable>', /comment is not closed/],
    ['a processing instruction', '<?xml-stylesheet href="x.xsl"?><NewBillable/>', /processing instructions are not allowed/],
    ['a processing instruction inside', '<NewBillable><?php echo 1; ?></NewBillable>', /processing instructions are not allowed/],
    ['a late XML declaration', ' <?xml version="1.0"?><NewBillable/>', /only allowed at the very start/],
    ['an invalid XML declaration', '<?xml encoding="utf-8"?><NewBillable/>', /invalid XML declaration/],
    ['a non-UTF-8 encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><NewBillable/>', /encoding "ISO-8859-1".*send UTF-8/],
    ['an ENTITY declaration', '<!ENTITY e "x"><NewBillable/>', /ENTITY declarations are not allowed/],
    ['a DOCTYPE inside the root', '<NewBillable><!DOCTYPE x></NewBillable>', /DOCTYPE declarations are not allowed/],
  ];

  for (const [name, body, message] of malformed) {
    it(name, () => {
      const error = formatErrorOf(body);

      expect(error.message).toMatch(/^The XML body could not be read: Invalid XML at line \d+, column \d+: /);
      expect(error.message).toMatch(message);
    });
  }

  it('reports the line and column', () => {
    let caught: unknown;
    try {
      readXml('<a>\n  <b>\n  </c>\n</a>');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(XmlSyntaxError);
    expect((caught as XmlSyntaxError).line).toBe(3);
    expect((caught as XmlSyntaxError).column).toBe(3);
  });

  it('an XXE external entity', () => {
    const body = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NewBillable><AccountId>&e;</AccountId></NewBillable>';

    const error = formatErrorOf(body);
    expect(error.message).toMatch(/DOCTYPE declarations are not allowed/);
    expect(error.message).not.toMatch(/root:/);
  });

  it('an external DTD', () => {
    expect(formatErrorOf('<!DOCTYPE NewBillable SYSTEM "http://127.0.0.1:1/x.dtd"><NewBillable/>').message).toMatch(/DOCTYPE declarations are not allowed/);
  });

  it('billion laughs, quickly', () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let level = 1; level <= 9; level++) {
      const previous = level === 1 ? 'lol' : `lol${level - 1}`;
      entities.push(`<!ENTITY lol${level} "${`&${previous};`.repeat(10)}">`);
    }
    const body = `<?xml version="1.0"?><!DOCTYPE NewBillable [${entities.join('')}]><NewBillable><AccountId>&lol9;</AccountId></NewBillable>`;

    let error: FormatError | undefined;
    const elapsed = millisecondsToRun(() => {
      error = formatErrorOf(body);
    });
    expect(error?.message).toMatch(/DOCTYPE declarations are not allowed/);
    expect(elapsed).toBeLessThan(200);
  });

  it('an entity reference without a DTD', () => {
    expect(formatErrorOf('<NewBillable><AccountId>&lol9;</AccountId></NewBillable>').message).toMatch(/undefined entity &lol9;/);
  });

  it('nesting beyond the depth limit', () => {
    const nested = (levels: number) => `<NewBillable>${'<a>'.repeat(levels - 1)}${'</a>'.repeat(levels - 1)}</NewBillable>`;

    expect(parse(nested(XML_DEFAULT_MAX_DEPTH))).toEqual({});
    expect(formatErrorOf(nested(XML_DEFAULT_MAX_DEPTH + 1)).message).toMatch(/nested deeper than the limit of 64 levels/);
  });

  it('a body over the size limit', () => {
    const body = `<NewBillable><AccountId>${'x'.repeat(XML_DEFAULT_MAX_LENGTH)}</AccountId></NewBillable>`;

    expect(formatErrorOf(body).message).toMatch(/more than the limit of 1048576/);
  });
});

describe('xml reader cost', () => {
  // Each input is close to the 1 MiB limit; a reader with a quadratic step takes minutes on them.
  const hostileBodies: [string, string, 'accepted' | 'rejected'][] = [
    ['deep nesting', `<NewBillable>${'<a>'.repeat(250_000)}`, 'rejected'],
    ['many siblings', `<NewBillable>${'<a>x</a>'.repeat(120_000)}</NewBillable>`, 'accepted'],
    ['many attributes', `<NewBillable ${Array.from({ length: 80_000 }, (_, index) => `a${index}="1"`).join(' ')}/>`, 'accepted'],
    ['an unclosed tag with many attributes', `<NewBillable ${Array.from({ length: 80_000 }, (_, index) => `a${index}="1"`).join(' ')}`, 'rejected'],
    [
      'many namespace declarations',
      `<NewBillable ${Array.from({ length: 30_000 }, (_, index) => `xmlns:p${index}="urn:${index}"`).join(' ')}>${'<p1:b xmlns:q="urn:q"/>'.repeat(10_000)}</NewBillable>`,
      'accepted',
    ],
    ['many references', `<NewBillable><AccountId>${'&amp;'.repeat(200_000)}</AccountId></NewBillable>`, 'accepted'],
    ['many ampersands', `<NewBillable><AccountId>${'&'.repeat(1_000_000)}</AccountId></NewBillable>`, 'rejected'],
    ['many comments', `<NewBillable><AccountId>${'x<!---->'.repeat(120_000)}</AccountId></NewBillable>`, 'accepted'],
    ['many CDATA sections', `<NewBillable><AccountId>${'<![CDATA[x]]>'.repeat(75_000)}</AccountId></NewBillable>`, 'accepted'],
  ];

  for (const [name, body, outcome] of hostileBodies) {
    it(`stays linear with ${name}`, () => {
      expect(body.length).toBeLessThanOrEqual(XML_DEFAULT_MAX_LENGTH);
      let result: 'accepted' | 'rejected' = 'accepted';
      const elapsed = millisecondsToRun(() => {
        try {
          parse(body);
        } catch (error) {
          if (!(error instanceof FormatError)) throw error;
          result = 'rejected';
        }
      });
      expect(result).toBe(outcome);
      expect(elapsed).toBeLessThan(2_000);
    });
  }
});
