import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
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
  const types = new TypeRegistry(OPERATIONS, NESTED_TYPES);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    rewriteUrl: (raw) => stripFormatSuffix(raw),
    // Errors Fastify raises before routing (a malformed URL, say) get a ResponseStatus body too.
    frameworkErrors: (error, request, reply) => {
      void sendError(new ServiceError('Validation', 'BadRequest', `The request is malformed: ${error.message}`), request, reply, types);
    },
    clientErrorHandler: rejectMalformedConnection,
  });
  const options: DispatchOptions = { services, types };
  const operationsByName = new Map(OPERATIONS.map((operation) => [operation.request.name.toLowerCase(), operation]));

  registerBodyParsers(app);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply, types));
  app.setNotFoundHandler((request, reply) =>
    sendError(new ServiceError('NotFound', 'NotFound', `No route matches ${request.method} ${request.url.split('?')[0]}; GET /api lists the operations.`), request, reply, types),
  );

  // Health checks come every few seconds; their request logs would drown the rest.
  app.get('/health', { logLevel: 'warn' }, async (_request, reply) => {
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

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/** Sends a ResponseStatus for a request that Node's HTTP parser rejected (oversized headers, say), then closes the socket. */
function rejectMalformedConnection(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const [status, reason] = CLIENT_ERROR_STATUS[error.code ?? ''] ?? [400, 'Bad Request'];
  const message = status === 431 ? 'The request headers are too large; send at most 16 KiB of headers.' : 'The request could not be read as HTTP.';
  const body = JSON.stringify(toErrorResponse(new ServiceError('Validation', reason.replaceAll(' ', ''), message)));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
