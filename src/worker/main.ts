import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { describeStartupError } from '../startup-errors.js';

/**
 * `npm run worker`: rates billables without serving HTTP, for deployments that run API processes
 * with WORKER=off and workers apart, all on one PostgreSQL database.
 */
async function main(): Promise<void> {
  const config = { ...loadConfig(), worker: true };
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  // Only the API process creates a first key, because only it can show the key to someone.
  if (config.adminApiKey !== undefined) await app.ensureAdministratorKey();
  app.worker?.start();
  logger.info({ engine: app.db.engine }, 'voice-billing worker started');

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping: finishing ratings in flight');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`voice-billing worker failed to start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
