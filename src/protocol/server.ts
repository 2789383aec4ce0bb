import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { notFound, ServiceError } from '../errors.js';
import type { Services } from '../services.js';
import { WWW_AUTHENTICATE } from './authenticate.js';
import { dispatch, dispatchBatch, type DispatchOptions } from './dispatch.js';
import { FORMATS } from './formats/index.js';
import { negotiate, type Negotiated, stripFormatSuffix } from './negotiation.js';
import { HTTP_METHODS, type Operation } from './operation.js';
import { OPERATIONS } from './operations/index.js';
import { registerOpenApiRoutes } from './openapi/index.js';
import { registerMetadataRoutes } from './metadata/index.js';
import { registerBodyParsers } from './request-body.js';
import { sendDto } from './respond.js';
import { STATUS_BY_KIND, toErrorResponse, toServiceError } from './response-status.js';
import { TypeRegistry } from './type-registry.js';
import { ErrorResponse, NESTED_TYPES } from './types.js';

/** Largest request body accepted, in bytes. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export const SERVICE_NAME = 'voice-billing';
export const SERVICE_VERSION = '0.1.0';

const PREDEFINED_ROUTES = ['/api/:operation', '/:format/reply/:operation', '/:format/oneway/:operation'];
const BATCH_SUFFIX = '[]';

export interface ServerOptions {
  services: Services;
  logger: Logger;
}

/** Builds the HTTP API: every operation on its custom route and on ServiceStack's predefined routes. */
export async function buildServer({ services, logger }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    rewriteUrl: (raw) => stripFormatSuffix(raw),
  });
  const types = new TypeRegistry(OPERATIONS, NESTED_TYPES);
  const options: DispatchOptions = { services, types };
  const operationsByName = new Map(OPERATIONS.map((operation) => [operation.request.name.toLowerCase(), operation]));

  registerBodyParsers(app);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply, types));
  app.setNotFoundHandler((request, reply) =>
    sendError(new ServiceError('NotFound', 'NotFound', `No route matches ${request.method} ${request.url.split('?')[0]}; GET /api lists the operations.`), request, reply, types),
  );

  app.get('/health', async (_request, reply) => {
    await services.db.ping();
    return reply.type(FORMATS.get('json')!.contentType).send(JSON.stringify({ status: 'ok', database: services.db.engine }));
  });

  app.get('/api', async (_request, reply) => {
    const operations = OPERATIONS.map((operation) => ({
      name: operation.request.name,
      method: operation.method,
      path: operation.path,
      roles: operation.roles,
      description: operation.description,
    }));
    return reply.type(FORMATS.get('json')!.contentType).send(JSON.stringify({ operations }));
  });

  registerOpenApiRoutes(app, { operations: OPERATIONS, types, serviceName: SERVICE_NAME, version: SERVICE_VERSION });
  registerMetadataRoutes(app, { operations: OPERATIONS, types, formats: FORMATS, serviceName: SERVICE_NAME, version: SERVICE_VERSION });

  for (const operation of OPERATIONS) {
    app.route({
      method: operation.method,
      url: operation.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: (request, reply) => dispatch(operation, request, reply, options, request.params as Record<string, string>),
    });
  }

  for (const url of PREDEFINED_ROUTES) {
    app.route({
      method: [...HTTP_METHODS],
      url,
      handler: (request, reply) => {
        const params = request.params as { operation: string; format?: string };
        if (params.format !== undefined && !FORMATS.has(params.format.toLowerCase() as never)) {
          throw new ServiceError('NotFound', 'NotFound', `Unknown format '${params.format}' in the path; use json, xml, jsv, csv or jsonl.`);
        }
        const isBatch = params.operation.endsWith(BATCH_SUFFIX);
        const name = isBatch ? params.operation.slice(0, -BATCH_SUFFIX.length) : params.operation;
        const operation: Operation | undefined = operationsByName.get(name.toLowerCase());
        if (!operation) throw notFound('Operation', name);
        return isBatch ? dispatchBatch(operation, request, reply, options) : dispatch(operation, request, reply, options);
      },
    });
  }

  return app;
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, types: TypeRegistry) {
  const serviceError = toServiceError(error);
  const status = STATUS_BY_KIND[serviceError.kind];
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ errorCode: serviceError.errorCode, status }, serviceError.message);

  let negotiated: Negotiated;
  try {
    negotiated = negotiate(request);
  } catch {
    negotiated = { format: FORMATS.get('json')! };
  }
  if (status === 401) void reply.header('WWW-Authenticate', WWW_AUTHENTICATE);
  return sendDto(request, reply.code(status), negotiated, toErrorResponse(serviceError), { type: ErrorResponse, types, operationName: 'ErrorResponse' });
}
