import type { FieldSpec } from '../dto.js';
import { FORMATS } from '../formats/index.js';
import type { HttpMethod, Operation } from '../operation.js';
import type { TypeRegistry } from '../type-registry.js';
import { ErrorResponse } from '../types.js';
import { SchemaBuilder, type SchemaObject, componentRef, joinSentences } from './schemas.js';

export const OPENAPI_VERSION = '3.1.0';

const JSON_MEDIA_TYPE = 'application/json';
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

export interface OpenApiOptions {
  operations: readonly Operation[];
  types: TypeRegistry;
  serviceName: string;
  version: string;
  /** Media types listed for request bodies; defaults to defaultRequestMediaTypes(). */
  requestMediaTypes?: readonly string[];
  /** Media types listed for success responses; defaults to defaultResponseMediaTypes(). */
  responseMediaTypes?: readonly string[];
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: SchemaObject;
  style?: 'form' | 'simple';
  explode?: boolean;
}

/** One media type of a request or response. Formats other than JSON are listed without a schema. */
export interface MediaTypeObject {
  schema?: SchemaObject;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: SchemaObject }>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject | { $ref: string }>;
  'x-roles': string[];
}

export type PathItemObject = Partial<Record<Lowercase<HttpMethod>, OperationObject>>;

export type SecuritySchemeObject =
  | { type: 'http'; scheme: 'bearer' | 'basic'; description: string }
  | { type: 'apiKey'; in: 'header'; name: string; description: string };

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    responses: Record<string, ResponseObject>;
    securitySchemes: Record<string, SecuritySchemeObject>;
  };
}

/** Tags by the first segment of an operation's path; other segments become a capitalized tag of their own. */
const TAGS_BY_PATH_SEGMENT: Record<string, string> = {
  billables: 'Billing',
  billing: 'Billing',
  accounts: 'Accounts',
  customers: 'Customers',
  sessions: 'Sessions',
  'api-keys': 'API keys',
};

const BODY_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH']);

const PATH_VARIABLE = /\{(\w+)\}/g;

