/**
 * Part 1 of `npm run bench`, NewBillable ingestion: autocannon in this process loads a bare Fastify
 * route, the service on PGlite and the service on PostgreSQL, each in its own child process.
 */
import { randomUUID } from 'node:crypto';
import {
  adminHeaders,
  autocannon,
  type AutocannonResult,
  callService,
  cleanups,
  createPostgresDatabase,
  createTempDir,
  INGEST_PATH,
  nextCallSid,
  percentile,
  progress,
  type Settings,
  startService,
  TEMP_DIR_PREFIX,
  TIME_ZONE,
} from './bench-common.js';
import { type CpuUsage, cpuUsedBetween, takeCpuSnapshot } from './bench-cpu.js';
import { type ServerProcess, startServer } from './bench-process.js';

const BARE_ENTRY = 'scripts/bench-bare-server.ts';

export interface IngestionResult {
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** Billables the service stored during warm-up and measurement; undefined for the bare route. */
  stored: number | undefined;
  /** 2xx responses of warm-up and measurement together. */
  acknowledgedInAllRuns: number | undefined;
  /** Maximum number of billables stored without an acknowledgement: the requests in flight when a run ended. */
  cutOff: number;
  /** Largest VmRSS while the server started and was set up, before any load. */
  startupPeakRssMb: number;
  /** Largest VmRSS during warm-up and measurement. */
  peakRssMb: number;
  /** CPU time used during the measured run. */
  cpu: CpuUsage;
}

interface LoadRun {
  result: AutocannonResult;
  /** Latencies of the 2xx responses, in milliseconds, sorted. */
  latenciesMs: number[];
}

async function runLoad(server: ServerProcess, seconds: number, connections: number, bodyFor: (callSid: string) => string): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  const instance = autocannon({
    url: server.url,
    connections,
    duration: seconds,
    headers: adminHeaders,
    requests: [
      {
        method: 'POST',
        path: INGEST_PATH,
        // A new body per request: every billable is for a call the service has not seen.
        setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodyFor(nextCallSid()) }),
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
  });
  const result = await instance;
  latenciesMs.sort((a, b) => a - b);
  return { result, latenciesMs };
}

async function measureIngestion(
  target: string,
  server: ServerProcess,
  settings: Settings,
  bodyFor: (callSid: string) => string,
  countStored: (() => Promise<number>) | undefined,
): Promise<IngestionResult> {
  const startupPeakRssMb = server.peakRssMb();
  server.resetPeakRss();

  let acknowledged = 0;
  let runs = 1;
  if (settings.warmupSeconds > 0) {
    runs += 1;
    progress(`${target}: warm-up for ${settings.warmupSeconds} s`);
    const warmup = await runLoad(server, settings.warmupSeconds, settings.connections, bodyFor);
    acknowledged += warmup.result['2xx'];
  }

  progress(`${target}: ${settings.connections} connections for ${settings.seconds} s`);
  const before = takeCpuSnapshot(server.pid);
  const { result, latenciesMs } = await runLoad(server, settings.seconds, settings.connections, bodyFor);
  const cpu = cpuUsedBetween(before, takeCpuSnapshot(server.pid));
  acknowledged += result['2xx'];
  const stored = countStored ? await countStored() : undefined;

  return {
    target,
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    stored,
    acknowledgedInAllRuns: countStored ? acknowledged : undefined,
    cutOff: runs * settings.connections,
    startupPeakRssMb,
    peakRssMb: server.peakRssMb(),
    cpu,
  };
}

/** Creates an account and a customer over HTTP and returns a NewBillable body maker and a row counter. */
async function prepareService(server: ServerProcess): Promise<{ bodyFor: (callSid: string) => string; countStored: () => Promise<number> }> {
  const account = await callService(server, 'POST', '/accounts', {
    name: 'Benchmark account',
    twilioAccountSid: `AC${'0'.repeat(32)}`,
    twilioAuthToken: 'benchmark-token',
    countryCode: 'US',
    timeZone: TIME_ZONE,
  });
  const customer = await callService(server, 'POST', '/customers', { accountId: account.id, name: 'Benchmark customer' });
  const prefix = `{"accountId":${JSON.stringify(account.id)},"customerId":${JSON.stringify(customer.id)},"callSid":"`;
  return {
    bodyFor: (callSid) => `${prefix}${callSid}"}`,
    countStored: async () => (await callService(server, 'GET', `/billables?accountId=${account.id}&countPerPage=1`)).totalCount as number,
  };
}

export async function runIngestionBenchmarks(settings: Settings): Promise<IngestionResult[]> {
  const results: IngestionResult[] = [];

  progress('ingestion 1/3: bare Fastify route');
  const bare = await startServer({ name: 'bare Fastify route', script: BARE_ENTRY, env: {} });
  cleanups.push(() => bare.stop());
  // The same body as the service gets: UUIDs for the account and customer, a new call SID each time.
  const barePrefix = `{"accountId":"${randomUUID()}","customerId":"${randomUUID()}","callSid":"`;
  const bareBody = (callSid: string) => `${barePrefix}${callSid}"}`;
  results.push(await measureIngestion('bare Fastify route', bare, settings, bareBody, undefined));
  await bare.stop();

  progress('ingestion 2/3: voice-billing on PGlite');
  const dataDir = await createTempDir(TEMP_DIR_PREFIX);
  const onPglite = await startService('voice-billing on PGlite', settings, { DATA_DIR: dataDir });
  const pgliteTarget = await prepareService(onPglite);
  results.push(await measureIngestion('voice-billing on PGlite', onPglite, settings, pgliteTarget.bodyFor, pgliteTarget.countStored));
  await onPglite.stop();

  progress('ingestion 3/3: voice-billing on PostgreSQL');
  const databaseUrl = await createPostgresDatabase(settings.postgresUrl);
  const onPostgres = await startService('voice-billing on PostgreSQL', settings, { DATABASE_URL: databaseUrl });
  const postgresTarget = await prepareService(onPostgres);
  results.push(await measureIngestion('voice-billing on PostgreSQL', onPostgres, settings, postgresTarget.bodyFor, postgresTarget.countStored));
  await onPostgres.stop();

  return results;
}
