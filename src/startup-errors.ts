import { ConfigError } from './config.js';
import { DirectoryLockedError } from './store/directory-lock.js';
import { StoreError } from './store/errors.js';

/** Returns a one-line message for a failure at start, without a stack trace for the expected ones. */
export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError || error instanceof DirectoryLockedError) return error.message;
  if (error instanceof StoreError && error.kind === 'Unavailable') {
    return `Cannot reach the database: ${(error.cause as Error | undefined)?.message ?? error.message}. Check DATABASE_URL and that PostgreSQL is running.`;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return 'The port is already in use; stop the other process or set PORT (or --port) to a free port.';
  if (code === 'EACCES') return 'Permission denied to listen on the port; use a port above 1023.';
  if (code === 'ENOTFOUND') return `Cannot resolve the database host: ${(error as Error).message}. Check DATABASE_URL.`;
  if (error instanceof StoreError) return `Database error: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
