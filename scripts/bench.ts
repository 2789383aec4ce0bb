/**
 * `npm run bench`: measures voice-billing side by side in one run and writes docs/benchmarks.md.
 *
 * 1. NewBillable ingestion: autocannon in this process drives 64 connections for BENCH_SECONDS
 *    against a bare Fastify route, the service on PGlite and the service on PostgreSQL. Each
 *    server runs in a child process with WORKER=off, and every request reports a new call SID.
 * 2. GetBilling: a month of Rated billables (1,000,000 over 1,000 customers and 31 days by
 *    default) is loaded with SQL. GetBilling is timed for the whole account and for single
 *    customers, and its total is checked against SUM(total_cost) of the billables.
 * 3. Batches (bench-batch.ts): the same billables reported one per request and as auto-batches
 *    of 1,000 and 100, on PostgreSQL and PGlite, then counted in the database.
 * 4. Formats (bench-formats.ts): GetBilling and NewBillable in each wire format, compared with
 *    JSON on one service process on PostgreSQL.
 *
 * Everything runs on loopback. Settings are environment variables; see readSettings().
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import pg from 'pg';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { openPglite } from '../src/store/pglite.js';
import { openPostgres } from '../src/store/postgres.js';
import { type BatchEngineResult, batchProblems, batchSection, measureBatches } from './bench-batch.js';
import {
  adminHeaders,
  autocannon,
  type AutocannonResult,
  BenchError,
  BILLING_MONTH,
  type BenchPart,
  BENCH_PARTS,
  callService,
  cleanups,
  createPostgresDatabase,
  createTempDir,
  INGEST_PATH,
  ms,
  nextCallSid,
  percentile,
  progress,
  runCleanups,
  type Settings,
  startService,
  TEMP_DIR_PREFIX,
  TIME_ZONE,
  whole,
} from './bench-common.js';
import { type CpuUsage, cpuUsedBetween, takeCpuSnapshot } from './bench-cpu.js';
import { type BillingDataPlan, type LoadedBillingData, loadBillingData } from './bench-data.js';
import { formatProblems, type FormatsResult, formatsSection, measureFormats } from './bench-formats.js';
import { type ServerProcess, startServer } from './bench-process.js';

const Money = Decimal.clone({ precision: 60 });

const BARE_ENTRY = 'scripts/bench-bare-server.ts';
const TARGETS = { ingestPerSecond: 5_000, ingestP99Ms: 50, billingMs: 100, rssMb: 300 };

// ---------------------------------------------------------------------------------------------
// Settings

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new BenchError(`${name} must be a whole number from ${min} to ${max}, not '${text}'.`);
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const text = env[name]?.toLowerCase();
    if (text === undefined || text === '') return fallback;
    if (['on', 'true', '1', 'yes'].includes(text)) return true;
    if (['off', 'false', '0', 'no'].includes(text)) return false;
    throw new BenchError(`${name} must be on or off, not '${env[name]}'.`);
  };

  const postgresUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  let host: string;
  try {
    host = new URL(postgresUrl).hostname;
  } catch {
    throw new BenchError('BENCH_DATABASE_URL is not a valid URL; give one such as postgres://postgres@127.0.0.1:5432/postgres.');
  }
  // Load goes to this machine only.
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
    throw new BenchError(`BENCH_DATABASE_URL must name a server on loopback (127.0.0.1, localhost or [::1]), not '${host}'.`);
  }
  const docs = env.BENCH_DOCS ?? 'docs/benchmarks.md';
  const parts = (env.BENCH_PARTS || BENCH_PARTS.join(',')).split(',').map((part) => part.trim().toLowerCase());
  const unknownPart = parts.find((part) => !(BENCH_PARTS as readonly string[]).includes(part));
  if (unknownPart !== undefined) throw new BenchError(`BENCH_PARTS is a comma-separated list of ${BENCH_PARTS.join(', ')}; '${unknownPart}' is none of them.`);
  const batchBillables = integer('BENCH_BATCH_BILLABLES', 20_000, 1_000, 1_000_000);
  if (batchBillables % 1_000 !== 0) throw new BenchError(`BENCH_BATCH_BILLABLES must be a multiple of 1000, so that it splits into whole batches, not '${batchBillables}'.`);

  return {
    seconds: integer('BENCH_SECONDS', 10, 1, 600),
    warmupSeconds: integer('BENCH_WARMUP_SECONDS', 2, 0, 60),
    connections: integer('BENCH_CONNECTIONS', 64, 1, 1024),
    billables: integer('BENCH_BILLABLES', 1_000_000, 1_000, 50_000_000),
    customers: integer('BENCH_CUSTOMERS', 1_000, 1, 100_000),
    billingRequests: integer('BENCH_BILLING_REQUESTS', 200, 10, 100_000),
    pgliteBilling: flag('BENCH_PGLITE_BILLING', true),
    parts: new Set(parts as BenchPart[]),
    batchBillables,
    batchConnections: integer('BENCH_BATCH_CONNECTIONS', 4, 1, 64),
    formatBillables: integer('BENCH_FORMAT_BILLABLES', 30_000, 300, 1_000_000),
    formatBillingRequests: integer('BENCH_FORMAT_REQUESTS', 100, 10, 10_000),
    postgresUrl,
    cpuProfileDir: env.BENCH_CPU_PROFILE_DIR || undefined,
    docsPath: docs === '' || docs === 'off' ? undefined : docs,
  };
}

/**
 * Prints scratch databases and directories that an interrupted bench left behind. It removes
 * nothing, because another bench may be running and using them.
 */
