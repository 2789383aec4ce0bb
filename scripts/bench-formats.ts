/**
 * Part "formats" of `npm run bench`: what each wire format costs compared with JSON, measured
 * against one service process on PostgreSQL. GetBilling for every customer of an account is
 * fetched as JSON, JSV, XML, CSV and JSONL, and NewBillable is posted as JSON, JSV, XML and a form.
 * The formats take turns in short blocks, in a rotating order, so that a change in the machine's
 * load affects each of them alike.
 */
import { randomUUID } from 'node:crypto';
import { BILLING_NAMESPACE } from '../src/protocol/dto.js';
import { migrate } from '../src/store/migrate.js';
import { openPostgres } from '../src/store/postgres.js';
import {
  ADMIN_KEY,
  addCpu,
  BILLING_MONTH,
  createAccount,
  createCustomer,
  createPostgresDatabase,
  headerOf,
  INGEST_PATH,
  ms,
  nextCallSid,
  NO_CPU,
  otherCores,
  percentile,
  progress,
  runCountedLoad,
  type Settings,
  startService,
  TIME_ZONE,
  times,
  whole,
} from './bench-common.js';
import { type CpuUsage, cpuUsedBetween, takeCpuSnapshot } from './bench-cpu.js';
import { loadBillingData } from './bench-data.js';
import type { ServerProcess } from './bench-process.js';

// 100 billables per customer spread over the 31 days give every customer a daily total on each
// day, so GetBilling sums as many daily total rows as over the 1,000,000 billables of the billing part.
const BILLABLES_PER_CUSTOMER = 100;
const BILLING_BLOCK_REQUESTS = 10;
const TIMEOUT_SECONDS = 30;
const MAX_RUN_SECONDS = 300;

// ---------------------------------------------------------------------------------------------
// GetBilling in each format

interface BillingFormat {
  name: string;
  suffix: string;
  contentType: string;
  /** Counts the customers in a response body. */
  countRows: (body: string) => number;
}

const countMatches = (body: string, pattern: RegExp) => body.match(pattern)?.length ?? 0;
const nonEmptyLines = (body: string) => body.split(/\r?\n/).filter((line) => line !== '').length;

const BILLING_FORMATS: readonly BillingFormat[] = [
  { name: 'JSON', suffix: '.json', contentType: 'application/json', countRows: (body) => (JSON.parse(body) as { customers: unknown[] }).customers.length },
  { name: 'JSV', suffix: '.jsv', contentType: 'application/jsv', countRows: (body) => countMatches(body, /\btotalCost:/g) },
  { name: 'XML', suffix: '.xml', contentType: 'application/xml', countRows: (body) => countMatches(body, /<\/BillingCustomerInfo>/g) },
  { name: 'CSV', suffix: '.csv', contentType: 'text/csv', countRows: (body) => nonEmptyLines(body) - 1 },
  { name: 'JSONL', suffix: '.jsonl', contentType: 'text/jsonl', countRows: nonEmptyLines },
];

export interface BillingFormatResult {
  format: string;
  requestPath: string;
  requests: number;
  /** Sum of the request latencies, in seconds. */
  busySeconds: number;
  p50Ms: number;
  p99Ms: number;
  responseBytes: number;
  contentType: string;
  rows: number;
  cpu: CpuUsage;
}

