/**
 * Part "batch" of `npm run bench`: the same number of new billables reported one per NewBillable
 * request and as auto-batches (POST /api/NewBillable[]), on PGlite and on PostgreSQL. Each mode
 * reports for a customer of its own, so that afterwards a query of the database itself can check
 * that the mode stored exactly the billables its responses acknowledged.
 */
import type { Database } from '../src/store/database.js';
import { openPglite } from '../src/store/pglite.js';
import { openPostgres } from '../src/store/postgres.js';
import {
  adminHeaders,
  createAccount,
  createCustomer,
  createPostgresDatabase,
  createTempDir,
  headerOf,
  INGEST_PATH,
  ms,
  nextCallSid,
  otherCores,
  percentile,
  progress,
  runCountedLoad,
  type Settings,
  startService,
  TEMP_DIR_PREFIX,
  times,
  whole,
} from './bench-common.js';
import { type CpuUsage, cpuUsedBetween, takeCpuSnapshot } from './bench-cpu.js';
import type { ServerProcess } from './bench-process.js';

const BATCH_PATH = `${INGEST_PATH}[]`;
const SINGLE_TIMEOUT_SECONDS = 30;
// A batch of 1,000 on PGlite under load takes seconds, not milliseconds.
const BATCH_TIMEOUT_SECONDS = 120;
const MAX_RUN_SECONDS = 300;

interface BatchMode {
  label: string;
  /** Billables per request; 1 posts single NewBillable requests. */
  batchSize: number;
  connections: number;
}

export interface BatchModeResult extends BatchMode {
  requests: number;
  seconds: number;
  /** Billables listed in the 2xx responses. */
  acknowledged: number;
  /** Distinct billable ids in the 2xx responses. */
  distinctIds: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** 2xx responses that did not return one billable per reported call, for that call, in order. */
  wrongReplies: number;
  stoppedEarly: boolean;
  /** Billables the database holds for the mode's customer. */
  stored: number;
  /** Of the acknowledged billable ids, those the database holds for the mode's customer. */
  storedAcknowledged: number;
  cpu: CpuUsage;
}

export interface BatchEngineResult {
  engine: string;
  /** Billables each mode reported. */
  expected: number;
  modes: BatchModeResult[];
}

function modesOf(settings: Settings): BatchMode[] {
  return [
    { label: 'one per request', batchSize: 1, connections: settings.connections },
    { label: 'batches of 1,000', batchSize: 1_000, connections: settings.batchConnections },
    { label: 'batches of 100', batchSize: 100, connections: settings.batchConnections },
  ];
}

interface ModeRun {
  run: Awaited<ReturnType<typeof runCountedLoad>>;
  ids: Set<string>;
  acknowledged: number;
  wrongReplies: number;
}

/**
 * Reports `requests` requests of `mode` for one customer. Every 2xx response is read: it must
 * list, in order, one billable per call the request reported, with that call's SID.
 */
async function reportCalls(server: ServerProcess, accountId: string, customerId: string, mode: BatchMode, requests: number): Promise<ModeRun> {
  const prefix = `{"accountId":${JSON.stringify(accountId)},"customerId":${JSON.stringify(customerId)},"callSid":"`;
  const ids = new Set<string>();
  let acknowledged = 0;
  let wrongReplies = 0;
  const single = mode.batchSize === 1;

  const run = await runCountedLoad({
    server,
    method: 'POST',
    requestPath: single ? INGEST_PATH : BATCH_PATH,
    headers: adminHeaders,
    connections: mode.connections,
    amount: requests,
    nextRequest: () => {
      const callSids = Array.from({ length: mode.batchSize }, () => nextCallSid());
      const items = callSids.map((callSid) => `${prefix}${callSid}"}`);
      return { body: single ? items[0] : `[${items.join(',')}]`, tag: callSids };
    },
    onReply: (statusCode, body, headers, tag) => {
      if (statusCode < 200 || statusCode >= 300) return;
      const callSids = tag as string[];
      let billables: Array<{ id?: unknown; callSid?: unknown }>;
      try {
        const parsed = JSON.parse(body) as unknown;
        billables = (single ? [parsed] : parsed) as typeof billables;
      } catch {
        wrongReplies += 1;
        return;
      }
      if (!Array.isArray(billables)) {
        wrongReplies += 1;
        return;
      }
      acknowledged += billables.length;
      for (const billable of billables) if (typeof billable?.id === 'string') ids.add(billable.id);
      const completed = single ? String(callSids.length) : headerOf(headers, 'x-autobatch-completed');
      const matches = billables.length === callSids.length && billables.every((billable, index) => billable?.callSid === callSids[index]);
      if (!matches || completed !== String(callSids.length)) wrongReplies += 1;
    },
    timeoutSeconds: single ? SINGLE_TIMEOUT_SECONDS : BATCH_TIMEOUT_SECONDS,
    maxSeconds: MAX_RUN_SECONDS,
  });
  return { run, ids, acknowledged, wrongReplies };
}

