/** Settings of `npm run bench` from environment variables, and the report of scratch data that an interrupted bench left. */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BenchError, type BenchPart, BENCH_PARTS, progress, type Settings, TEMP_DIR_PREFIX } from './bench-common.js';

export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
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
export async function reportLeftovers(serverUrl: string): Promise<void> {
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
