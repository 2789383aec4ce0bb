import type { FastifyBaseLogger } from 'fastify';
import type { Principal, Role } from '../auth/roles.js';
import type { Services } from '../services.js';
import type { Infer, TypeSpec } from './dto.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OperationContext {
  principal: Principal;
  services: Services;
  log: FastifyBaseLogger;
}

/**
 * One operation, declared once: its request DTO, custom route, roles and description. Routes,
 * predefined routes and metadata are all derived from this.
 */
export interface Operation<Request extends TypeSpec = TypeSpec> {
  readonly request: Request;
  /** Null for an operation that returns nothing (204 No Content). */
  readonly response: TypeSpec | null;
  readonly method: HttpMethod;
  /** Custom route in ServiceStack syntax, path variables in braces: /billables/{billableId}. */
  readonly path: string;
  /** Roles allowed to call it; finer checks (which account, which customer) live in the domain. */
  readonly roles: readonly Role[];
  readonly description: string;
  handle(context: OperationContext, request: Infer<Request>): Promise<unknown>;
  /**
   * Runs an auto-batch at once (one transaction, say). Without it, a batch runs `handle` once per
   * request. Returns the responses before the first failure, and that failure.
   */
  handleBatch?(context: OperationContext, requests: Infer<Request>[]): Promise<BatchOutcome>;
}

export interface BatchOutcome {
  responses: unknown[];
  failure: { index: number; error: unknown } | undefined;
}

export function defineOperation<const Request extends TypeSpec>(operation: Operation<Request>): Operation<Request> {
  return operation;
}