/** Counts the billables stored for a customer, and how many of `ids` are among them. */
async function countStored(db: Database, customerId: string, ids: ReadonlySet<string>): Promise<{ stored: number; storedAcknowledged: number }> {
  const [counts] = await db.query<{ stored: number }>('SELECT count(*)::int AS stored FROM billables WHERE customer_id = $1', [customerId]);
  // A join on unnest, because id = ANY(array) compares each row with every element.
  const [found] = await db.query<{ found: number }>(
    'SELECT count(*)::int AS found FROM billables b JOIN unnest($2::text[]) AS acknowledged (id) ON acknowledged.id = b.id WHERE b.customer_id = $1',
    [customerId, [...ids]],
  );
  return { stored: counts?.stored ?? 0, storedAcknowledged: found?.found ?? 0 };
}

async function measureEngine(engine: 'PGlite' | 'PostgreSQL', settings: Settings): Promise<BatchEngineResult> {
  let store: { DATA_DIR: string } | { DATABASE_URL: string };
  let openDatabase: () => Promise<Database>;
  if (engine === 'PostgreSQL') {
    const url = await createPostgresDatabase(settings.postgresUrl);
    store = { DATABASE_URL: url };
    openDatabase = () => openPostgres({ connectionString: url });
  } else {
    const dataDir = await createTempDir(TEMP_DIR_PREFIX);
    store = { DATA_DIR: dataDir };
    openDatabase = () => openPglite({ dataDir });
  }

  const server = await startService(`voice-billing on ${engine} (batches)`, settings, store);
  const accountId = await createAccount(server, 'Batch benchmark account');
  const modes = modesOf(settings);

  if (settings.warmupSeconds > 0) {
    // The warm-up reports to a customer of its own, so it does not count in any mode's check.
    const warmupCustomerId = await createCustomer(server, accountId, 'Warm-up');
    progress(`batch on ${engine}: warm-up`);
    for (const mode of modes) await reportCalls(server, accountId, warmupCustomerId, mode, mode.batchSize === 1 ? mode.connections * 10 : mode.connections * 2);
  }

  const runs: Array<{ mode: BatchMode; customerId: string; modeRun: ModeRun; cpu: CpuUsage }> = [];
  for (const mode of modes) {
    const customerId = await createCustomer(server, accountId, `Batch benchmark, ${mode.label}`);
    const requests = settings.batchBillables / mode.batchSize;
    progress(`batch on ${engine}: ${whole(settings.batchBillables)} billables ${mode.label} (${whole(requests)} requests, ${Math.min(mode.connections, requests)} connections)`);
    const before = takeCpuSnapshot(server.pid);
    const modeRun = await reportCalls(server, accountId, customerId, mode, requests);
    const cpu = cpuUsedBetween(before, takeCpuSnapshot(server.pid));
    runs.push({ mode, customerId, modeRun, cpu });
  }
  await server.stop();

  // PGlite lets one process open its directory, so the database is read once the service is gone.
  const db = await openDatabase();
  const results: BatchModeResult[] = [];
  try {
    for (const { mode, customerId, modeRun, cpu } of runs) {
      const { run, ids, acknowledged, wrongReplies } = modeRun;
      const { stored, storedAcknowledged } = await countStored(db, customerId, ids);
      results.push({
        ...mode,
        connections: Math.min(mode.connections, settings.batchBillables / mode.batchSize),
        requests: settings.batchBillables / mode.batchSize,
        seconds: run.seconds,
        acknowledged,
        distinctIds: ids.size,
        p50Ms: percentile(run.latenciesMs, 0.5),
        p99Ms: percentile(run.latenciesMs, 0.99),
        errors: run.result.errors + run.result.timeouts,
        non2xx: run.result.non2xx,
        wrongReplies,
        stoppedEarly: run.stoppedEarly,
        stored,
        storedAcknowledged,
        cpu,
      });
    }
  } finally {
    await db.close();
  }
  return { engine, expected: settings.batchBillables, modes: results };
}

/** Runs the batch part on PostgreSQL, then on PGlite. */
export async function measureBatches(settings: Settings): Promise<BatchEngineResult[]> {
  return [await measureEngine('PostgreSQL', settings), await measureEngine('PGlite', settings)];
}

// ---------------------------------------------------------------------------------------------
// Report

function modeIsExact(result: BatchModeResult, expected: number): boolean {
  return (
    result.errors === 0 &&
    result.non2xx === 0 &&
    result.wrongReplies === 0 &&
    !result.stoppedEarly &&
    result.acknowledged === expected &&
    result.distinctIds === expected &&
    result.stored === expected &&
    result.storedAcknowledged === expected
  );
}

