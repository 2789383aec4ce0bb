import type { FastifyInstance } from 'fastify';
import { registerDocsPage } from './docs-page.js';
import { buildOpenApiDocument, type OpenApiOptions } from './document.js';

export { buildOpenApiDocument, defaultRequestMediaTypes, defaultResponseMediaTypes, type OpenApiDocument, type OpenApiOptions } from './document.js';
export { componentKey } from './schemas.js';

export const OPENAPI_DOCUMENT_PATH = '/openapi.json';

/** The route options are the document's options: the routes serve what they describe. */
export type OpenApiRouteOptions = OpenApiOptions;

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
