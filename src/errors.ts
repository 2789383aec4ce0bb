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

/** A 400 whose top-level code and message come from the first field error, as in ServiceStack. */
export function validationError(fieldErrors: FieldError[]): ServiceError {
  const first = fieldErrors[0];
  if (!first) return new ServiceError('Validation', 'ValidationException', 'The request is invalid.');
  return new ServiceError('Validation', first.errorCode, first.message, fieldErrors);
}

export function invalidField(fieldName: string, message: string, errorCode = 'InvalidValue'): ServiceError {
  return validationError([{ errorCode, fieldName, message }]);
}

export function missingField(fieldName: string, hint = ''): ServiceError {
  const message = `'${fieldName}' is required.${hint ? ` ${hint}` : ''}`;
  return validationError([{ errorCode: 'NotEmpty', fieldName, message }]);
}

export function notFound(what: string, id: string, fieldName?: string): ServiceError {
  const message = `${what} '${id}' was not found.`;
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
