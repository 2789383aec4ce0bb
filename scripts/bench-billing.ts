/**
 * Part 2 of `npm run bench`: GetBilling over a month of Rated billables loaded with SQL, timed
 * for the whole account and for single customers, with its totals checked against the data.
 */
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { openPglite } from '../src/store/pglite.js';
import { openPostgres } from '../src/store/postgres.js';
import { adminHeaders, BILLING_MONTH, createPostgresDatabase, createTempDir, percentile, progress, type Settings, startService, TEMP_DIR_PREFIX, TIME_ZONE } from './bench-common.js';
import { type CpuUsage, cpuUsedBetween, takeCpuSnapshot } from './bench-cpu.js';
import { type BillingDataPlan, type LoadedBillingData, loadBillingData } from './bench-data.js';
import type { ServerProcess } from './bench-process.js';

const Money = Decimal.clone({ precision: 60 });

const MONEY_FIELD = /"(callCost|recordingCost|totalCost|internationalCosts)":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

function parseWithExactMoney(text: string): any {
  return JSON.parse(text.replace(MONEY_FIELD, '"$1":"$2"'));
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  requests: number;
  cpu: CpuUsage;
}

export interface BillingResult {
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

export async function measureBilling(engine: string, settings: Settings): Promise<BillingResult> {
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