async function reportLeftovers(serverUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  const databases = (await client.query<{ name: string }>("SELECT datname AS name FROM pg_database WHERE datname LIKE 'vb\\_bench\\_%'")).rows.map((row) => row.name);
  await client.end();
  const directories = (await readdir(os.tmpdir())).filter((name) => name.startsWith(TEMP_DIR_PREFIX)).map((name) => path.join(os.tmpdir(), name));
  if (databases.length === 0 && directories.length === 0) return;
  progress(
    `found scratch data of an earlier bench that did not finish; unless another bench is running, remove it: ` +
      [...databases.map((name) => `DROP DATABASE ${name};`), ...directories.map((directory) => `rm -r ${directory}`)].join(' '),
  );
}

const MONEY_FIELD = /"(callCost|recordingCost|totalCost|internationalCosts)":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

function parseWithExactMoney(text: string): any {
  return JSON.parse(text.replace(MONEY_FIELD, '"$1":"$2"'));
}

// ---------------------------------------------------------------------------------------------
// Part 1: NewBillable ingestion

interface IngestionResult {
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

async function runIngestionBenchmarks(settings: Settings): Promise<IngestionResult[]> {
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

// ---------------------------------------------------------------------------------------------
// Part 2: GetBilling over a loaded month

interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  requests: number;
  cpu: CpuUsage;
}

interface BillingResult {
  engine: string;
  customers: number;
  loadSeconds: number;
  allCustomers: LatencySummary;
  oneCustomer: LatencySummary;
  responseBytes: number;
  /** Largest VmRSS while the server started and served the warm-up requests. */
  startupPeakRssMb: number;
  /** Largest VmRSS during the timed requests. */
  peakRssMb: number;
  expectedTotal: string;
  reportedTotal: string;
  expectedCount: number;
  reportedCount: number;
  expectedFirstCustomerTotal: string;
  reportedFirstCustomerTotal: string;
}

async function timeRequests(server: ServerProcess, count: number, pathFor: (index: number) => string): Promise<LatencySummary> {
  const latenciesMs: number[] = [];
  const before = takeCpuSnapshot(server.pid);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await fetch(server.url + pathFor(index), { headers: adminHeaders });
    const body = await response.text();
    latenciesMs.push(performance.now() - started);
    if (!response.ok) throw new Error(`GET ${pathFor(index)} failed with HTTP ${response.status}: ${body.slice(0, 300)}`);
  }
  const cpu = cpuUsedBetween(before, takeCpuSnapshot(server.pid));
  latenciesMs.sort((a, b) => a - b);
  return { p50Ms: percentile(latenciesMs, 0.5), p99Ms: percentile(latenciesMs, 0.99), requests: count, cpu };
}

function billingPath(accountId: string, customerId?: string): string {
  const query = new URLSearchParams({ accountId, startDate: BILLING_MONTH.firstDay, endDate: BILLING_MONTH.lastDay });
  if (customerId !== undefined) query.set('customerId', customerId);
  return `/billing?${query.toString()}`;
}

