import pg from 'pg';
import type { Database, Queryable } from './database.js';
import { translateDatabaseError } from './errors.js';

// Columns of type date (OID 1082) stay 'YYYY-MM-DD' strings: pg would otherwise build a Date in the
// process's local time zone. NUMERIC already arrives as a string, which money needs.
const DATE_OID = 1082;
pg.types.setTypeParser(DATE_OID, (value: string) => value);

export interface PostgresOptions {
  connectionString: string;
  maxConnections?: number;
}

/** Opens a pooled connection to a PostgreSQL server. */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 20,
  });
  // An idle client that loses its connection emits here; the pool replaces it on the next checkout.
  pool.on('error', () => {});

  const run = async <Row>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[], name?: string) => {
    try {
      const result = await client.query({ text, values: params as unknown[] | undefined, name });
      return result.rows as Row[];
    } catch (error) {
      throw translateDatabaseError(error);
    }
  };

  const database: Database = {
    engine: 'postgres',

    query: (text, params, options) => run(pool, text, params, options?.name),

    execute: async (script) => void (await run(pool, script)),

    async transaction(work) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translateDatabaseError(error);
      }
      const tx: Queryable = {
        query: (text, params, options) => run(client, text, params, options?.name),
        execute: async (script) => void (await run(client, script)),
      };
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    async ping() {
      await run(pool, 'SELECT 1');
    },

    async close() {
      await pool.end();
    },
  };

  await database.ping();
  return database;
}
