import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { requireRole } from '../auth/access.js';
import { ServiceError, invalidField, notFound } from '../errors.js';
import type { Services } from '../services.js';
import { WWW_AUTHENTICATE, authenticate } from './authenticate.js';
import { bindRequest } from './binder.js';
import { JSON_CONTENT_TYPE, toJson } from './json.js';
import { HTTP_METHODS, type Operation } from './operation.js';
import { OPERATIONS } from './operations/index.js';
import { STATUS_BY_KIND, toErrorResponse, toServiceError } from './response-status.js';

/** Largest request body accepted, in bytes. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const PREDEFINED_ROUTES = ['/api/:operation', '/json/reply/:operation', '/json/oneway/:operation'];

export interface ServerOptions {
  services: Services;
  logger: Logger;
}

/** Builds the HTTP API: every operation on its custom route and on ServiceStack's predefined routes. */
export async function buildServer({ services, logger }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: BODY_LIMIT_BYTES, return503OnClosing: true });
  const operationsByName = new Map(OPERATIONS.map((operation) => [operation.request.name.toLowerCase(), operation]));

  registerBodyParsers(app);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new ServiceError('NotFound', 'NotFound', `No route matches ${request.method} ${request.url.split('?')[0]}; GET /api lists the operations.`), request, reply),
  );

  app.get('/health', async (_request, reply) => {
    await services.db.ping();
    return reply.type(JSON_CONTENT_TYPE).send(toJson({ status: 'ok', database: services.db.engine }));
  });

  app.get('/api', async (_request, reply) => {
    const operations = OPERATIONS.map((operation) => ({
      name: operation.request.name,
      method: operation.method,
      path: operation.path,
      roles: operation.roles,
      description: operation.description,
    }));
    return reply.type(JSON_CONTENT_TYPE).send(toJson({ operations }));
  });

  for (const operation of OPERATIONS) {
    app.route({
      method: operation.method,
      url: operation.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: (request, reply) => runOperation(operation, request, reply, services),
    });
  }

  for (const url of PREDEFINED_ROUTES) {
    app.route({
      method: [...HTTP_METHODS],
      url,
      handler: (request, reply) => {
        const name = (request.params as { operation: string }).operation;
        const operation = operationsByName.get(name.toLowerCase());
        if (!operation) throw notFound('Operation', name);
        return runOperation(operation, request, reply, services, false);
      },
    });
  }

  return app;
}

async function runOperation(operation: Operation, request: FastifyRequest, reply: FastifyReply, services: Services, customRoute = true) {
  const principal = await authenticate(request, services.authenticator);
  requireRole(principal, operation.roles);

  const body = request.body;
  if (Array.isArray(body)) {
    throw invalidField('body', `${operation.request.name} takes one JSON object, not an array.`, 'SerializationException');
  }
  const dto = bindRequest<never>(operation.request, {
    query: request.query as Record<string, unknown>,
    body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined,
    path: customRoute ? (request.params as Record<string, string>) : undefined,
  });

  const result = await operation.handle({ principal, services, log: request.log }, dto);
  if (result === null || result === undefined) return reply.code(204).send();
  return reply.type(JSON_CONTENT_TYPE).send(toJson(result));
}

function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(invalidField('body', `The request body is not valid JSON: ${(error as Error).message}.`, 'SerializationException'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const serviceError = toServiceError(error);
  const status = STATUS_BY_KIND[serviceError.kind];
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ errorCode: serviceError.errorCode, status }, serviceError.message);

  if (status === 401) void reply.header('WWW-Authenticate', WWW_AUTHENTICATE);
  return reply.code(status).type(JSON_CONTENT_TYPE).send(toJson(toErrorResponse(serviceError)));
}