async function fetchBillingTotals(server: ServerProcess, requestPath: string): Promise<{ total: string; count: number; bytes: number }> {
  const response = await fetch(server.url + requestPath, { headers: adminHeaders });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${requestPath} failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
  const billing = parseWithExactMoney(text) as { customers: Array<{ totalCost: string; billableCount: number }> };
  let total = new Money(0);
  let count = 0;
  for (const customer of billing.customers) {
    total = total.plus(customer.totalCost);
    count += customer.billableCount;
  }
  return { total: total.toFixed(), count, bytes: Buffer.byteLength(text) };
}

async function loadInto(db: Database, plan: BillingDataPlan): Promise<{ loaded: LoadedBillingData; seconds: number }> {
  await migrate(db);
  const started = Date.now();
  const loaded = await loadBillingData(db, plan);
  return { loaded, seconds: (Date.now() - started) / 1000 };
}

async function measureBilling(engine: string, settings: Settings): Promise<BillingResult> {
  const plan: BillingDataPlan = {
    accountId: randomUUID(),
    customers: settings.customers,
    billables: settings.billables,
    firstDay: BILLING_MONTH.firstDay,
    days: BILLING_MONTH.days,
    timeZone: TIME_ZONE,
  };
  progress(`GetBilling on ${engine}: loading ${settings.billables.toLocaleString('en-US')} billables for ${settings.customers.toLocaleString('en-US')} customers`);

  let store: { DATA_DIR: string } | { DATABASE_URL: string };
  let db: Database;
  if (engine === 'PostgreSQL') {
    const url = await createPostgresDatabase(settings.postgresUrl);
    store = { DATABASE_URL: url };
    db = await openPostgres({ connectionString: url });
  } else {
    const dataDir = await createTempDir(TEMP_DIR_PREFIX);
    store = { DATA_DIR: dataDir };
    db = await openPglite({ dataDir });
  }
  let load: { loaded: LoadedBillingData; seconds: number };
  try {
    load = await loadInto(db, plan);
  } finally {
    // PGlite allows one process per data directory, so the loader closes before the service opens it.
    await db.close();
  }
  progress(`GetBilling on ${engine}: loaded in ${load.seconds.toFixed(1)} s (${load.loaded.dailyTotalRows.toLocaleString('en-US')} daily total rows)`);

  const server = await startService(`voice-billing on ${engine} (GetBilling)`, settings, store);
  const { customerIds } = load.loaded;
  const allPath = billingPath(plan.accountId);
  const onePath = (index: number) => billingPath(plan.accountId, customerIds[index % customerIds.length]);

  // Warm-up: the first requests compile code paths and fill the database's caches.
  await timeRequests(server, 5, () => allPath);
  await timeRequests(server, 5, onePath);
  const startupPeakRssMb = server.peakRssMb();
  server.resetPeakRss();

  progress(`GetBilling on ${engine}: ${settings.billingRequests} requests for all customers, ${settings.billingRequests} for one customer each`);
  const allCustomers = await timeRequests(server, settings.billingRequests, () => allPath);
  const oneCustomer = await timeRequests(server, settings.billingRequests, onePath);
  const wholeAccount = await fetchBillingTotals(server, allPath);
  const first = await fetchBillingTotals(server, onePath(0));
  const peakRssMb = server.peakRssMb();
  await server.stop();

  return {
    engine,
    customers: customerIds.length,
    loadSeconds: load.seconds,
    allCustomers,
    oneCustomer,
    responseBytes: wholeAccount.bytes,
    startupPeakRssMb,
    peakRssMb,
    expectedTotal: new Money(load.loaded.totalCost).toFixed(),
    reportedTotal: wholeAccount.total,
    expectedCount: load.loaded.billableCount,
    reportedCount: wholeAccount.count,
    expectedFirstCustomerTotal: new Money(load.loaded.firstCustomerTotalCost).toFixed(),
    reportedFirstCustomerTotal: first.total,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

interface Machine {
  date: string;
  cores: number;
  cpuModel: string;
  memory: string;
  node: string;
  postgres: string;
  packages: string;
}

async function describeMachine(settings: Settings): Promise<Machine> {
  const client = new pg.Client({ connectionString: settings.postgresUrl });
  await client.connect();
  const version = (await client.query<{ version: string }>("SELECT current_setting('server_version') AS version")).rows[0]?.version ?? 'unknown';
  await client.end();

  let memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  try {
    const free = execFileSync('free', ['-g'], { encoding: 'utf8' });
    const total = /^Mem:\s+(\d+)/m.exec(free)?.[1];
    if (total !== undefined) memory = `${total} GiB (free -g)`;
  } catch {
    // free is missing on this machine, so os.totalmem() is used instead.
  }
  const manifest = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const versionOf = (name: string) => manifest.dependencies[name] ?? manifest.devDependencies[name] ?? '?';

  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    memory,
    node: process.version,
    postgres: version,
    packages: `fastify ${versionOf('fastify')}, pg ${versionOf('pg')}, @electric-sql/pglite ${versionOf('@electric-sql/pglite')}, autocannon ${versionOf('autocannon')}`,
  };
}

function ingestionTable(results: readonly IngestionResult[]): string {
  const bare = results[0];
  const lines = [
    '| Target | Billables/s | p50 ms | p99 ms | Errors | Non-2xx | vs bare route | Stored / acknowledged | Peak RSS MiB, start / load |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const result of results) {
    const ratio = bare && result !== bare ? `${(result.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}×` : '1.00×';
    const stored = result.stored === undefined ? 'n/a' : `${whole(result.stored)} / ${whole(result.acknowledgedInAllRuns ?? 0)}`;
    lines.push(
      `| ${result.target} | ${whole(result.requestsPerSecond)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${result.errors} | ${result.non2xx} | ${ratio} | ${stored} | ${whole(result.startupPeakRssMb)} / ${whole(result.peakRssMb)} |`,
    );
  }
  return lines.join('\n');
}

/** CPU time per acknowledged request, and the request rate the machine's cores could carry at that cost. */
function cpuTable(results: readonly IngestionResult[], cores: number): string {
  const lines = [
    '| Target | Server µs/request | PostgreSQL µs/request | Load generator µs/request | Sum µs/request | CPU-bound ceiling, requests/s (estimate) | Other processes, cores busy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of results) {
    const requests = result.requestsPerSecond * (result.cpu.wallMs / 1000);
    const perRequest = (cpuMs: number) => (requests > 0 ? (cpuMs * 1000) / requests : Number.NaN);
    const sum = perRequest(result.cpu.serverMs + result.cpu.postgresMs + result.cpu.benchMs);
    lines.push(
      `| ${result.target} | ${whole(perRequest(result.cpu.serverMs))} | ${whole(perRequest(result.cpu.postgresMs))} | ${whole(perRequest(result.cpu.benchMs))} | ` +
        `${whole(sum)} | ${whole((cores * 1_000_000) / sum)} | ${(result.cpu.otherMs / result.cpu.wallMs).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

function billingTable(results: readonly BillingResult[]): string {
  const lines = [
    '| Engine | Load s | Request | p50 ms | p99 ms | Server CPU ms/request | PostgreSQL CPU ms/request | Other processes, cores busy | Peak RSS MiB, start / requests |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of results) {
    const rows: Array<[string, LatencySummary]> = [
      [`all ${whole(result.customers)} customers (${whole(result.responseBytes / 1024)} KiB)`, result.allCustomers],
      ['one customer', result.oneCustomer],
    ];
    for (const [label, summary] of rows) {
      const perRequest = (cpuMs: number) => (cpuMs / summary.requests).toFixed(2);
      lines.push(
        `| ${result.engine} | ${result.loadSeconds.toFixed(0)} | ${label} | ${ms(summary.p50Ms)} | ${ms(summary.p99Ms)} | ` +
          `${perRequest(summary.cpu.serverMs)} | ${perRequest(summary.cpu.postgresMs)} | ${(summary.cpu.otherMs / summary.cpu.wallMs).toFixed(2)} | ${whole(result.startupPeakRssMb)} / ${whole(result.peakRssMb)} |`,
      );
    }
  }
  return lines.join('\n');
}

function billingChecks(results: readonly BillingResult[]): string[] {
  return results.map((result) =>
    billingCheckPasses(result)
      ? `- ${result.engine}: GetBilling's totals add up to ${result.reportedTotal} over ${whole(result.reportedCount)} billables, equal to SUM(total_cost) and count(*) of the billables; ` +
        `the first customer's total, ${result.reportedFirstCustomerTotal}, equals its SUM(total_cost) too.`
      : `- ${result.engine}: **mismatch**: GetBilling's totals add up to ${result.reportedTotal} over ${result.reportedCount} billables, but SUM(total_cost) is ${result.expectedTotal} over ${result.expectedCount}; ` +
        `first customer ${result.reportedFirstCustomerTotal}, expected ${result.expectedFirstCustomerTotal}.`,
  );
}

/**
 * Checks that no acknowledged billable was lost. A request still in flight when autocannon ends a
 * run can be stored without its response being counted, so up to `cutOff` extra rows are fine.
 */
function storedMatchesAcknowledged(result: IngestionResult): boolean {
  if (result.stored === undefined || result.acknowledgedInAllRuns === undefined) return true;
  return result.stored >= result.acknowledgedInAllRuns && result.stored <= result.acknowledgedInAllRuns + result.cutOff;
}

function billingCheckPasses(result: BillingResult): boolean {
  return (
    result.reportedTotal === result.expectedTotal &&
    result.reportedCount === result.expectedCount &&
    result.reportedFirstCustomerTotal === result.expectedFirstCustomerTotal
  );
}

function verdict(met: boolean): string {
  return met ? '**met**' : '**not met**';
}

function targetLines(settings: Settings, ingestion: readonly IngestionResult[], billing: readonly BillingResult[]): string[] {
  const postgresIngest = ingestion.find((result) => result.target === 'voice-billing on PostgreSQL');
  const pgliteIngest = ingestion.find((result) => result.target === 'voice-billing on PGlite');
  const postgresBilling = billing.find((result) => result.engine === 'PostgreSQL');
  const pgliteBilling = billing.find((result) => result.engine === 'PGlite');
  const lines: string[] = [];

  if (postgresIngest) {
    lines.push(
      `- ≥ ${whole(TARGETS.ingestPerSecond)} acknowledged billables/s on PostgreSQL: ${verdict(postgresIngest.requestsPerSecond >= TARGETS.ingestPerSecond)} ` +
        `(${whole(postgresIngest.requestsPerSecond)}/s; PGlite ${pgliteIngest ? whole(pgliteIngest.requestsPerSecond) : 'n/a'}/s).`,
    );
    lines.push(
      `- NewBillable p99 < ${TARGETS.ingestP99Ms} ms at ${settings.connections} connections on PostgreSQL: ${verdict(postgresIngest.p99Ms < TARGETS.ingestP99Ms)} ` +
        `(${ms(postgresIngest.p99Ms)} ms; PGlite ${pgliteIngest ? ms(pgliteIngest.p99Ms) : 'n/a'} ms).`,
    );
  }
  if (postgresBilling) {
    const worst = Math.max(postgresBilling.allCustomers.p99Ms, postgresBilling.oneCustomer.p99Ms);
    lines.push(
      `- GetBilling < ${TARGETS.billingMs} ms (p99, whole month, all customers and one customer) on PostgreSQL: ${verdict(worst < TARGETS.billingMs)} ` +
        `(all customers ${ms(postgresBilling.allCustomers.p99Ms)} ms, one customer ${ms(postgresBilling.oneCustomer.p99Ms)} ms` +
        (pgliteBilling ? `; PGlite ${ms(pgliteBilling.allCustomers.p99Ms)} ms and ${ms(pgliteBilling.oneCustomer.p99Ms)} ms).` : ').'),
    );
  }
  const peakOf = (ingest: IngestionResult | undefined, billing: BillingResult | undefined) =>
    Math.max(ingest?.startupPeakRssMb ?? 0, ingest?.peakRssMb ?? 0, billing?.startupPeakRssMb ?? 0, billing?.peakRssMb ?? 0);
  const postgresRss = peakOf(postgresIngest, postgresBilling);
  const pgliteRss = peakOf(pgliteIngest, pgliteBilling);
  lines.push(
    `- Service RSS < ${TARGETS.rssMb} MiB on PostgreSQL: ${verdict(postgresRss < TARGETS.rssMb)} (peak ${whole(postgresRss)} MiB; the PostgreSQL server's own memory is not counted). ` +
      `On PGlite, where the database runs inside the service process: ${verdict(pgliteRss < TARGETS.rssMb)} (peak ${whole(pgliteRss)} MiB).`,
  );
  return lines;
}

interface BenchResults {
  ingestion: readonly IngestionResult[];
  billing: readonly BillingResult[];
  batch: readonly BatchEngineResult[];
  formats: FormatsResult | undefined;
}

function renderReport(settings: Settings, machine: Machine, results: BenchResults, notes: readonly string[]): string {
  const { ingestion, billing } = results;
  return [
    '# Benchmarks',
    '',
    `Measured ${machine.date} by \`npm run bench\` (scripts/bench.ts), which rewrites this page.`,
    '',
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memory} of memory, Node ${machine.node}, PostgreSQL ${machine.postgres} on the same machine; ${machine.packages}.`,
    'The load generator, the service and PostgreSQL share those cores, and other jobs may run on the machine too, so the figures vary from run to run. ' +
      'The "Other processes" columns show how busy the machine was with other work; compare them before comparing two runs.',
    '',
    '## Targets',
    '',
    ...targetLines(settings, ingestion, billing),
    '',
    '## NewBillable ingestion',
    '',
    `${settings.connections} connections for ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up, one autocannon 9 client in the bench process, each request a new call SID ` +
      `(POST ${INGEST_PATH}, JSON body of accountId, customerId and callSid). Each server runs in its own Node process; the service with WORKER=off and LOG_LEVEL=warn. ` +
      'Latencies are those of the 2xx responses; "Stored / acknowledged" compares the billables the service lists afterwards with the 2xx responses it sent, warm-up included. ' +
      'Peak RSS is the largest VmRSS of the server process, sampled every 200 ms, while it started (on PGlite this includes creating the database files) and under load.',
    '',
    ingestion.length > 0 ? ingestionTable(ingestion) : '(not run)',
    '',
    'Where the CPU went during each measured run, from /proc (user plus system time). The ceiling divides the cores by the CPU time one request costs ' +
      'across the server, PostgreSQL and the load generator; it ignores waiting, so real throughput stays below it. ' +
      '"Other processes" is CPU that none of these used, such as other jobs on the machine, in cores (1.00 = one core fully busy).',
    '',
    ingestion.length > 0 ? cpuTable(ingestion, machine.cores) : '(not run)',
    '',
    '## GetBilling',
    '',
    `${settings.billables.toLocaleString('en-US')} Rated billables over ${settings.customers.toLocaleString('en-US')} customers and ${BILLING_MONTH.days} days (${BILLING_MONTH.firstDay} to ${BILLING_MONTH.lastDay}, ${TIME_ZONE}), ` +
      'loaded with INSERT ... SELECT generate_series, with the customer_daily_totals rows aggregated from them as the rating worker writes them. ' +
      `Each figure is over ${settings.billingRequests} sequential GET /billing requests for the whole month after 5 warm-up requests: all customers in one response, or one customer per request (cycling through them). ` +
      'CPU is user plus system time from /proc over the measured requests. Peak RSS is taken while the service started and served the warm-up requests, then during the timed requests. Below the table, the sum of the totalCost values GetBilling returns is compared with SUM(total_cost) of the loaded billables, exactly.',
    '',
    billing.length > 0 ? billingTable(billing) : '(not run)',
    '',
    ...billingChecks(billing),
    '',
    ...batchSection(settings, results.batch),
    '',
    ...formatsSection(settings, results.formats),
    '',
    ...(notes.length > 0 ? ['## Notes', '', ...notes.map((note) => `- ${note}`), ''] : []),
    '## Reproduce',
    '',
    'Needs PostgreSQL on 127.0.0.1:5432 that lets user postgres create databases (set BENCH_DATABASE_URL for another server on loopback). Then:',
    '',
    '```sh',
    'npm install',
    'npm run bench',
    '```',
    '',
    'Settings, as environment variables:',
    '',
    '- BENCH_SECONDS: measured seconds per ingestion target (default 10).',
    '- BENCH_WARMUP_SECONDS: warm-up seconds before each ingestion target (default 2); 0 also skips the warm-up requests of the batch and formats parts.',
    '- BENCH_CONNECTIONS: concurrent connections of the load generator (default 64).',
    '- BENCH_BILLABLES, BENCH_CUSTOMERS: size of the GetBilling data (default 1000000 and 1000). BENCH_CUSTOMERS also sets the customers of the formats part.',
    '- BENCH_BILLING_REQUESTS: timed GetBilling requests of each kind (default 200).',
    '- BENCH_PGLITE_BILLING: on (default) or off; off skips the GetBilling run on PGlite, whose load is the slowest step.',
    `- BENCH_PARTS: the parts to run, comma-separated: ${BENCH_PARTS.join(', ')} (default all).`,
    '- BENCH_BATCH_BILLABLES: billables each mode of the batch part reports, a multiple of 1000 (default 20000).',
    '- BENCH_BATCH_CONNECTIONS: connections that send batches in the batch part (default 4).',
    '- BENCH_FORMAT_BILLABLES: NewBillable requests per format in the formats part (default 30000).',
    '- BENCH_FORMAT_REQUESTS: timed GetBilling requests per format in the formats part (default 100).',
    '- BENCH_DATABASE_URL: PostgreSQL server on loopback for the scratch databases (default postgres://postgres@127.0.0.1:5432/postgres).',
    '- BENCH_CPU_PROFILE_DIR: writes a V8 CPU profile of each service process into this directory.',
    '- BENCH_DOCS: the page to write (default docs/benchmarks.md); off prints the report only.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  if (settings.cpuProfileDir) await mkdir(settings.cpuProfileDir, { recursive: true });

  // Fail early and clearly when PostgreSQL is not there, before any measurement.
  let machine: Machine;
  try {
    machine = await describeMachine(settings);
  } catch (error) {
    throw new BenchError(`cannot reach PostgreSQL at ${withoutPassword(settings.postgresUrl)} (${error instanceof Error ? error.message : String(error)}); start it or set BENCH_DATABASE_URL.`);
  }

  const notes: string[] = [];
  await reportLeftovers(settings.postgresUrl);
  const ingestion = settings.parts.has('ingestion') ? await runIngestionBenchmarks(settings) : [];
  if (!settings.parts.has('ingestion')) notes.push('The ingestion benchmark was skipped (BENCH_PARTS).');
  const billing: BillingResult[] = [];
  if (settings.parts.has('billing')) {
    billing.push(await measureBilling('PostgreSQL', settings));
    if (settings.pgliteBilling) billing.push(await measureBilling('PGlite', settings));
    else notes.push('The GetBilling run on PGlite was skipped (BENCH_PGLITE_BILLING=off).');
  } else {
    notes.push('The GetBilling benchmark was skipped (BENCH_PARTS).');
  }
  const batch = settings.parts.has('batch') ? await measureBatches(settings) : [];
  if (!settings.parts.has('batch')) notes.push('The batch benchmark was skipped (BENCH_PARTS).');
  const formats = settings.parts.has('formats') ? await measureFormats(settings) : undefined;
  if (!formats) notes.push('The formats benchmark was skipped (BENCH_PARTS).');

  const problems: string[] = [];
  for (const result of ingestion) {
    if (result.errors > 0 || result.non2xx > 0) problems.push(`${result.target}: ${result.errors} errors and ${result.non2xx} non-2xx responses`);
    if (!storedMatchesAcknowledged(result)) {
      problems.push(`${result.target}: ${result.stored} billables stored, ${result.acknowledgedInAllRuns} acknowledged and at most ${result.cutOff} cut off in flight`);
    }
  }
  for (const result of billing) {
    if (!billingCheckPasses(result)) {
      problems.push(
        `GetBilling on ${result.engine}: total ${result.reportedTotal} over ${result.reportedCount} billables, expected ${result.expectedTotal} over ${result.expectedCount}; ` +
          `first customer ${result.reportedFirstCustomerTotal}, expected ${result.expectedFirstCustomerTotal}`,
      );
    }
  }
  problems.push(...batchProblems(batch), ...(formats ? formatProblems(formats) : []));
  for (const problem of problems) notes.push(`Check failed: ${problem}.`);

  const report = renderReport(settings, machine, { ingestion, billing, batch, formats }, notes);
  process.stdout.write(`\n${report}`);
  if (settings.docsPath) {
    await writeFile(settings.docsPath, report);
    progress(`wrote ${settings.docsPath}`);
  }
  if (problems.length > 0) {
    process.stderr.write(`\nbench: ${problems.length} check(s) failed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    return 1;
  }
  progress('done');
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  let message = String(error);
  if (error instanceof BenchError) message = error.message;
  else if (error instanceof Error) message = error.stack ?? error.message;
  process.stderr.write(`\nbench failed: ${message}\n`);
  process.exitCode = 1;
} finally {
  await runCleanups();
}