function batchTable(results: readonly BatchEngineResult[]): string {
  const lines = [
    '| Engine | Mode | Connections | Requests | Billables/s | Speed-up | p50 ms per request | p99 ms per request | Server CPU µs/billable | PostgreSQL CPU µs/billable | Other processes, cores busy | Stored / acknowledged |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const engine of results) {
    const single = engine.modes.find((mode) => mode.batchSize === 1);
    const singleRate = single ? single.acknowledged / single.seconds : Number.NaN;
    for (const mode of engine.modes) {
      const rate = mode.acknowledged / mode.seconds;
      const perBillable = (cpuMs: number) => (mode.acknowledged > 0 ? whole((cpuMs * 1000) / mode.acknowledged) : 'n/a');
      lines.push(
        `| ${engine.engine} | ${mode.label} | ${mode.connections} | ${whole(mode.requests)} | ${whole(rate)} | ${times(rate, singleRate)} | ${ms(mode.p50Ms)} | ${ms(mode.p99Ms)} | ` +
          `${perBillable(mode.cpu.serverMs)} | ${perBillable(mode.cpu.postgresMs)} | ${otherCores(mode.cpu)} | ${whole(mode.stored)} / ${whole(mode.acknowledged)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Writes one line per engine: whether each mode stored exactly the billables it reported. */
function batchChecks(results: readonly BatchEngineResult[]): string[] {
  return results.map((engine) => {
    const failed = engine.modes.filter((mode) => !modeIsExact(mode, engine.expected));
    if (failed.length === 0) {
      return (
        `- ${engine.engine}: every mode got a 2xx response to each request, listing each reported call once in order, and the database holds exactly ` +
        `${whole(engine.expected)} billables for each mode's customer, the ones the responses acknowledged by id.`
      );
    }
    return `- ${engine.engine}: **check failed**: ${failed.map((mode) => describeMode(mode, engine.expected)).join('; ')}.`;
  });
}

function describeMode(mode: BatchModeResult, expected: number): string {
  return (
    `${mode.label}: ${whole(expected)} reported, ${whole(mode.acknowledged)} acknowledged (${whole(mode.distinctIds)} distinct ids), ` +
    `${whole(mode.stored)} stored of which ${whole(mode.storedAcknowledged)} acknowledged; ` +
    `${mode.errors} errors, ${mode.non2xx} non-2xx, ${mode.wrongReplies} wrong replies${mode.stoppedEarly ? `, stopped after ${MAX_RUN_SECONDS} s` : ''}`
  );
}

/** Lists the failed checks, for the bench's exit status. */
export function batchProblems(results: readonly BatchEngineResult[]): string[] {
  const problems: string[] = [];
  for (const engine of results) {
    for (const mode of engine.modes) if (!modeIsExact(mode, engine.expected)) problems.push(`batch on ${engine.engine}, ${describeMode(mode, engine.expected)}`);
  }
  return problems;
}

function speedUpOf(engine: BatchEngineResult, batchSize: number): string {
  const single = engine.modes.find((mode) => mode.batchSize === 1);
  const batched = engine.modes.find((mode) => mode.batchSize === batchSize);
  if (!single || !batched) return 'n/a';
  return times(batched.acknowledged / batched.seconds, single.acknowledged / single.seconds);
}

/** Renders the section of docs/benchmarks.md on batches. */
export function batchSection(settings: Settings, results: readonly BatchEngineResult[]): string[] {
  const lines = [
    '## Batch versus single NewBillable',
    '',
    `${whole(settings.batchBillables)} new billables per mode, each mode for a customer of its own. Each engine gets a service process of its own (WORKER=off, LOG_LEVEL=warn). ` +
      `The modes are one JSON NewBillable per request (POST ${INGEST_PATH}) at ${settings.connections} connections, then the same number as JSON lists of 1,000 and of 100 ` +
      `(POST ${BATCH_PATH}) at ${settings.batchConnections} connections. Each connection has one request in flight, and each run ends when every request has its response. ` +
      'Billables/s counts the billables the 2xx responses list, over the run from the first request to the last response; latencies are per request (a batch is one request). ' +
      'Speed-up is billables/s against one per request on the same engine. CPU is user plus system time from /proc over the run, per acknowledged billable. ' +
      (settings.warmupSeconds > 0 ? 'Before the runs, each mode sent a few requests for a warm-up customer. ' : '') +
      'After the service stopped, the bench read the database itself: "Stored" counts the billables of the mode\'s customer.',
    '',
  ];
  if (results.length === 0) return [...lines, '(not run)'];
  const postgres = results.find((engine) => engine.engine === 'PostgreSQL');
  const pglite = results.find((engine) => engine.engine === 'PGlite');
  lines.push(
    `What this shows: batches of 1,000 report billables ${postgres ? speedUpOf(postgres, 1_000) : 'n/a'} as fast as one per request on PostgreSQL and ` +
      `${pglite ? speedUpOf(pglite, 1_000) : 'n/a'} as fast on PGlite (batches of 100: ${postgres ? speedUpOf(postgres, 100) : 'n/a'} and ${pglite ? speedUpOf(pglite, 100) : 'n/a'}). ` +
      'The service parses, authenticates and routes one HTTP request per batch and stores the batch with one INSERT in one transaction, and the CPU columns show which process saves the work.',
    '',
    batchTable(results),
    '',
    ...batchChecks(results),
  );
  return lines;
}