/** Rotates a list left by `shift` places. */
function rotate<T>(items: readonly T[], shift: number): T[] {
  const start = shift % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

async function timedGet(server: ServerProcess, requestPath: string): Promise<{ ms: number; body: string; contentType: string }> {
  const started = performance.now();
  const response = await fetch(server.url + requestPath, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const body = await response.text();
  const elapsed = performance.now() - started;
  if (!response.ok) throw new Error(`GET ${requestPath} failed with HTTP ${response.status}: ${body.slice(0, 300)}`);
  return { ms: elapsed, body, contentType: response.headers.get('content-type') ?? '' };
}

async function measureBillingFormats(server: ServerProcess, accountId: string, settings: Settings): Promise<BillingFormatResult[]> {
  const query = new URLSearchParams({ accountId, startDate: BILLING_MONTH.firstDay, endDate: BILLING_MONTH.lastDay }).toString();
  const pathOf = (format: BillingFormat) => `/billing${format.suffix}?${query}`;
  const latencies = new Map(BILLING_FORMATS.map((format) => [format, [] as number[]]));
  const cpu = new Map(BILLING_FORMATS.map((format) => [format, NO_CPU]));

  if (settings.warmupSeconds > 0) {
    for (const format of BILLING_FORMATS) for (let index = 0; index < 3; index++) await timedGet(server, pathOf(format));
  }

  const rounds = Math.ceil(settings.formatBillingRequests / BILLING_BLOCK_REQUESTS);
  progress(`formats: GetBilling, ${rounds} rounds of ${BILLING_BLOCK_REQUESTS} requests per format`);
  for (let round = 0; round < rounds; round++) {
    const blockRequests = Math.min(BILLING_BLOCK_REQUESTS, settings.formatBillingRequests - round * BILLING_BLOCK_REQUESTS);
    for (const format of rotate(BILLING_FORMATS, round)) {
      const before = takeCpuSnapshot(server.pid);
      for (let index = 0; index < blockRequests; index++) latencies.get(format)!.push((await timedGet(server, pathOf(format))).ms);
      cpu.set(format, addCpu(cpu.get(format)!, cpuUsedBetween(before, takeCpuSnapshot(server.pid))));
    }
  }

  const results: BillingFormatResult[] = [];
  for (const format of BILLING_FORMATS) {
    const sample = await timedGet(server, pathOf(format));
    const sorted = latencies.get(format)!.sort((a, b) => a - b);
    results.push({
      format: format.name,
      requestPath: `/billing${format.suffix}`,
      requests: sorted.length,
      busySeconds: sorted.reduce((sum, value) => sum + value, 0) / 1000,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      responseBytes: Buffer.byteLength(sample.body),
      contentType: sample.contentType,
      rows: format.countRows(sample.body),
      cpu: cpu.get(format)!,
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// NewBillable in each format

interface IngestFormat {
  name: string;
  contentType: string;
  accept: string;
  /** Media type the response must have. */
  responseType: string;
  bodyFor: (accountId: string, customerId: string, callSid: string) => string;
}

const INGEST_FORMATS: readonly IngestFormat[] = [
  {
    name: 'JSON → JSON',
    contentType: 'application/json',
    accept: 'application/json',
    responseType: 'application/json',
    bodyFor: (accountId, customerId, callSid) => JSON.stringify({ accountId, customerId, callSid }),
  },
  {
    name: 'JSV → JSV',
    contentType: 'application/jsv',
    accept: 'application/jsv',
    responseType: 'application/jsv',
    bodyFor: (accountId, customerId, callSid) => `{accountId:${accountId},customerId:${customerId},callSid:${callSid}}`,
  },
  {
    name: 'XML → XML',
    contentType: 'application/xml',
    accept: 'application/xml',
    responseType: 'application/xml',
    // As a .NET DataContractSerializer writes it: members in alphabetical order, in the DTO's namespace.
    bodyFor: (accountId, customerId, callSid) =>
      '<?xml version="1.0" encoding="utf-8"?>' +
      `<NewBillable xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/${BILLING_NAMESPACE}">` +
      `<AccountId>${accountId}</AccountId><CallSid>${callSid}</CallSid><CustomerId>${customerId}</CustomerId></NewBillable>`,
  },
  {
    name: 'form → JSON',
    contentType: 'application/x-www-form-urlencoded',
    accept: 'application/json',
    responseType: 'application/json',
    bodyFor: (accountId, customerId, callSid) => new URLSearchParams({ accountId, customerId, callSid }).toString(),
  },
];

// One round per format, so that each format takes each place in the rotating order once.
const INGEST_ROUNDS = INGEST_FORMATS.length;

export interface IngestFormatResult {
  format: string;
  requests: number;
  acknowledged: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** 2xx responses in another media type than expected, or without the reported call SID. */
  wrongReplies: number;
  stoppedEarly: boolean;
  requestBytes: number;
  responseBytes: number;
  /** Billables the database holds for the format's customer. */
  stored: number;
  cpu: CpuUsage;
}

interface IngestTally {
  acknowledged: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
  non2xx: number;
  wrongReplies: number;
  stoppedEarly: boolean;
  responseBytes: number;
  cpu: CpuUsage;
}

async function postInFormat(server: ServerProcess, format: IngestFormat, accountId: string, customerId: string, amount: number, connections: number, tally: IngestTally): Promise<void> {
  const before = takeCpuSnapshot(server.pid);
  const run = await runCountedLoad({
    server,
    method: 'POST',
    requestPath: INGEST_PATH,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': format.contentType, accept: format.accept },
    connections,
    amount,
    nextRequest: () => {
      const callSid = nextCallSid();
      return { body: format.bodyFor(accountId, customerId, callSid), tag: callSid };
    },
    onReply: (statusCode, body, headers, tag) => {
      if (statusCode < 200 || statusCode >= 300) return;
      tally.responseBytes ||= Buffer.byteLength(body);
      const contentType = headerOf(headers, 'content-type') ?? '';
      if (!contentType.startsWith(format.responseType) || !body.includes(tag as string)) tally.wrongReplies += 1;
    },
    timeoutSeconds: TIMEOUT_SECONDS,
    maxSeconds: MAX_RUN_SECONDS,
  });
  tally.cpu = addCpu(tally.cpu, cpuUsedBetween(before, takeCpuSnapshot(server.pid)));
  tally.acknowledged += run.result['2xx'];
  tally.seconds += run.seconds;
  tally.latenciesMs.push(...run.latenciesMs);
  tally.errors += run.result.errors + run.result.timeouts;
  tally.non2xx += run.result.non2xx;
  tally.stoppedEarly ||= run.stoppedEarly;
}

async function measureIngestFormats(server: ServerProcess, settings: Settings, countStored: (customerId: string) => Promise<number>): Promise<IngestFormatResult[]> {
  const accountId = await createAccount(server, 'Formats benchmark account');
  const customers = new Map<IngestFormat, string>();
  for (const format of INGEST_FORMATS) customers.set(format, await createCustomer(server, accountId, `Formats benchmark, ${format.name}`));
  const tallies = new Map<IngestFormat, IngestTally>(
    INGEST_FORMATS.map((format) => [format, { acknowledged: 0, seconds: 0, latenciesMs: [], errors: 0, non2xx: 0, wrongReplies: 0, stoppedEarly: false, responseBytes: 0, cpu: NO_CPU }]),
  );

  if (settings.warmupSeconds > 0) {
    // The warm-up reports to a customer of its own, so it does not count in any format's check.
    const warmupCustomerId = await createCustomer(server, accountId, 'Warm-up');
    progress('formats: NewBillable warm-up');
    for (const format of INGEST_FORMATS) {
      const discarded: IngestTally = { acknowledged: 0, seconds: 0, latenciesMs: [], errors: 0, non2xx: 0, wrongReplies: 0, stoppedEarly: false, responseBytes: 0, cpu: NO_CPU };
      await postInFormat(server, format, accountId, warmupCustomerId, settings.connections * 5, settings.connections, discarded);
    }
  }

  progress(`formats: NewBillable, ${INGEST_ROUNDS} rounds of about ${whole(settings.formatBillables / INGEST_ROUNDS)} requests per format at ${settings.connections} connections`);
  for (let round = 0; round < INGEST_ROUNDS; round++) {
    // The last round sends what the division left over.
    const amount = round < INGEST_ROUNDS - 1 ? Math.floor(settings.formatBillables / INGEST_ROUNDS) : settings.formatBillables - (INGEST_ROUNDS - 1) * Math.floor(settings.formatBillables / INGEST_ROUNDS);
    for (const format of rotate(INGEST_FORMATS, round)) await postInFormat(server, format, accountId, customers.get(format)!, amount, settings.connections, tallies.get(format)!);
  }

  const results: IngestFormatResult[] = [];
  for (const format of INGEST_FORMATS) {
    const tally = tallies.get(format)!;
    const sorted = tally.latenciesMs.sort((a, b) => a - b);
    results.push({
      format: format.name,
      requests: settings.formatBillables,
      acknowledged: tally.acknowledged,
      seconds: tally.seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      errors: tally.errors,
      non2xx: tally.non2xx,
      wrongReplies: tally.wrongReplies,
      stoppedEarly: tally.stoppedEarly,
      requestBytes: Buffer.byteLength(format.bodyFor(randomUUID(), randomUUID(), nextCallSid())),
      responseBytes: tally.responseBytes,
      stored: await countStored(customers.get(format)!),
      cpu: tally.cpu,
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

export interface FormatsResult {
  customers: number;
  billables: number;
  billing: BillingFormatResult[];
  ingest: IngestFormatResult[];
}

/** Loads a month of billables into a new PostgreSQL database, starts one service on it and measures every format. */
export async function measureFormats(settings: Settings): Promise<FormatsResult> {
  const url = await createPostgresDatabase(settings.postgresUrl);
  const billables = settings.customers * BILLABLES_PER_CUSTOMER;
  const accountId = randomUUID();
  progress(`formats: loading ${whole(billables)} billables for ${whole(settings.customers)} customers into PostgreSQL`);
  const db = await openPostgres({ connectionString: url });
  try {
    await migrate(db);
    await loadBillingData(db, { accountId, customers: settings.customers, billables, firstDay: BILLING_MONTH.firstDay, days: BILLING_MONTH.days, timeZone: TIME_ZONE });

    const server = await startService('voice-billing on PostgreSQL (formats)', settings, { DATABASE_URL: url });
    const billing = await measureBillingFormats(server, accountId, settings);
    const countStored = async (customerId: string) =>
      (await db.query<{ stored: number }>('SELECT count(*)::int AS stored FROM billables WHERE customer_id = $1', [customerId]))[0]?.stored ?? 0;
    const ingest = await measureIngestFormats(server, settings, countStored);
    await server.stop();
    return { customers: settings.customers, billables, billing, ingest };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function billingFormatTable(results: readonly BillingFormatResult[]): string {
  const json = results.find((result) => result.format === 'JSON');
  const rateOf = (result: BillingFormatResult) => result.requests / result.busySeconds;
  const serverMsOf = (result: BillingFormatResult) => result.cpu.serverMs / result.requests;
  const lines = [
    '| Format | Request | Response KiB | Customers in it | Requests/s | vs JSON | p50 ms | p99 ms | Server CPU ms/request | vs JSON | PostgreSQL CPU ms/request | Other processes, cores busy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of results) {
    lines.push(
      `| ${result.format} | GET ${result.requestPath} | ${whole(result.responseBytes / 1024)} | ${whole(result.rows)} | ${rateOf(result).toFixed(1)} | ${json ? times(rateOf(result), rateOf(json)) : 'n/a'} | ` +
        `${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${serverMsOf(result).toFixed(2)} | ${json ? times(serverMsOf(result), serverMsOf(json)) : 'n/a'} | ` +
        `${(result.cpu.postgresMs / result.requests).toFixed(2)} | ${otherCores(result.cpu)} |`,
    );
  }
  return lines.join('\n');
}

function ingestFormatTable(results: readonly IngestFormatResult[]): string {
  const json = results.find((result) => result.format === 'JSON → JSON');
  const rateOf = (result: IngestFormatResult) => result.acknowledged / result.seconds;
  const serverUsOf = (result: IngestFormatResult) => (result.cpu.serverMs * 1000) / result.acknowledged;
  const lines = [
    '| Request body → response | Bytes, request / response | Requests/s | vs JSON | p50 ms | p99 ms | Server CPU µs/request | vs JSON | PostgreSQL CPU µs/request | Other processes, cores busy | Stored / acknowledged |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const result of results) {
    lines.push(
      `| ${result.format} | ${result.requestBytes} / ${result.responseBytes} | ${whole(rateOf(result))} | ${json ? times(rateOf(result), rateOf(json)) : 'n/a'} | ` +
        `${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${whole(serverUsOf(result))} | ${json ? times(serverUsOf(result), serverUsOf(json)) : 'n/a'} | ` +
        `${whole((result.cpu.postgresMs * 1000) / result.acknowledged)} | ${otherCores(result.cpu)} | ${whole(result.stored)} / ${whole(result.acknowledged)} |`,
    );
  }
  return lines.join('\n');
}

function billingFormatProblem(result: BillingFormatResult, customers: number, expectedType: string): string | undefined {
  if (result.rows === customers && result.contentType.startsWith(expectedType)) return undefined;
  return `GetBilling as ${result.format} returned ${result.rows} customers instead of ${customers}, as ${result.contentType || 'no Content-Type'}`;
}

function ingestFormatProblem(result: IngestFormatResult): string | undefined {
  const exact =
    result.errors === 0 && result.non2xx === 0 && result.wrongReplies === 0 && !result.stoppedEarly && result.acknowledged === result.requests && result.stored === result.requests;
  if (exact) return undefined;
  return (
    `NewBillable as ${result.format}: ${whole(result.requests)} sent, ${whole(result.acknowledged)} acknowledged, ${whole(result.stored)} stored; ` +
    `${result.errors} errors, ${result.non2xx} non-2xx, ${result.wrongReplies} wrong replies${result.stoppedEarly ? `, stopped after ${MAX_RUN_SECONDS} s` : ''}`
  );
}

/** Lists the failed checks, for the report and the bench's exit status. */
export function formatProblems(result: FormatsResult): string[] {
  const problems: string[] = [];
  for (const billing of result.billing) {
    const format = BILLING_FORMATS.find((candidate) => candidate.name === billing.format);
    const problem = billingFormatProblem(billing, result.customers, format?.contentType ?? '');
    if (problem) problems.push(problem);
  }
  for (const ingest of result.ingest) {
    const problem = ingestFormatProblem(ingest);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Writes the check lines under the tables. */
function formatChecks(result: FormatsResult): string[] {
  const problems = formatProblems(result);
  if (problems.length > 0) return problems.map((problem) => `- **Check failed**: ${problem}.`);
  return [
    `- Every GetBilling response listed all ${whole(result.customers)} customers in its format's media type.`,
    `- Every NewBillable request got a 2xx response in the expected media type that names the reported call, and the database holds exactly ` +
      `${whole(result.ingest[0]?.requests ?? 0)} billables for each format's customer.`,
  ];
}

/** Returns the smallest and largest ratio of `valueOf` to JSON's among the other formats, as '0.95× (JSV) to 1.80× (XML)'. */
function ratioRange<T extends { format: string }>(results: readonly T[], json: T | undefined, valueOf: (result: T) => number): string {
  if (!json) return 'n/a';
  const others = results.filter((result) => result !== json).map((result) => ({ format: result.format, ratio: valueOf(result) / valueOf(json) }));
  if (others.length === 0) return 'n/a';
  others.sort((a, b) => a.ratio - b.ratio);
  const low = others[0]!;
  const high = others[others.length - 1]!;
  return `${times(low.ratio, 1)} (${low.format}) to ${times(high.ratio, 1)} (${high.format})`;
}

/** Renders the section of docs/benchmarks.md on formats. */
export function formatsSection(settings: Settings, result: FormatsResult | undefined): string[] {
  const lines = [
    '## Formats',
    '',
    'One service process on PostgreSQL (WORKER=off, LOG_LEVEL=warn) serves every format, and the formats take turns in short blocks whose order rotates from round to round, ' +
      'so that a change in the machine\'s load affects each format alike. CPU is user plus system time from /proc over each format\'s blocks. ' +
      '"vs JSON" divides a format\'s figure by JSON\'s.',
    '',
  ];
  if (!result) return [...lines, '(not run)'];
  const billingJson = result.billing.find((billing) => billing.format === 'JSON');
  const ingestJson = result.ingest.find((ingest) => ingest.format === 'JSON → JSON');
  lines.push(
    `What this shows: for GetBilling over ${whole(result.customers)} customers, the other formats cost ` +
      `${ratioRange(result.billing, billingJson, (billing) => billing.cpu.serverMs / billing.requests)} the service CPU of JSON per request. ` +
      `For NewBillable they cost ${ratioRange(result.ingest, ingestJson, (ingest) => ingest.cpu.serverMs / ingest.acknowledged)} its CPU and reach ` +
      `${ratioRange(result.ingest, ingestJson, (ingest) => ingest.acknowledged / ingest.seconds)} its throughput.`,
    '',
    `GetBilling: ${whole(result.billables)} Rated billables over ${whole(result.customers)} customers and ${BILLING_MONTH.days} days, loaded as in the GetBilling section, ` +
      `and GET /billing{suffix} for the whole month and all customers, ${whole(settings.formatBillingRequests)} requests per format, one at a time, in blocks of ${BILLING_BLOCK_REQUESTS}` +
      `${settings.warmupSeconds > 0 ? ' after 3 warm-up requests per format' : ''}. Requests/s is 1 / mean latency. "Customers in it" counts the customers in one response of that format.`,
    '',
    billingFormatTable(result.billing),
    '',
    `NewBillable: ${whole(settings.formatBillables)} requests per format in ${INGEST_ROUNDS} rounds at ${settings.connections} connections, each with a new call SID, for a customer of the format's own. ` +
      "Content-Type and Accept are the format's media type, except that a form post asks for JSON. " +
      (settings.warmupSeconds > 0 ? `Each format first sent ${whole(settings.connections * 5)} warm-up requests. ` : '') +
      'Requests/s is the 2xx responses over the time the format\'s rounds took. "Stored" counts the billables of the format\'s customer in the database afterwards.',
    '',
    ingestFormatTable(result.ingest),
    '',
    ...formatChecks(result),
  );
  return lines;
}
