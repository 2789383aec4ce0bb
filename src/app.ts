import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { buildServer } from './protocol/server.js';
import { createServices, type Services } from './services.js';
import type { Database } from './store/database.js';
import { migrate } from './store/migrate.js';
import { openDatabase } from './store/open.js';
import { TwilioClient } from './twilio/client.js';
import { RatingWorker } from './worker/rating-worker.js';

export interface App {
  server: FastifyInstance;
  services: Services;
  worker: RatingWorker | null;
  db: Database;
  /**
   * Stores ADMIN_API_KEY, or creates a first SystemAdministrator key when no key exists and returns
   * it to be shown once. Called by the API process after it is listening, so a failed start loses no key.
   */
  ensureAdministratorKey(): Promise<string | null>;
  /** Stops accepting requests, finishes those in flight and the ratings in flight, then closes the store. */
  close(): Promise<void>;
}

/** Opens the store, migrates it, and wires the services, the HTTP server and (if enabled) the worker. */
export async function createApp(config: Config, logger: Logger, database?: Database): Promise<App> {
  const db = database ?? (await openDatabase(config));
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ versions: applied, engine: db.engine }, 'database migrated');

  const twilio = new TwilioClient({
    baseUrl: config.twilioApiBaseUrl,
    timeoutMs: config.twilioTimeoutMs,
    maxConcurrencyPerAccount: config.twilioMaxConcurrency,
    logger: logger.child({ component: 'twilio' }),
  });

  let worker: RatingWorker | null = null;
  const services = createServices({
    db,
    twilio,
    retry: { maxAttempts: config.ratingMaxAttempts, baseDelayMs: config.ratingRetryBaseMs, maxDelayMs: config.ratingRetryMaxMs },
    logger,
    onBillableStored: () => worker?.wake(),
  });
  if (config.worker) {
    worker = new RatingWorker(
      db,
      services.rater,
      { concurrency: config.workerConcurrency, pollIntervalMs: config.workerPollMs, leaseSeconds: Math.ceil((config.twilioTimeoutMs * 20) / 1000) },
      logger.child({ component: 'worker' }),
    );
  }

  const server = await buildServer({ services, logger });

  let closing: Promise<void> | null = null;
  return {
    server,
    services,
    worker,
    db,
    ensureAdministratorKey: () => services.authenticator.ensureAdministratorKey(config.adminApiKey),
    close() {
      closing ??= (async () => {
        // The worker stops claiming at once while HTTP requests drain; both finish what is in flight.
        const workerStopped = worker?.stop();
        await server.close();
        await workerStopped;
        await db.close();
      })();
      return closing;
    },
  };
}
