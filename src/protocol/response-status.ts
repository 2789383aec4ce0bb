import { type ErrorKind, type FieldError, ServiceError } from '../errors.js';
import { StoreError } from '../store/errors.js';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  Validation: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  Unavailable: 503,
  Internal: 500,
};

export interface ResponseStatus {
  errorCode: string;
  message: string;
  errors: FieldError[];
  meta?: Record<string, string>;
}

export interface ErrorResponse {
  responseStatus: ResponseStatus;
}

/** Errors raised by Fastify itself, by their status code. */
const FRAMEWORK_ERRORS: Record<number, { kind: ErrorKind; errorCode: string; message: string }> = {
  400: { kind: 'Validation', errorCode: 'SerializationException', message: 'The request body could not be read.' },
  413: { kind: 'PayloadTooLarge', errorCode: 'PayloadTooLarge', message: 'The request body is larger than the limit of 1 MiB.' },
  415: {
    kind: 'UnsupportedMediaType',
    errorCode: 'UnsupportedMediaType',
    message:
      'The Content-Type is not supported; send application/json, application/jsv, application/xml, text/csv or application/x-www-form-urlencoded.',
  },
};

/** Maps any error to a ServiceError: ours pass through, known outside errors are translated, the rest are internal. */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof StoreError && error.kind === 'Unavailable') {
    return new ServiceError('Unavailable', 'ServiceUnavailable', 'The database is unavailable; try again shortly.', [], error);
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  const framework = typeof statusCode === 'number' ? FRAMEWORK_ERRORS[statusCode] : undefined;
  if (framework) return new ServiceError(framework.kind, framework.errorCode, framework.message, [], error);
  return new ServiceError('Internal', 'InternalServerError', 'An internal error occurred; it has been logged with the request id.', [], error);
}

export function toErrorResponse(error: ServiceError, meta?: Record<string, string>): ErrorResponse {
  const responseStatus: ResponseStatus = { errorCode: error.errorCode, message: error.message, errors: error.fieldErrors };
  if (meta) responseStatus.meta = meta;
  return { responseStatus };
}
