import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/access.js';
import type { Principal } from '../auth/roles.js';
import { invalidField, ServiceError } from '../errors.js';
import type { Services } from '../services.js';
import { authenticate } from './authenticate.js';
import { bindRequest } from './binder.js';
import type { Operation, OperationContext } from './operation.js';
import { negotiate } from './negotiation.js';
import { parseBody } from './request-body.js';
import { sendDto } from './respond.js';
import { toErrorResponse, toServiceError, STATUS_BY_KIND } from './response-status.js';
import { type TypeRegistry } from './type-registry.js';
import { ErrorResponse } from './types.js';

/** Most requests one auto-batch may carry. */
export const MAX_BATCH_SIZE = 1000;

export interface DispatchOptions {
  services: Services;
  types: TypeRegistry;
}

type RawValues = Record<string, unknown>;

function asObject(value: unknown, operation: Operation): RawValues | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    throw invalidField('body', `${operation.request.name} takes one object; post a list to /api/${operation.request.name}[] to send a batch.`, 'SerializationException');
  }
  if (typeof value !== 'object' || value === null) {
    throw invalidField('body', `${operation.request.name} takes an object, not ${JSON.stringify(value)}.`, 'SerializationException');
  }
  return value as RawValues;
}

async function prepare(operation: Operation, request: FastifyRequest, options: DispatchOptions): Promise<OperationContext> {
  const principal: Principal = await authenticate(request, options.services.authenticator);
  requireRole(principal, operation.roles);
  return { principal, services: options.services, log: request.log };
}

/** Runs one operation: authenticate, check the role, bind the DTO from path, body and query, handle, reply. */
export async function dispatch(operation: Operation, request: FastifyRequest, reply: FastifyReply, options: DispatchOptions, pathValues?: Record<string, string>) {
  const negotiated = negotiate(request);
  const context = await prepare(operation, request, options);
  const body = asObject(parseBody(request, operation.request, (name) => options.types.get(name)), operation);
  const dto = bindRequest<never>(operation.request, { query: request.query as RawValues, body, path: pathValues });

  const result = await operation.handle(context, dto);
  if (result === null || result === undefined) return reply.code(204).send();
  return sendDto(request, reply, negotiated, result, { type: operation.response, types: options.types, operationName: operation.request.name });
}

/**
 * Runs an auto-batch as ServiceStack does: requests in order, an array of responses, and at the
 * first failure only that error, with the number completed before it and the failing index.
 */
export async function dispatchBatch(operation: Operation, request: FastifyRequest, reply: FastifyReply, options: DispatchOptions) {
  const negotiated = negotiate(request);
  const context = await prepare(operation, request, options);
  if (/xml/i.test(request.headers['content-type'] ?? '')) {
    throw invalidField('body', 'XML batches are not supported; send the batch as a JSON or JSV list, or as CSV rows.', 'SerializationException');
  }
  const parsed = parseBody(request, operation.request, (name) => options.types.get(name));
  if (!Array.isArray(parsed)) throw invalidField('body', `A batch is a list of ${operation.request.name} requests.`, 'SerializationException');
  if (parsed.length > MAX_BATCH_SIZE) {
    throw invalidField('body', `A batch may carry at most ${MAX_BATCH_SIZE} requests, not ${parsed.length}; split it.`, 'BatchTooLarge');
  }

  const bound: never[] = [];
  let failure: { index: number; error: unknown } | undefined;
  for (const [index, item] of parsed.entries()) {
    try {
      bound.push(bindRequest<never>(operation.request, { query: request.query as RawValues, body: asObject(item, operation) }));
    } catch (error) {
      failure = { index, error };
      break;
    }
  }

  const outcome = operation.handleBatch ? await operation.handleBatch(context, bound) : await runEach(operation, context, bound);
  failure = outcome.failure ?? failure;
  void reply.header('X-AutoBatch-Completed', String(failure ? failure.index : outcome.responses.length));

  if (failure) {
    const error = toServiceError(failure.error);
    if (STATUS_BY_KIND[error.kind] >= 500) request.log.error({ err: failure.error, batchIndex: failure.index }, 'batch request failed');
    const body = toErrorResponse(error, { AutoBatchIndex: String(failure.index) });
    return sendDto(request, reply.code(STATUS_BY_KIND[error.kind]), negotiated, body, { type: ErrorResponse, types: options.types, operationName: operation.request.name });
  }
  const listType = operation.response ? { name: `ArrayOf${operation.response.name}`, namespace: operation.response.namespace, fields: [] } : null;
  return sendDto(request, reply, negotiated, outcome.responses, { type: listType, types: options.types, operationName: operation.request.name });
}

async function runEach(operation: Operation, context: OperationContext, requests: never[]) {
  const responses: unknown[] = [];
  for (const [index, dto] of requests.entries()) {
    try {
      responses.push(await operation.handle(context, dto));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      return { responses, failure: { index, error } };
    }
  }
  return { responses, failure: undefined };
}
