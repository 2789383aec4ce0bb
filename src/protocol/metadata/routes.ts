import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FORMAT_NAMES, type FormatName, type TypeLookup, type WireFormat } from '../formats/format.js';
import type { Operation } from '../operation.js';
import type { TypeRegistry } from '../type-registry.js';
import { buildDtoModel } from './dto-model.js';
import { renderNotFoundPage } from './html.js';
import { renderIndexPage } from './index-page.js';
import { type DtoHeader, LANGUAGES, PAGE_LANGUAGES } from './languages/index.js';
import { renderOperationPage } from './operation-page.js';
import { selectAll, selectIncluded } from './selection.js';

export interface MetadataRoutesOptions {
  readonly operations: readonly Operation[];
  readonly types: TypeRegistry;
  readonly formats: ReadonlyMap<FormatName, WireFormat>;
  readonly serviceName: string;
  /** The `Version:` line of /types/* output. The version in package.json when absent. */
  readonly version?: string;
}

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';
const TYPE_LIST_ENTRY = /^[A-Za-z_][A-Za-z0-9_]*(\.\*)?$/;

function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Reads a query parameter by case-insensitive name, as ServiceStack does, taking the first value if it is repeated. */
function queryValue(request: FastifyRequest, name: string): string | undefined {
  const query = (request.query ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() !== name.toLowerCase()) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' && first.trim() !== '') return first.trim();
  }
  return undefined;
}

/** Reads the type names of IncludeTypes or ExcludeTypes, ignoring entries that are not type names. */
function typeListValue(request: FastifyRequest, name: string): string[] {
  const value = queryValue(request, name);
  if (!value) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => TYPE_LIST_ENTRY.test(entry));
}

/**
 * Reduces the Host header to the characters a host and port can contain, because it is copied
 * into generated source comments and sample requests.
 */
function hostOf(request: FastifyRequest): string {
  return request.host.replace(/[^A-Za-z0-9.:[\]-]/g, '') || 'localhost';
}

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type(HTML).send(html);
}

/**
 * Registers the ServiceStack metadata pages and client DTO exports:
 *
 * - `GET /metadata`: every operation with links to its pages
 * - `GET /{format}/metadata?op={Operation}[&lang={language}]`: one operation in one format
 * - `GET /types/{language}` for typescript, typescript.d, csharp, fsharp and python
 *
 * Everything is built from `operations` and `types`. The DTO model is built here, so a DTO that
 * no client language can represent fails at startup rather than on the first request.
 */
export function registerMetadataRoutes(app: FastifyInstance, options: MetadataRoutesOptions): void {
  const model = buildDtoModel(options.operations, options.types);
  const lookup: TypeLookup = (name) => options.types.get(name);
  const formatNames = FORMAT_NAMES.filter((name) => options.formats.has(name));
  const version = options.version ?? packageVersion();
  const operationsByName = new Map(options.operations.map((operation) => [operation.request.name.toLowerCase(), operation]));
  const { serviceName } = options;

  const indexPage = (): string => renderIndexPage({ serviceName, operations: options.operations, formats: formatNames, languages: LANGUAGES });

  app.get('/metadata', (_request, reply) => sendHtml(reply, 200, indexPage()));

  for (const formatName of FORMAT_NAMES) {
    app.get(`/${formatName}/metadata`, (request, reply) => {
      const format = options.formats.get(formatName);
      if (!format) {
        const message = `The ${formatName.toUpperCase()} format is not available on this service; use one of: ${formatNames.join(', ')}.`;
        return sendHtml(reply, 404, renderNotFoundPage(serviceName, message));
      }

      // Without ?op= ServiceStack shows the list of operations.
      const operationName = queryValue(request, 'op');
      if (!operationName) return sendHtml(reply, 200, indexPage());

      const operation = operationsByName.get(operationName.toLowerCase());
      if (!operation) {
        return sendHtml(reply, 404, renderNotFoundPage(serviceName, `No operation is named '${operationName}'; /metadata lists the operations.`));
      }

      const languageId = queryValue(request, 'lang');
      const language = languageId ? PAGE_LANGUAGES.find((candidate) => candidate.id === languageId.toLowerCase()) : undefined;
      if (languageId && !language) {
        const message = `Unknown language '${languageId}'; use one of: ${PAGE_LANGUAGES.map((candidate) => candidate.id).join(', ')}.`;
        return sendHtml(reply, 404, renderNotFoundPage(serviceName, message));
      }

      const html = renderOperationPage({
        serviceName,
        operation,
        format,
        bodyFallback: options.formats.get('json'),
        model,
        types: lookup,
        host: hostOf(request),
        languages: PAGE_LANGUAGES,
        ...(language ? { language } : {}),
        onSampleError: (error) => request.log.error({ err: error, operation: operation.request.name, format: formatName }, 'metadata sample could not be written'),
      });
      return sendHtml(reply, 200, html);
    });
  }

  for (const language of LANGUAGES) {
    app.get(`/types/${language.id}`, (request, reply) => {
      const includeTypes = typeListValue(request, 'IncludeTypes');
      const excludeTypes = typeListValue(request, 'ExcludeTypes');
      const filtered = includeTypes.length > 0 || excludeTypes.length > 0;
      const selection = filtered ? selectIncluded(model, includeTypes, excludeTypes) : selectAll(model);

      const header: DtoHeader = {
        date: new Date(),
        version,
        baseUrl: `${request.protocol}://${hostOf(request)}`,
        ...(includeTypes.length > 0 ? { includeTypes: includeTypes.join(',') } : {}),
        ...(excludeTypes.length > 0 ? { excludeTypes: excludeTypes.join(',') } : {}),
      };
      return reply.type(TEXT).send(language.generate(selection, { header }));
    });
  }
}
