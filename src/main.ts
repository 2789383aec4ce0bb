import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { describeStartupError } from './startup-errors.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);

  await app.server.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });

  const firstAdminKey = await app.ensureAdministratorKey();
  if (firstAdminKey) {
    // Printed, not logged: it is a secret, and this is the only time it is shown.
    process.stdout.write(`\nNo API key existed, so a SystemAdministrator key was created. It is shown this once; keep it:\n\n  ${firstAdminKey}\n\n`);
  }
  app.worker?.start();
  logger.info({ engine: app.db.engine, worker: config.worker }, 'voice-billing started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests and ratings in flight');
    try {
      await app.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`voice-billing failed to start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
