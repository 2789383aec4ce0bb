/** Report of `npm run bench`: the machine description, the result tables, the target verdicts and the Markdown page. */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import pg from 'pg';
import { type BatchEngineResult, batchSection } from './bench-batch.js';
import type { BillingResult, LatencySummary } from './bench-billing.js';
import { BENCH_PARTS, BILLING_MONTH, INGEST_PATH, ms, type Settings, TIME_ZONE, whole } from './bench-common.js';
import { type FormatsResult, formatsSection } from './bench-formats.js';
import type { IngestionResult } from './bench-ingestion.js';

const TARGETS = { ingestPerSecond: 5_000, ingestP99Ms: 50, billingMs: 100, rssMb: 300 };

export interface Machine {
  date: string;
  cores: number;
  cpuModel: string;
  memory: string;
  node: string;
  postgres: string;
  packages: string;
}

export async function describeMachine(settings: Settings): Promise<Machine> {
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
export function storedMatchesAcknowledged(result: IngestionResult): boolean {
  if (result.stored === undefined || result.acknowledgedInAllRuns === undefined) return true;
  return result.stored >= result.acknowledgedInAllRuns && result.stored <= result.acknowledgedInAllRuns + result.cutOff;
}

export function billingCheckPasses(result: BillingResult): boolean {
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

export function renderReport(settings: Settings, machine: Machine, results: BenchResults, notes: readonly string[]): string {
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
