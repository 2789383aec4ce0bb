import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface StoreConfig {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
}

/** Opens PostgreSQL when a URL is configured, else the embedded PGlite database in `dataDir`. */
export function openDatabase(config: StoreConfig): Promise<Database> {
  if (config.databaseUrl) return openPostgres({ connectionString: config.databaseUrl });
  return openPglite({ dataDir: config.dataDir });
}
