import type { FastifyInstance } from 'fastify';
import type { Operation } from '../operation.js';
import type { TypeRegistry } from '../type-registry.js';
import { registerDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './document.js';

export { buildOpenApiDocument, defaultRequestMediaTypes, defaultResponseMediaTypes, type OpenApiDocument, type OpenApiOptions } from './document.js';
export { componentKey } from './schemas.js';

export const OPENAPI_DOCUMENT_PATH = '/openapi.json';

export interface OpenApiRouteOptions {
  operations: readonly Operation[];
  types: TypeRegistry;
  serviceName: string;
  version: string;
  /** Media types listed for request bodies; defaults to JSON, form posts and every format with a parser. */
  requestMediaTypes?: readonly string[];
  /** Media types listed for success responses; defaults to JSON and every other wire format. */
  responseMediaTypes?: readonly string[];
}

/**
 * Registers GET /openapi.json and the API reference page under /docs. Neither needs an API key.
 * The document is built once here, so a DTO that refers to an unknown type fails at startup.
 */
export function registerOpenApiRoutes(app: FastifyInstance, options: OpenApiRouteOptions): void {
  const document = buildOpenApiDocument(options);
  const body = JSON.stringify(document);

  app.get(OPENAPI_DOCUMENT_PATH, (_request, reply) => reply.type('application/json; charset=utf-8').header('Cache-Control', 'no-cache').send(body));

  registerDocsPage(app, { title: options.serviceName, documentUrl: OPENAPI_DOCUMENT_PATH });
}
