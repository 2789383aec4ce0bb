import { PGlite } from '@electric-sql/pglite';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from './database.js';
import { translateDatabaseError } from './errors.js';
import { acquireDirectoryLock } from './directory-lock.js';

const DATE_OID = 1082;
const INT8_OID = 20;

export interface PgliteOptions {
  /** Directory of the database files; omitted means a throwaway in-memory database. */
  dataDir?: string;
}

/** Opens the embedded database, taking an exclusive lock on its directory. */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  let releaseLock = async () => {};
  if (options.dataDir !== undefined) {
    const dataDir = path.resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    releaseLock = await acquireDirectoryLock(dataDir);
  }

  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir: options.dataDir === undefined ? undefined : path.resolve(options.dataDir),
      // Same row shapes as the pg driver: dates as 'YYYY-MM-DD', int8 as a decimal string.
      parsers: { [DATE_OID]: (value: string) => value, [INT8_OID]: (value: string) => value },
    });
  } catch (error) {
    await releaseLock();
    throw error;
  }

  const run = async <Row>(target: Pick<PGlite, 'query'>, text: string, params?: readonly unknown[]) => {
    try {
      const result = await target.query(text, params as unknown[] | undefined);
      return result.rows as Row[];
    } catch (error) {
      throw translateDatabaseError(error);
    }
  };

  const execute = async (target: Pick<PGlite, 'exec'>, script: string) => {
    try {
      await target.exec(script);
    } catch (error) {
      throw translateDatabaseError(error);
    }
  };

  return {
    engine: 'pglite',

    query: (text, params) => run(pglite, text, params),

    execute: (script) => execute(pglite, script),

    // PGlite has one connection, so its own transaction() queues every other query behind this one.
    transaction: (work) =>
      pglite.transaction(async (transaction) => {
        const tx: Queryable = {
          query: (text, params) => run(transaction, text, params),
          execute: (script) => execute(transaction, script),
        };
        return work(tx);
      }),

    async ping() {
      await run(pglite, 'SELECT 1');
    },

    async close() {
      try {
        await pglite.close();
      } finally {
        await releaseLock();
      }
    },
  };
}
