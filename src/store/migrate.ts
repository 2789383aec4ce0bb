import type { Database } from './database.js';
import { MIGRATIONS } from './migrations.js';

// Any fixed number works; it keeps two processes that start together from migrating at once.
const MIGRATION_LOCK_KEY = 728_451_903;

/** Applies the migrations the database lacks and returns the versions it applied. */
export async function migrate(database: Database): Promise<number[]> {
  return database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);

    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...MIGRATIONS.map((migration) => migration.version));
    if (newest > known) {
      throw new Error(
        `The database schema is at version ${newest} but this build knows versions up to ${known}; run a newer build.`,
      );
    }

    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await tx.execute(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}
