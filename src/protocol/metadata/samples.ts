import type { FieldType, TypeSpec } from '../dto.js';
import type { FormatName, TypeLookup, WireFormat } from '../formats/format.js';
import { toJson } from '../json.js';
import type { HttpMethod, Operation } from '../operation.js';
import { type ParsedTypeName, formatTypeName, parseTypeName } from './dto-model.js';
import { formatJsv, indentXml } from './sample-formatting.js';

/**
 * The sample HTTP request and response of a metadata page: a placeholder DTO written by the
 * format's own serializer, inside the request and response text of ServiceStack's pages.
 */

/** The media types ServiceStack's pages show for each format, without charset. */
const SAMPLE_MEDIA_TYPES: Readonly<Record<FormatName, string>> = {
  json: 'application/json',
  xml: 'application/xml',
  jsv: 'text/jsv',
  csv: 'text/csv',
  jsonl: 'text/jsonl',
};

const METHODS_WITH_BODY: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH']);

/** The value of date-and-time placeholders: .NET's DateTime.MinValue, which ServiceStack's samples show. */
const PLACEHOLDER_DATE_TIME = new Date('0001-01-01T00:00:00Z');
const PLACEHOLDER_DATE = '0001-01-01';

/** Placeholders for the .NET scalar names that `{ ref }` fields may use, as in Dictionary<String,String>. */
const DOTNET_PLACEHOLDERS: Readonly<Record<string, unknown>> = {
  String: 'String',
  Int32: 0,
  Int64: 0,
  Decimal: 0,
  Boolean: false,
  DateTime: PLACEHOLDER_DATE_TIME,
};

export function sampleMediaType(format: WireFormat): string {
  return SAMPLE_MEDIA_TYPES[format.name] ?? format.contentType.split(';')[0]?.trim() ?? format.contentType;
}

/**
 * Builds a DTO with every field set, as ServiceStack's AutoMappingUtils.PopulateWith fills one:
 * "String" for strings, 0, false, the first enum value, one item per list and nested DTOs filled
 * the same way. A DTO that contains itself is left out below its first level.
 */
export function placeholderOf(spec: TypeSpec, types: TypeLookup, enclosing: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const inside = new Set(enclosing).add(spec.name);
  const value: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const fieldValue = placeholderOfField(field.type, types, inside);
    if (fieldValue !== undefined) value[field.name] = fieldValue;
  }
  return value;
}

function placeholderOfField(type: FieldType, types: TypeLookup, enclosing: ReadonlySet<string>): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        return 'String';
      case 'int':
      case 'decimal':
        return 0;
      case 'bool':
        return false;
      case 'datetime':
        return PLACEHOLDER_DATE_TIME;
      case 'date':
        return PLACEHOLDER_DATE;
    }
  }
  if ('enum' in type) return type.values[0];
  if ('list' in type) {
    const item = placeholderOfField(type.list, types, enclosing);
    return item === undefined ? [] : [item];
  }
  return placeholderOfReference(type.ref, types, enclosing);
}

function placeholderOfReference(name: string, types: TypeLookup, enclosing: ReadonlySet<string>): unknown {
  return placeholderOfParsed(parseTypeName(name), types, enclosing);
}

function placeholderOfParsed(parsed: ParsedTypeName, types: TypeLookup, enclosing: ReadonlySet<string>): unknown {
  const spec = types(formatTypeName(parsed));
  if (spec) return enclosing.has(spec.name) ? undefined : placeholderOf(spec, types, enclosing);
  if (parsed.args.length === 0) return DOTNET_PLACEHOLDERS[parsed.name];

  const [first, second] = parsed.args.map((arg) => placeholderOfParsed(arg, types, enclosing));
  if (parsed.name === 'List') return first === undefined ? [] : [first];
  if (parsed.name === 'Dictionary') return first === undefined || second === undefined ? {} : { [String(first)]: second };
  return undefined;
}

/** Lays out a serialized sample for reading, with JSV and XML indented as ServiceStack's pages show them. */
function layOut(format: FormatName, text: string): string {
  if (format === 'jsv') return formatJsv(text);
  if (format === 'xml') return indentXml(text);
  return text.replace(/(\r?\n)+$/, '');
}

export interface SampleRequestOptions {
  readonly operation: Operation;
  readonly format: WireFormat;
  /** Format of request bodies for formats that cannot read them (JSONL). Plain JSON when absent. */
  readonly bodyFallback: WireFormat | undefined;
  readonly host: string;
  readonly types: TypeLookup;
}

function serialize(format: WireFormat | undefined, spec: TypeSpec, value: unknown, options: SampleRequestOptions): string {
  if (!format) return toJson(value);
  const text = format.serialize(value, { type: spec, types: options.types, operationName: options.operation.request.name });
  return layOut(format.name, text);
}

/** Writes the sample request in the text of ServiceStack's pages, including their trailing spaces. */
export function sampleRequest(options: SampleRequestOptions): string {
  const { operation, format, host } = options;
  const accept = sampleMediaType(format);
  const head = `${operation.method} ${operation.path} HTTP/1.1 \nHost: ${host} \nAccept: ${accept}`;
  if (!METHODS_WITH_BODY.has(operation.method)) return head;

  const bodyFormat = format.parse ? format : options.bodyFallback;
  const contentType = bodyFormat ? sampleMediaType(bodyFormat) : SAMPLE_MEDIA_TYPES.json;
  const body = serialize(bodyFormat, operation.request, placeholderOf(operation.request, options.types), options);
  return `${head}\nContent-Type: ${contentType}\nContent-Length: length\n\n${body}`;
}

/** Writes the sample response, or `204 No Content` for an operation that returns nothing. */
export function sampleResponse(options: SampleRequestOptions): string {
  const { operation, format } = options;
  if (!operation.response) return 'HTTP/1.1 204 No Content';
  const body = serialize(format, operation.response, placeholderOf(operation.response, options.types), options);
  return `HTTP/1.1 200 OK\nContent-Type: ${sampleMediaType(format)}\nContent-Length: length\n\n${body}`;
}
