import { loadConfig } from '../config.js';
import { describeStartupError } from '../startup-errors.js';
import { migrate } from './migrate.js';
import { openDatabase } from './open.js';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
const config = loadConfig();
try {
  const db = await openDatabase(config);
  try {
    const applied = await migrate(db);
    const where = config.databaseUrl ? 'the PostgreSQL database' : `the embedded database in ${config.dataDir}`;
    const versions = `migration${applied.length === 1 ? '' : 's'} ${applied.join(', ')}`;
    process.stdout.write(applied.length > 0 ? `Applied ${versions} to ${where}.\n` : `The schema of ${where} is up to date.\n`);
  } finally {
    await db.close();
  }
} catch (error) {
  process.stderr.write(`voice-billing migrate failed: ${describeStartupError(error)}\n`);
  process.exit(1);
}
