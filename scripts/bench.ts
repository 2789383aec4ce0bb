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
 * Everything runs on loopback. Settings are environment variables; see readSettings() in bench-settings.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { batchProblems, measureBatches } from './bench-batch.js';
import { type BillingResult, measureBilling } from './bench-billing.js';
import { BenchError, progress, runCleanups } from './bench-common.js';
import { formatProblems, measureFormats } from './bench-formats.js';
import { runIngestionBenchmarks } from './bench-ingestion.js';
import { billingCheckPasses, describeMachine, type Machine, renderReport, storedMatchesAcknowledged } from './bench-report.js';
import { readSettings, reportLeftovers, withoutPassword } from './bench-settings.js';

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
