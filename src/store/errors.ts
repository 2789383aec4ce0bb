/** Database failures translated once, where they leave the driver; the original stays as `cause`. */
export type StoreErrorKind = 'UniqueViolation' | 'ForeignKeyViolation' | 'SerializationFailure' | 'Unavailable' | 'Unknown';

export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  readonly constraint: string | undefined;

  constructor(kind: StoreErrorKind, message: string, options: { cause: unknown; constraint?: string }) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.kind = kind;
    this.constraint = options.constraint;
  }
}

const KIND_BY_SQLSTATE: Record<string, StoreErrorKind> = {
  '23505': 'UniqueViolation',
  '23503': 'ForeignKeyViolation',
  '40001': 'SerializationFailure',
  '40P01': 'SerializationFailure',
  '57P01': 'Unavailable',
  '08006': 'Unavailable',
  '08001': 'Unavailable',
};

/** Wraps a driver error (pg or PGlite, both carry the SQLSTATE in `code`) in a StoreError. */
export function translateDatabaseError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;

  const details = error as { code?: unknown; constraint?: unknown; message?: unknown };
  const sqlState = typeof details.code === 'string' ? details.code : '';
  const networkFailure = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(sqlState);
  const kind: StoreErrorKind = networkFailure ? 'Unavailable' : (KIND_BY_SQLSTATE[sqlState] ?? 'Unknown');
  const constraint = typeof details.constraint === 'string' ? details.constraint : undefined;
  const message = typeof details.message === 'string' ? details.message : String(error);

  return new StoreError(kind, `database error (${sqlState || 'no SQLSTATE'}): ${message}`, { cause: error, constraint });
}
