/**
 * The error catalogue shared by every layer. Domain code throws ServiceError; the protocol layer
 * turns it into a ServiceStack ResponseStatus with the HTTP status of its kind.
 */
export const ERROR_KINDS = [
  'Validation',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'Conflict',
  'PayloadTooLarge',
  'UnsupportedMediaType',
  'Unavailable',
  'Internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface FieldError {
  errorCode: string;
  fieldName: string;
  message: string;
}

export class ServiceError extends Error {
  readonly kind: ErrorKind;
  readonly errorCode: string;
  readonly fieldErrors: FieldError[];

  constructor(kind: ErrorKind, errorCode: string, message: string, fieldErrors: FieldError[] = [], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ServiceError';
    this.kind = kind;
    this.errorCode = errorCode;
    this.fieldErrors = fieldErrors;
  }
}

/** Builds a 400 whose top-level code and message come from the first field error, as in ServiceStack. */
export function validationError(fieldErrors: FieldError[]): ServiceError {
  const first = fieldErrors[0];
  if (!first) return new ServiceError('Validation', 'ValidationException', 'The request is invalid.');
  return new ServiceError('Validation', first.errorCode, first.message, fieldErrors);
}

/**
 * Runs each check and reports every field that failed at once, as one validation error, so a
 * caller fixes all fields in one round trip. Returns the checks' values in order.
 */
export function checkAll<T extends readonly (() => unknown)[]>(...checks: T): { [K in keyof T]: ReturnType<T[K]> } {
  const values: unknown[] = [];
  const fieldErrors: FieldError[] = [];
  for (const check of checks) {
    try {
      values.push(check());
    } catch (error) {
      if (!(error instanceof ServiceError) || error.kind !== 'Validation') throw error;
      fieldErrors.push(...error.fieldErrors);
      values.push(undefined);
    }
  }
  if (fieldErrors.length > 0) throw validationError(fieldErrors);
  return values as { [K in keyof T]: ReturnType<T[K]> };
}

export function invalidField(fieldName: string, message: string, errorCode = 'InvalidValue'): ServiceError {
  return validationError([{ errorCode, fieldName, message }]);
}

export function missingField(fieldName: string, hint = ''): ServiceError {
  const message = `'${fieldName}' is required.${hint ? ` ${hint}` : ''}`;
  return validationError([{ errorCode: 'NotEmpty', fieldName, message }]);
}

export function notFound(entity: string, id: string, fieldName?: string): ServiceError {
  const message = `${entity} '${id}' was not found.`;
  const fieldErrors = fieldName ? [{ errorCode: 'NotFound', fieldName, message }] : [];
  return new ServiceError('NotFound', 'NotFound', message, fieldErrors);
}

export function conflict(message: string, fieldName?: string): ServiceError {
  const fieldErrors = fieldName ? [{ errorCode: 'Conflict', fieldName, message }] : [];
  return new ServiceError('Conflict', 'Conflict', message, fieldErrors);
}

export function forbidden(message = 'Invalid Role'): ServiceError {
  return new ServiceError('Forbidden', 'Forbidden', message);
}

export function unauthorized(message = 'Invalid API Key'): ServiceError {
  return new ServiceError('Unauthorized', 'Unauthorized', message);
}