const SECURITY_SCHEMES: Record<string, SecuritySchemeObject> = {
  bearer: { type: 'http', scheme: 'bearer', description: 'The API key as a bearer token: `Authorization: Bearer <key>`.' },
  basic: { type: 'http', scheme: 'basic', description: 'HTTP Basic with the API key as the user name; the password is ignored.' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The API key in the X-Api-Key header.' },
};

const ERROR_RESPONSES: Record<string, { status: string; response: ResponseObject }> = {
  ValidationError: {
    status: '400',
    response: { description: 'The request is invalid: a field is missing or has an invalid value. responseStatus.errors lists each field.' },
  },
  Unauthorized: {
    status: '401',
    response: {
      description: 'The API key is missing or invalid.',
      headers: { 'WWW-Authenticate': { description: 'The accepted schemes: Bearer and Basic.', schema: { type: 'string' } } },
    },
  },
  Forbidden: { status: '403', response: { description: "The API key's role or account does not allow this request." } },
  NotFound: { status: '404', response: { description: 'The resource named in the request does not exist or is out of reach of this API key.' } },
  Conflict: { status: '409', response: { description: 'The request conflicts with the current state, for example a duplicate.' } },
};

const BODY_ERROR_RESPONSES: Record<string, { status: string; response: ResponseObject }> = {
  PayloadTooLarge: { status: '413', response: { description: 'The request body is larger than the server accepts.' } },
  UnsupportedMediaType: { status: '415', response: { description: 'The Content-Type of the request body is not supported.' } },
};

const UNEXPECTED_ERROR: ResponseObject = {
  description: 'An unexpected error: 500 for an internal error (logged with the request id), 503 while the database is unavailable.',
};

/** JSON, form posts, then the first media type of every other format that reads request bodies. */
export function defaultRequestMediaTypes(): string[] {
  const mediaTypes = [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE];
  for (const format of FORMATS.values()) {
    const primary = format.mediaTypes[0];
    if (format.parse && primary && !mediaTypes.includes(primary)) mediaTypes.push(primary);
  }
  return mediaTypes;
}

/** JSON first, then the first media type of every other response format. */
export function defaultResponseMediaTypes(): string[] {
  const mediaTypes = [JSON_MEDIA_TYPE];
  for (const format of FORMATS.values()) {
    const primary = format.mediaTypes[0];
    if (primary && !mediaTypes.includes(primary)) mediaTypes.push(primary);
  }
  return mediaTypes;
}

/** Builds the OpenAPI 3.1 document from the operations and the DTOs in the registry, and nothing else. */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const { operations, types, serviceName, version } = options;
  const mediaTypes = {
    request: options.requestMediaTypes ?? defaultRequestMediaTypes(),
    response: options.responseMediaTypes ?? defaultResponseMediaTypes(),
  };
  const schemas = new SchemaBuilder(types);
  const paths: Record<string, PathItemObject> = {};
  const tags: string[] = [];
  const tailoredRequests = new Set<string>();

  for (const operation of operations) {
    const tag = tagOf(operation.path);
    if (!tags.includes(tag)) tags.push(tag);

    const pathFields = pathFieldsOf(operation);
    if (BODY_METHODS.has(operation.method)) {
      schemas.addType(operation.request, new Set([...pathFields.values()].map((field) => field.name)));
      tailoredRequests.add(operation.request.name);
    }

    const pathItem = (paths[operation.path] ??= {});
    const method = operation.method.toLowerCase() as Lowercase<HttpMethod>;
    if (pathItem[method]) {
      throw new Error(`OpenAPI: ${operation.method} ${operation.path} is declared by two operations; give each operation its own route.`);
    }
    pathItem[method] = buildOperation(operation, tag, pathFields, schemas, mediaTypes);
  }

  schemas.addAll(tailoredRequests);
  schemas.addType(ErrorResponse);

  return {
    openapi: OPENAPI_VERSION,
    info: { title: serviceName, version },
    tags: tags.map((name) => ({ name })),
    security: Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: [] })),
    paths,
    components: {
      schemas: schemas.result(),
      responses: buildErrorResponses(),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

function buildOperation(
  operation: Operation,
  tag: string,
  pathFields: ReadonlyMap<string, FieldSpec>,
  schemas: SchemaBuilder,
  mediaTypes: { request: readonly string[]; response: readonly string[] },
): OperationObject {
  const request = operation.request;
  const hasBody = BODY_METHODS.has(operation.method);
  const pathFieldSpecs = new Set(pathFields.values());

  const parameters: ParameterObject[] = [];
  for (const [variable, field] of pathFields) {
    parameters.push(parameterOf(variable, 'path', field, schemas, request.name));
  }
  if (!hasBody) {
    for (const field of request.fields) {
      if (!pathFieldSpecs.has(field) && isBindableFromText(field)) parameters.push(parameterOf(field.name, 'query', field, schemas, request.name));
    }
  }

  const requestBody: OperationObject['requestBody'] = hasBody
    ? {
        required: request.fields.some((field) => field.required && !pathFieldSpecs.has(field)),
        content: Object.fromEntries(mediaTypes.request.map((mediaType) => [mediaType, { schema: { $ref: componentRef(request.name) } }])),
      }
    : undefined;

  return {
    operationId: request.name,
    summary: summaryOf(operation.description),
    description: descriptionOf(operation),
    tags: [tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: responsesOf(operation, hasBody, mediaTypes.response),
    'x-roles': [...operation.roles],
  };
}

/** Finds the request fields bound from the path, keyed by the variable name as written in the route. */
function pathFieldsOf(operation: Operation): Map<string, FieldSpec> {
  const fields = new Map<string, FieldSpec>();
  for (const [, variable] of operation.path.matchAll(PATH_VARIABLE)) {
    if (variable === undefined) continue;
    // The binder matches names case-insensitively, as ServiceStack does.
    const field = operation.request.fields.find((candidate) => candidate.name.toLowerCase() === variable.toLowerCase());
    fields.set(variable, field ?? { name: variable, type: 'string', required: true });
  }
  return fields;
}

function parameterOf(name: string, location: 'path' | 'query', field: FieldSpec, schemas: SchemaBuilder, ownerName: string): ParameterObject {
  const schema = schemas.typeSchema(field.type, `${ownerName}.${field.name}`);
  const parameter: ParameterObject = { name, in: location, required: location === 'path' || field.required === true, schema };
  if (field.description) parameter.description = field.description;
  if (typeof field.type === 'object' && 'list' in field.type) {
    // The binder splits one comma-separated value (ids=a,b,c) into the list.
    parameter.style = 'form';
    parameter.explode = false;
  }
  return parameter;
}

/** Checks whether a field can be sent as a query parameter. The binder rejects nested DTOs (`{ ref }` fields) in requests. */
function isBindableFromText(field: FieldSpec): boolean {
  let type = field.type;
  while (typeof type === 'object' && 'list' in type) type = type.list;
  return !(typeof type === 'object' && 'ref' in type);
}

function responsesOf(operation: Operation, hasBody: boolean, mediaTypes: readonly string[]): OperationObject['responses'] {
  const responses: OperationObject['responses'] = {};
  if (operation.response) {
    const schema = { $ref: componentRef(operation.response.name) };
    // Only JSON gets the schema, because OpenAPI schemas describe JSON and CSV or JSON Lines lay the DTO out as rows.
    const content: Record<string, MediaTypeObject> = {};
    for (const mediaType of mediaTypes) content[mediaType] = mediaType === JSON_MEDIA_TYPE ? { schema } : {};
    responses['200'] = { description: `OK: the ${operation.response.name}.`, content };
  } else {
    responses['204'] = { description: 'No Content: the operation succeeded and returns no body.' };
  }

  const errors = hasBody ? { ...ERROR_RESPONSES, ...BODY_ERROR_RESPONSES } : ERROR_RESPONSES;
  for (const [name, { status }] of Object.entries(errors)) {
    responses[status] = { $ref: `#/components/responses/${name}` };
  }
  responses['default'] = { $ref: '#/components/responses/UnexpectedError' };
  return responses;
}

function buildErrorResponses(): Record<string, ResponseObject> {
  const content = { 'application/json': { schema: { $ref: componentRef(ErrorResponse.name) } } };
  const responses: Record<string, ResponseObject> = {};
  for (const [name, { response }] of Object.entries({ ...ERROR_RESPONSES, ...BODY_ERROR_RESPONSES })) {
    responses[name] = { ...response, content };
  }
  responses['UnexpectedError'] = { ...UNEXPECTED_ERROR, content };
  return responses;
}

function tagOf(path: string): string {
  const segment = path.split('/').find((part) => part !== '') ?? '';
  const known = TAGS_BY_PATH_SEGMENT[segment];
  if (known) return known;
  const words = segment.replace(/[-_]+/g, ' ').trim();
  return words === '' ? 'Other' : words.charAt(0).toUpperCase() + words.slice(1);
}

/** Returns the first clause of a description, up to its first full stop or semicolon. */
function summaryOf(description: string): string {
  const end = description.search(/[.;](\s|$)/);
  return end === -1 ? description : description.slice(0, end);
}

function descriptionOf(operation: Operation): string {
  let description = operation.description;
  const requestDescription = operation.request.description;
  if (requestDescription && requestDescription !== description) description = joinSentences(description, requestDescription) ?? description;
  const roles = operation.roles.length > 0 ? operation.roles.join(', ') : 'none (no API key role is allowed)';
  return `${description}\n\nRoles: ${roles}`;
}
