/**
 * Shared pieces of `npm run bench`: settings, clean-up, service processes, HTTP helpers, the
 * autocannon load generator and number formatting for the report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { CpuUsage } from './bench-cpu.js';
import { type ServerProcess, startServer } from './bench-process.js';

// autocannon ships no type declarations, so the part of its API used here is declared here.
export interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number };
}
export interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
  stop(): void;
}
export type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const INGEST_PATH = '/api/NewBillable';
export const SERVICE_ENTRY = 'src/main.ts';
export const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
export const TIME_ZONE = 'America/New_York';
export const BILLING_MONTH = { firstDay: '2025-01-01', lastDay: '2025-01-31', days: 31 };
export const TEMP_DIR_PREFIX = 'voice-billing-bench-';

/** A failure with a complete message for the user, printed without a stack trace. */
export class BenchError extends Error {}

/** The parts of the bench, selected with BENCH_PARTS, in the order they run. */
export const BENCH_PARTS = ['ingestion', 'billing', 'batch', 'formats'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface Settings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  billables: number;
  customers: number;
  billingRequests: number;
  pgliteBilling: boolean;
  parts: ReadonlySet<BenchPart>;
  /** New billables reported in each mode of the batch part (one per request, batches of 1,000, batches of 100). */
  batchBillables: number;
  /** Connections that send the batches of the batch part. */
  batchConnections: number;
  /** NewBillable requests per format in the formats part. */
  formatBillables: number;
  /** Timed GetBilling requests per format in the formats part. */
  formatBillingRequests: number;
  postgresUrl: string;
  cpuProfileDir: string | undefined;
  docsPath: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Housekeeping: progress lines, and clean-up that also runs on Ctrl-C.

export const startedAt = Date.now();
export function progress(message: string): void {
  process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

export const cleanups: Array<() => Promise<void>> = [];
export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as () => Promise<void>;
    await cleanup().catch((error: unknown) => progress(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}
process.once('SIGINT', () => {
  progress('interrupted; stopping servers and removing databases');
  void runCleanups().then(() => process.exit(130));
});

/** Creates an empty PostgreSQL database, dropped again by the clean-up. */
export async function createPostgresDatabase(serverUrl: string): Promise<string> {
  const name = `vb_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    try {
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await cleanup.end();
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function serviceEnvironment(store: { DATA_DIR: string } | { DATABASE_URL: string }): Record<string, string> {
  return {
    ...store,
    ADMIN_API_KEY: ADMIN_KEY,
    WORKER: 'off',
    LOG_LEVEL: 'warn',
    // Nothing calls Twilio with the worker off; the URL keeps any stray request on loopback anyway.
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  };
}

export async function startService(name: string, settings: Settings, store: { DATA_DIR: string } | { DATABASE_URL: string }): Promise<ServerProcess> {
  const server = await startServer({ name, script: SERVICE_ENTRY, env: serviceEnvironment(store), cpuProfileDir: settings.cpuProfileDir });
  cleanups.push(() => server.stop());
  return server;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

export const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

export async function callService(server: ServerProcess, method: string, requestPath: string, body?: unknown): Promise<any> {
  const response = await fetch(server.url + requestPath, { method, headers: adminHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${requestPath} on ${server.name} failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

export function percentile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil(fraction * sortedValues.length) - 1));
  return sortedValues[index] as number;
}

// Unique per run and per request: CA, 8 random hex digits, then a 24-digit hex counter.
export const sidPrefix = randomBytes(4).toString('hex');
export let sidCounter = 0;
export function nextCallSid(): string {
  sidCounter += 1;
  return `CA${sidPrefix}${sidCounter.toString(16).padStart(24, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Load with a fixed number of requests

export interface CountedLoadOptions {
  server: ServerProcess;
  method: 'POST' | 'GET';
  requestPath: string;
  headers: Record<string, string>;
  connections: number;
  /** Requests sent in all; the run ends when each has its response or failed. */
  amount: number;
  /** Builds the next request body and a tag that onReply gets back with that request's response. */
  nextRequest: () => { body: string | undefined; tag: unknown };
  onReply?: (statusCode: number, body: string, headers: Record<string, string>, tag: unknown) => void;
  timeoutSeconds: number;
  /** The run is stopped after this many seconds, so a stalled server cannot hold the bench. */
  maxSeconds: number;
}

export interface CountedLoad {
  result: AutocannonResult;
  /** Latencies of the 2xx responses, in milliseconds, sorted. */
  latenciesMs: number[];
  /** Seconds from the start to the last response. */
  seconds: number;
  /** True when maxSeconds ended the run before every request had its response. */
  stoppedEarly: boolean;
}

/** Sends `amount` requests over `connections` connections, one request in flight on each. */
export async function runCountedLoad(options: CountedLoadOptions): Promise<CountedLoad> {
  const connections = Math.min(options.connections, options.amount);
  const latenciesMs: number[] = [];
  const started = performance.now();
  const instance = autocannon({
    url: options.server.url,
    connections,
    amount: options.amount,
    timeout: options.timeoutSeconds,
    // The end of a counted run is noticed at the next sample tick, 1 s apart by default.
    sampleInt: 100,
    requests: [
      {
        method: options.method,
        path: options.requestPath,
        headers: options.headers,
        // autocannon gives each connection a fresh context before it builds a request, and with one
        // request in flight per connection the response that follows is this request's.
        setupRequest: (request: Record<string, unknown>, context: { tag?: unknown }) => {
          const next = options.nextRequest();
          context.tag = next.tag;
          return next.body === undefined ? request : { ...request, body: next.body };
        },
        onResponse: (statusCode: number, body: string, context: { tag?: unknown }, headers: Record<string, string>) =>
          options.onReply?.(statusCode, body, headers, context.tag),
      },
    ],
  });
  // autocannon notices the end of a counted run only at its next sample tick, so the run's time
  // is taken up to the last response instead of up to the end of the promise.
  let lastResponseAt = started;
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    lastResponseAt = performance.now();
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
  });
  let stoppedEarly = false;
  const guard = setTimeout(() => {
    stoppedEarly = true;
    instance.stop();
  }, options.maxSeconds * 1000);
  const result = await instance;
  clearTimeout(guard);
  latenciesMs.sort((a, b) => a - b);
  return { result, latenciesMs, seconds: (lastResponseAt - started) / 1000, stoppedEarly };
}

/** Returns a header of an autocannon response, whose header names keep the case the server sent. */
export function headerOf(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return String(value);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Accounts, customers and stored billables

/** Creates an account over HTTP and returns its id. */
export async function createAccount(server: ServerProcess, name: string): Promise<string> {
  const account = await callService(server, 'POST', '/accounts', {
    name,
    // A Twilio account SID may belong to one account only, so each account gets its own.
    twilioAccountSid: `AC${randomBytes(16).toString('hex')}`,
    twilioAuthToken: 'benchmark-token',
    countryCode: 'US',
    timeZone: TIME_ZONE,
  });
  return account.id as string;
}

/** Creates a customer over HTTP and returns its id. */
export async function createCustomer(server: ServerProcess, accountId: string, name: string): Promise<string> {
  const customer = await callService(server, 'POST', '/customers', { accountId, name });
  return customer.id as string;
}

/** Adds the CPU time of two runs. */
export function addCpu(a: CpuUsage, b: CpuUsage): CpuUsage {
  return {
    wallMs: a.wallMs + b.wallMs,
    serverMs: a.serverMs + b.serverMs,
    postgresMs: a.postgresMs + b.postgresMs,
    benchMs: a.benchMs + b.benchMs,
    otherMs: a.otherMs + b.otherMs,
  };
}

export const NO_CPU: CpuUsage = { wallMs: 0, serverMs: 0, postgresMs: 0, benchMs: 0, otherMs: 0 };

// ---------------------------------------------------------------------------------------------
// Report formatting

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toFixed(value < 10 ? 2 : 1);
}

export const whole = (value: number) => Math.round(value).toLocaleString('en-US');

/** Formats a ratio to a baseline, such as 0.85× or 12.3×. */
export function times(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  const ratio = value / baseline;
  return `${ratio.toFixed(ratio < 10 ? 2 : 1)}×`;
}

/** Other processes' CPU during a run, in cores busy (1.00 = one core fully busy). */
export function otherCores(cpu: CpuUsage): string {
  return cpu.wallMs > 0 ? (cpu.otherMs / cpu.wallMs).toFixed(2) : 'n/a';
}
